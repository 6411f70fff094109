/**
 * `--strategy buildx` for real: a repo generated with it (examples/cross: a $BUILDPLATFORM stage
 * told TARGETARCH, a final stage whose RUN runs under QEMU), its hooks run in Docker Hub's order
 * with Docker Hub's variables on an engine with the containerd image store (the docker driver
 * then pushes a multi-platform list), against the loopback registry. Then `simulate` runs the
 * rule the same way, and a second commit's build replaces the list while a reader polls the tag:
 * every observation must be wholly one commit's.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { git } from '../cli/run-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { cleanupTemps, hookEnv, hubBuildEnv, readImageFile, REPO_ROOT, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';

const CLI = path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js');
// What BuildKit gives the $BUILDPLATFORM stage (TARGETARCH + TARGETVARIANT), what uname -m says
// under QEMU in the final stage, what the image config names (arm64/v8 is written arm64).
const EXPECTED = [
  { arch: 'amd64', platform: 'linux/amd64', uname: 'x86_64', target: 'amd64', config: 'linux/amd64' },
  { arch: 'arm32v6', platform: 'linux/arm/v6', uname: 'armv7l', target: 'armv6', config: 'linux/arm/v6' },
  { arch: 'arm32v7', platform: 'linux/arm/v7', uname: 'armv7l', target: 'armv7', config: 'linux/arm/v7' },
  { arch: 'arm64v8', platform: 'linux/arm64/v8', uname: 'aarch64', target: 'arm64', config: 'linux/arm64' },
];

interface Entry {
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
}

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ containerdStore: true, mirror: `http://${inject('registry')}` });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
  cleanupTemps();
});

function skopeoJson<T>(...args: string[]): T {
  return JSON.parse(execFileSync('skopeo', [args[0]!, '--tls-verify=false', ...args.slice(1)], { encoding: 'utf8' })) as T;
}

/** A list's entries (from its raw JSON), each with its platform and its config's platform and revision label, read by digest. */
function entriesOf(repo: string, raw: string): { platform: string; revision: string; config: string }[] {
  const index = JSON.parse(raw) as { manifests?: Entry[] };
  return (index.manifests ?? []).map((m) => {
    const cfg = skopeoJson<{ os: string; architecture: string; variant?: string; config: { Labels?: Record<string, string> } }>(
      'inspect',
      '--config',
      `docker://${repo}@${m.digest}`,
    );
    return {
      platform: [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'),
      revision: cfg.config.Labels?.['org.opencontainers.image.revision'] ?? '',
      config: [cfg.os, cfg.architecture, cfg.variant].filter(Boolean).join('/'),
    };
  });
}

const rawList = (ref: string) =>
  execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' });
const readList = (ref: string) => entriesOf(ref.replace(/:[^:/]+$/, ''), rawList(ref));

describe('--strategy buildx: the generated hooks on a real engine', () => {
  const host = () => inject('registry');
  const repository = `e2e/buildx-${process.pid}`;
  let dir = '';
  let sha = '';
  const env = () => ({ ...hookEnv(), DOCKER_HOST: engine.host });

  async function runHooks(commit: string, tag = 'latest', extra: NodeJS.ProcessEnv = {}) {
    const e = {
      ...env(),
      ...hubBuildEnv({ registryHost: host(), repo: repository, tag, dockerfilePath: 'Dockerfile', sourceCommit: commit }),
      ...extra,
    };
    const out: string[] = [];
    for (const hook of ['pre_build', 'build', 'push']) {
      const r = await run(path.join(dir, 'hooks', hook), [], { cwd: dir, env: e, timeoutMs: 900_000 });
      out.push(`== ${hook} (exit ${r.code})\n${r.stdout}${r.stderr}`);
      if (r.code !== 0) return { code: r.code, log: out.join('\n') };
    }
    return { code: 0, log: out.join('\n') };
  }

  it('generates one rule per source and no per-arch Dockerfile', async () => {
    dir = tmpDir('cmh-e2e-buildx-');
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'cross'), dir, { recursive: true });
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'example']);
    const gen = await run(process.execPath, [CLI, '--yes', '--offline', '--repo', repository, '--strategy', 'buildx'], {
      cwd: dir,
      env: env(),
    });
    expect(gen.code, gen.stdout + gen.stderr).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('Dockerfile.'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'hooks')).sort()).toEqual(['.gitattributes', 'build', 'pre_build', 'push']);
    git(dir, ['commit', '-q', '-m', 'multi-arch hooks']);
    sha = git(dir, ['rev-parse', 'HEAD']);
  });

  it(
    'pre_build, build and push publish one list: every entry its platform, RUN under QEMU, ' + 'TARGETARCH right, the commit as revision',
    async () => {
      const r = await runHooks(sha);
      expect(r.code, r.log).toBe(0);
      expect(r.log).toContain('no QEMU to register');
      expect(r.log).toContain('nothing to push');
      const list = { entries: readList(`${host()}/${repository}:latest`) };
      expect(list.entries.map((e) => e.platform).sort()).toEqual(['linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64']);
      for (const e of list.entries) expect(e.revision).toBe(sha);
      for (const x of EXPECTED) {
        const entry = list.entries.find((e) => e.platform === x.platform || `${e.platform}/v8` === x.platform);
        expect(entry?.config, x.arch).toBe(x.config);
        const read = (f: string) => readImageFile(env(), `${host()}/${repository}:latest`, f, { platform: x.platform }).trim();
        expect(read('/etc/cross/run-arch'), x.arch).toBe(x.uname);
        expect(read('/etc/cross/target'), x.arch).toBe(x.target);
        expect(read('/etc/cross/build-arch'), x.arch).toBe('x86_64');
        // The per-arch tag (--arch-tags, on by default): that platform's image of this list, alone.
        const single = skopeoJson<{ os: string; architecture: string; variant?: string; config: { Labels: Record<string, string> } }>(
          'inspect',
          '--config',
          `docker://${host()}/${repository}:${x.arch}`,
        );
        expect([single.os, single.architecture, single.variant].filter(Boolean).join('/'), x.arch).toBe(x.config);
        expect(single.config.Labels['org.opencontainers.image.revision']).toBe(sha);
      }
      const verify = await run(process.execPath, [CLI, 'verify', `${host()}/${repository}:latest`], {
        cwd: dir,
        env: env(),
        timeoutMs: 120_000,
      });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    },
    900_000,
  );

  it('a per-arch rule left in Docker Hub is refused in one sentence', async () => {
    const r = await runHooks(sha, 'arm64v8');
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/error: DOCKER_TAG=arm64v8 is a per-arch build rule's tag.*DOCKER_HUB_BUILD_RULES\.md\.\n/);
  });

  it('simulate runs the tag rule as Docker Hub would and verifies the list', async () => {
    git(dir, ['tag', 'v1.2.3']);
    const sim = await run(process.execPath, [CLI, 'simulate', '--registry', host(), '--tag', 'v1.2.3'], {
      cwd: dir,
      env: env(),
      timeoutMs: 900_000,
    });
    expect(sim.code, sim.stdout + sim.stderr).toBe(0);
    expect(sim.stdout).toMatch(/Tag \/\^v\(\[0-9\.\]\+\)\$\/\s+all\s+1\.2\.3\s+passed/);
    expect(sim.stdout).toContain('All 1 builds passed and the list is what it should be.');
    const list = { entries: readList(`${host()}/${repository}:1.2.3`) };
    expect(list.entries).toHaveLength(4);
    for (const e of list.entries) expect(e.revision).toBe(sha);
  }, 900_000);

  it("a second commit's build replaces the list at once: a reader never sees a mix of commits", async () => {
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'RUN echo second > /etc/cross/generation\n');
    git(dir, ['commit', '-q', '-am', 'second']);
    const sha2 = git(dir, ['rev-parse', 'HEAD']);
    const ref = `${host()}/${repository}:latest`;
    const e = {
      ...env(),
      ...hubBuildEnv({ registryHost: host(), repo: repository, tag: 'latest', dockerfilePath: 'Dockerfile', sourceCommit: sha2 }),
    };
    const build = spawn(path.join(dir, 'hooks', 'build'), [], { cwd: dir, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    build.stdout.on('data', (d: Buffer) => (log += d.toString()));
    build.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => build.once('exit', (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    // Each distinct list seen is read whole once (its entries by digest, so they cannot change under us).
    const repo = `${host()}/${repository}`;
    const seen = new Map<string, string[]>();
    const observations: string[] = [];
    const observe = (raw: string) => {
      if (!seen.has(raw))
        seen.set(
          raw,
          entriesOf(repo, raw).map((x) => x.revision),
        );
      observations.push(raw);
    };
    while (!done) {
      const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
      if (raw.code === 0) observe(raw.stdout);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited, log).toBe(0);
    observe(rawList(ref));
    // A whole list of one commit, or what else the reader saw (a mix, a single image, a partial list).
    const verdicts = observations.map((raw) => {
      const revs = seen.get(raw)!;
      const one = new Set(revs);
      return one.size === 1 && revs.length === 4 ? [...one][0] : `${revs.length} entries of ${[...one].join(', ') || 'no list'}`;
    });
    // Polled while the build ran: at least one observation of the old list, the last of the new.
    expect(observations.length).toBeGreaterThan(2);
    expect(verdicts[0]).toBe(sha);
    expect(verdicts.at(-1)).toBe(sha2);
    for (const v of verdicts) expect([sha, sha2]).toContain(v);
    expect(seen.get(observations.at(-1)!)).toHaveLength(4);
  }, 900_000);
});
