// End to end through real parts: each Docker Hub build rule run as the builder runs it (pre_build,
// hooks/build, docker push, post_push; cwd = the Dockerfile's folder) with the test bed's real
// docker CLI and engine (RUN steps under real QEMU) against the shared
// local registry. Checks what lands there: one list of exactly the arches, by digest, each entry's
// config naming its platform, its /arch written by a RUN that ran under that arch, its revision
// label the commit, and the list never mixing two commits.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES, platformKey, platformString } from '../../src/arch.js';
import { renderHooks } from '../../src/hooks/render-hooks.js';
import { cleanupTemps, hubBuildEnv, readImageFile, hookEnv, tmpGitRepo } from '../support/env.js';
import { startHttpServer, type HttpServer } from '../support/http-server.js';
import { run } from '../support/proc.js';
import {
  arch,
  dockerfileFor,
  hookConfig,
  imageConfig,
  packArchive,
  platformsOf,
  readList,
  REVISION_LABEL,
  runHook,
  tablePlatforms,
  tagImage,
  uniqueRepo,
  type ConfigOptions,
  type HookRun,
  type ListEntry,
} from './support.js';
import { git } from '../cli/run-cli.js';

const host = inject('registry');
const ARCHES = DEFAULT_ARCHES;
let server: HttpServer;
let archive: { file: string; sha256: string };

beforeAll(async () => {
  archive = packArchive();
  server = await startHttpServer({ '/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz': { file: archive.file } });
});
afterAll(async () => {
  await server?.stop();
  cleanupTemps();
});

/** Test pins: the fake manifest-tool, packed and served like the release archive. */
const manifestToolPins = (): ConfigOptions['pins'] => ({
  manifestToolUrl: `${server.url}/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz`,
  manifestToolSha256: archive.sha256,
});

function dockerfile(name: string, extra = ''): string {
  const from = name === 'amd64' ? 'busybox' : `${name}/busybox`;
  return `FROM ${from}\nRUN uname -m > /arch${extra}\n`;
}

/** A repo as the generator leaves it: Dockerfile, per-arch Dockerfiles, hooks/ (0755), committed. */
function hubRepo(opts: ConfigOptions): { dir: string; sha: string } {
  const files: Record<string, string | { content: string; mode: number }> = {};
  for (const a of ARCHES) files[dockerfileFor(a)] = dockerfile(a);
  for (const h of renderHooks(hookConfig({ arches: ARCHES, ...opts }))) files[`hooks/${h.name}`] = { content: h.content, mode: 0o755 };
  return tmpGitRepo(files, { message: 'commit A' });
}

interface RuleRun {
  pre: HookRun;
  build: HookRun;
  push: HookRun;
  post: HookRun;
  env: NodeJS.ProcessEnv;
}

const fakeToolLogs = new Set<string>();

/** One build rule, phase by phase, as Docker Hub runs it; each phase must succeed. */
async function runRule(
  dir: string,
  repo: string,
  archName: string,
  o: { listTag?: string; sha: string; extra?: Record<string, string> },
): Promise<RuleRun> {
  const tag = !o.listTag || o.listTag === 'latest' ? archName : `${o.listTag}-${archName}`;
  const fakeLog = path.join(dir, '..', `${path.basename(dir)}-manifest-tool.log`);
  fakeToolLogs.add(fakeLog);
  const env = hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost: host, repo, tag, dockerfilePath: dockerfileFor(archName), sourceCommit: o.sha }),
      MULTIARCH_RETRY_DELAY: '0.05',
      FAKE_MANIFEST_TOOL_LOG: fakeLog,
      ...o.extra,
    },
  });
  const phase = async (what: string, r: Promise<HookRun>) => {
    const done = await r;
    expect(done.code, `${archName} ${what}:\n${done.out}`).toBe(0);
    return done;
  };
  const pre = await phase('pre_build', runHook(dir, 'pre_build', env));
  const build = await phase('build', runHook(dir, 'build', env));
  const push = await phase(
    'push',
    run('bash', ['-c', 'docker push "$IMAGE_NAME"'], { cwd: dir, env }).then((r) => ({ ...r, out: r.stdout + r.stderr })),
  );
  const post = await phase('post_push', runHook(dir, 'post_push', env));
  return { pre, build, push, post, env };
}

/** The list at `listTag`: exactly the arches, each entry checked against the table and `sha`. */
async function expectPublished(repo: string, listTag: string, sha: string, env: NodeJS.ProcessEnv): Promise<ListEntry[]> {
  const list = await readList(host, repo, listTag);
  expect(list, `${repo}:${listTag} is missing`).not.toBeNull();
  expect(list!.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
  expect(platformsOf(list!.entries)).toEqual(tablePlatforms(ARCHES));
  for (const name of ARCHES) {
    const a = arch(name);
    const entry = list!.entries.find((e) => platformString(e.platform) === platformString(a.platform))!;
    if (a.platform.architecture.startsWith('arm')) expect(entry.platform.variant, `${name} entry has a variant`).toBe(a.platform.variant);
    const cfg = await imageConfig(host, repo, entry.digest);
    // BuildKit writes no variant for arm64 (linux/arm64 is arm64/v8): compare as the engine does.
    expect(platformKey({ os: cfg.os!, architecture: cfg.architecture!, variant: cfg.variant }), `${name} image config`).toBe(
      platformKey(a.platform),
    );
    expect(cfg.config?.Labels?.[REVISION_LABEL], `${name} revision label`).toBe(sha);
    expect(readImageFile(env, `${host}/${repo}@${entry.digest}`, '/arch').trim(), `${name}: uname -m in RUN`).toBe(a.uname);
  }
  return list!.entries;
}

async function revisionsOf(repo: string, entries: ListEntry[]): Promise<string[]> {
  return Promise.all(entries.map(async (e) => (await imageConfig(host, repo, e.digest)).config?.Labels?.[REVISION_LABEL] ?? '?'));
}

const waitingFor = (out: string) => /info: waiting for (.*); the post_push of the last of them publishes/.exec(out)?.[1] ?? '';

describe('Docker Hub build rules, end to end', () => {
  const repoA = uniqueRepo('e2e-forward');
  let hub: { dir: string; sha: string };
  let listA: ListEntry[] = [];
  let envA: NodeJS.ProcessEnv;

  it('forward order, manifest-tool: waits for the missing arches, then publishes the complete list', async () => {
    hub = hubRepo({ publisher: 'manifest-tool', pins: manifestToolPins() });
    for (const [i, name] of ARCHES.entries()) {
      const r = await runRule(hub.dir, repoA, name, { sha: hub.sha });
      envA = r.env;
      expect(r.build.stderr).toContain(
        `for ${platformString(arch(name).platform)} from ${dockerfileFor(name)} (commit ${hub.sha}) with BuildKit (docker buildx)`,
      );
      if (i < ARCHES.length - 1) {
        expect(waitingFor(r.post.stderr)).toBe(
          ARCHES.slice(i + 1)
            .map((n) => `${n} (not pushed yet)`)
            .join(', '),
        );
        expect(await readList(host, repoA, 'latest')).toBeNull();
      } else {
        expect(r.post.stderr).toContain(
          `info: published ${host}/${repoA}:latest (commit ${hub.sha}): linux/amd64 linux/arm/v6 ` +
            `linux/arm/v7 linux/arm64/v8, by digest, with manifest-tool.`,
        );
      }
    }
    listA = await expectPublished(repoA, 'latest', hub.sha, envA);
    // The fake manifest-tool ran once, with a private docker config, --plain-http for loopback.
    const calls = [...fakeToolLogs].filter((f) => fs.existsSync(f)).flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      /^manifest-tool --docker-cfg \S+\/multiarch-hooks\.\w+\/docker-config --plain-http push from-spec \S+\/spec\.yaml$/,
    );
  });

  it('a second commit built over the first: the list is all A until all of B is in, never mixed', async () => {
    expect(listA).toHaveLength(4);
    const shaA = hub.sha;
    for (const a of ARCHES) fs.writeFileSync(path.join(hub.dir, dockerfileFor(a)), dockerfile(a, ' && echo B > /commit'));
    git(hub.dir, ['commit', '-qam', 'commit B']);
    const shaB = git(hub.dir, ['rev-parse', 'HEAD']);
    const order = ['arm64v8', 'amd64', 'arm32v7', 'arm32v6'];
    for (const [i, name] of order.entries()) {
      const r = await runRule(hub.dir, repoA, name, { sha: shaB });
      const list = await readList(host, repoA, 'latest');
      const revisions = new Set(await revisionsOf(repoA, list!.entries));
      if (i < order.length - 1) {
        expect(waitingFor(r.post.stderr)).toMatch(
          new RegExp(
            order
              .slice(i + 1)
              .map((n) => `${n} \\(is commit ${shaA.slice(0, 12)}\\)`)
              .join('|'),
          ),
        );
        expect(list!.entries).toEqual(listA);
        expect([...revisions]).toEqual([shaA]);
      } else {
        expect(r.post.stderr).toContain(`published ${host}/${repoA}:latest (commit ${shaB})`);
        expect([...revisions]).toEqual([shaB]);
      }
    }
    const listB = await expectPublished(repoA, 'latest', shaB, envA);

    // Commit A's arm32v7 build comes late (a re-run): its post_push waits, the list stays B.
    git(hub.dir, ['checkout', '-q', shaA]);
    const late = await runRule(hub.dir, repoA, 'arm32v7', { sha: shaA });
    expect(waitingFor(late.post.stderr)).toBe(
      ['amd64', 'arm32v6', 'arm64v8'].map((n) => `${n} (is commit ${shaB.slice(0, 12)})`).join(', '),
    );
    expect((await readList(host, repoA, 'latest'))!.entries).toEqual(listB);
    git(hub.dir, ['checkout', '-q', 'main']);
  });

  const repoR = uniqueRepo('e2e-reverse');
  let hubR: { dir: string; sha: string };
  let listR: ListEntry[] = [];

  it('reverse order, version tag, docker publisher: the 1.0.0 list', async () => {
    hubR = hubRepo({ publisher: 'docker' });
    const order = [...ARCHES].reverse();
    let env: NodeJS.ProcessEnv = {};
    for (const [i, name] of order.entries()) {
      const r = await runRule(hubR.dir, repoR, name, { listTag: '1.0.0', sha: hubR.sha });
      env = r.env;
      if (i < order.length - 1)
        expect(waitingFor(r.post.stderr)).toBe(
          order
            .slice(i + 1)
            .reverse()
            .map((n) => `${n} (not pushed yet)`)
            .join(', '),
        );
      else expect(r.post.stderr).toContain(`published ${host}/${repoR}:1.0.0 (commit ${hubR.sha})`);
    }
    listR = await expectPublished(repoR, '1.0.0', hubR.sha, env);
    expect(await readList(host, repoR, 'latest')).toBeNull();
  });

  /** post_push alone (the images are in already), as the rule of `archName` for `listTag`. */
  const postPush = (archName: string, listTag: string) => {
    const env = hookEnv({
      extra: {
        ...hubBuildEnv({
          registryHost: host,
          repo: repoR,
          tag: `${listTag}-${archName}`,
          dockerfilePath: dockerfileFor(archName),
          sourceCommit: hubR.sha,
        }),
        MULTIARCH_RETRY_DELAY: '0.05',
      },
    });
    return runHook(hubR.dir, 'post_push', env);
  };
  const tagAll = async (listTag: string, names: readonly string[]) => {
    for (const name of names) {
      const entry = listR.find((e) => platformString(e.platform) === platformString(arch(name).platform))!;
      await tagImage(host, repoR, entry.digest, `${listTag}-${name}`);
    }
  };

  it('two post_push at once publish the same complete list', async () => {
    expect(listR).toHaveLength(4);
    await tagAll('2.0.0', ARCHES);
    const [a, b] = await Promise.all([postPush('amd64', '2.0.0'), postPush('arm64v8', '2.0.0')]);
    for (const r of [a, b]) {
      expect(r.code, r.out).toBe(0);
      expect(r.stderr).toMatch(/info: (published|\S+ already lists the 4 images of commit)/);
    }
    expect(a.stderr + b.stderr).toContain(`published ${host}/${repoR}:2.0.0`);
    expect((await readList(host, repoR, '2.0.0'))!.entries.map((e) => e.digest).sort()).toEqual(listR.map((e) => e.digest).sort());
  });

  it('a missing arch: exit 0, names it, publishes nothing', async () => {
    await tagAll('3.0.0', ['amd64', 'arm32v6', 'arm32v7']);
    const r = await postPush('arm32v7', '3.0.0');
    expect(r.code, r.out).toBe(0);
    expect(waitingFor(r.stderr)).toBe('arm64v8 (not pushed yet)');
    expect(await readList(host, repoR, '3.0.0')).toBeNull();
  });

  it('every order of the four pushes publishes the list exactly once, after the last', async () => {
    const perms = (xs: readonly string[]): string[][] =>
      xs.length <= 1 ? [[...xs]] : xs.flatMap((x) => perms(xs.filter((y) => y !== x)).map((p) => [x, ...p]));
    const all = perms(ARCHES);
    expect(all).toHaveLength(24);
    const runOrder = async (order: string[], n: number) => {
      const listTag = `9.${n}`;
      for (const [i, name] of order.entries()) {
        await tagAll(listTag, [name]);
        const r = await postPush(name, listTag);
        expect(r.code, r.out).toBe(0);
        const published = r.stderr.includes(`published ${host}/${repoR}:${listTag} `);
        expect(published, `${order.join(',')} step ${i}: ${r.stderr}`).toBe(i === order.length - 1);
      }
      expect(platformsOf((await readList(host, repoR, listTag))!.entries)).toEqual(tablePlatforms(ARCHES));
    };
    // Three orders at a time: each has its own list tag.
    for (let i = 0; i < all.length; i += 3) await Promise.all(all.slice(i, i + 3).map((o, j) => runOrder(o, i + j)));
    // 96 post_push runs: ~2 minutes on a quiet 2-core machine, so the default 120 s is no budget.
  }, 600_000);
});
