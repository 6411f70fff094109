/**
 * simulate for real: the example repo (examples/hello, busybox-based) run through the built
 * generator, then every build rule run by simulate with the test bed's real docker CLI and
 * engine (RUN steps under QEMU) against the shared local registry, in each order. The published
 * list is read back with skopeo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findArch, platformString } from '../../src/arch.js';
import { simulateCommand, type Order } from '../../src/simulate/index.js';
import { cleanupTemps, REPO_ROOT, hookEnv, tmpDir, tmpGitRepo, type RepoFile } from '../support/env.js';
import { run, runOk } from '../support/proc.js';
import { git } from '../cli/run-cli.js';

const ARCHES = ['amd64', 'arm32v6', 'arm32v7', 'arm64v8'];
const CLI = path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js');

/** examples/hello in a temp git repo, the generator run on it as a user would, the result committed. */
async function generatedExample(repository: string): Promise<{ dir: string; sha: string }> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/cli.js')))
    throw new Error('dist/cli.js is missing: npm run build failed (see the global setup output)');
  const example = path.join(REPO_ROOT, 'examples/hello');
  const files: Record<string, RepoFile> = {};
  for (const f of fs.readdirSync(example)) {
    const file = path.join(example, f);
    files[f] = { content: fs.readFileSync(file, 'utf8'), mode: fs.statSync(file).mode & 0o777 };
  }
  const { dir } = tmpGitRepo(files, { message: 'example repo' });
  // The docker publisher: manifest-tool is downloaded from GitHub, which is not reachable here.
  await runOk(process.execPath, [CLI, '--yes', '--offline', '--repo', repository, '--publisher', 'docker', '--arch', ...ARCHES], {
    cwd: dir,
  });
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'multi-arch hooks']);
  return { dir, sha: git(dir, ['rev-parse', 'HEAD']) };
}

function collect(lines: string[], errs: string[], t0: number) {
  const seconds = (Date.now() - t0) / 1000;
  // CMH_SHOW=1 prints what a user would see.
  if (process.env.CMH_SHOW) console.log(`${lines.join('\n')}\n--- stderr ---\n${errs.join('\n')}`);
  return { out: lines.join('\n'), lines, err: errs.join('\n'), seconds };
}

/** simulateCommand in this process. */
async function simulate(dir: string, order: Order, extra: { tag?: string } = {}) {
  const host = inject('registry');
  const lines: string[] = [];
  const errs: string[] = [];
  const t0 = Date.now();
  const code = await simulateCommand({
    dir,
    registry: host,
    order,
    push: false,
    ...extra,
    logDir: path.join(tmpDir('cmh-sim-logs-'), 'logs'),
    out: (s) => lines.push(...s.split('\n')),
    err: (s) => errs.push(s),
    env: hookEnv(),
  });
  return { code, ...collect(lines, errs, t0) };
}

/** The built CLI, as a user types it: `create-multiarch-hooks simulate ARGS` in `dir`. */
async function simulateCli(dir: string, args: string[]) {
  const t0 = Date.now();
  const r = await run(process.execPath, [CLI, 'simulate', ...args], { cwd: dir, env: hookEnv(), timeoutMs: 600_000 });
  return { code: r.code, ...collect(r.stdout.trimEnd().split('\n'), [r.stderr], t0) };
}

interface ListDoc {
  mediaType: string;
  manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
}

/** skopeo with an empty auth file of its own: never the machine's logins. */
async function skopeo(...args: string[]): Promise<string> {
  const auth = path.join(tmpDir('cmh-skopeo-auth-'), 'auth.json');
  fs.writeFileSync(auth, '{"auths":{}}\n');
  return (await runOk('skopeo', [...args], { env: { ...process.env, REGISTRY_AUTH_FILE: auth } })).stdout;
}

const expectedPlatforms = ARCHES.map((a) => platformString(findArch(a)!.platform)).sort();

/** The list read back: exact platforms (with variants), each image built from `sha`. */
async function expectList(image: string, sha: string): Promise<void> {
  const list = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${image}`)) as ListDoc;
  expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
  expect(list.manifests.map((m) => platformString(m.platform)).sort()).toEqual(expectedPlatforms);
  const repo = image.slice(0, image.lastIndexOf(':'));
  for (const m of list.manifests) {
    const cfg = JSON.parse(await skopeo('inspect', '--config', '--tls-verify=false', `docker://${repo}@${m.digest}`)) as {
      architecture: string;
      variant?: string;
      config: { Labels?: Record<string, string> };
    };
    expect(cfg.architecture).toBe(m.platform.architecture);
    expect(cfg.config.Labels?.['org.opencontainers.image.revision']).toBe(sha);
  }
}

function summaryRows(out: string): string[][] {
  const lines = out.split('\n');
  const head = lines.findIndex((l) => /^Rule\s+Arch\s+Tag\s+Result/.test(l));
  expect(head, out).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const l of lines.slice(head + 2)) {
    if (!/^(Branch|Tag) /.test(l)) break;
    rows.push(l.split(/\s{2,}/));
  }
  return rows;
}

/** Indexes of the progress lines `<tag> started` and `<tag> passed`, in output order. */
function eventIndex(lines: string[], tag: string, what: 'started' | 'passed'): number {
  return lines.findIndex((l) => new RegExp(`^\\+\\s*[\\d.]+s\\s+${tag}\\s+${what}\\b`).test(l));
}

const durations: Record<string, number> = {};
afterAll(() => {
  console.log(`simulate wall time per order: ${JSON.stringify(durations)}`);
  cleanupTemps();
});

describe('simulate on the generated example repo, against the local registry', () => {
  it('sequential: a push to main builds the 4 branch rules one after another and publishes latest', async () => {
    const { dir, sha } = await generatedExample('acme/sim-sequential');
    const r = await simulate(dir, 'sequential');
    durations.sequential = r.seconds;
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(summaryRows(r.out)).toEqual(ARCHES.map((a) => ['Branch main', a, a, 'passed', expect.stringMatching(/^\d+\.\ds$/)]));
    for (let i = 1; i < ARCHES.length; i++) {
      expect(eventIndex(r.lines, ARCHES[i - 1]!, 'passed')).toBeLessThan(eventIndex(r.lines, ARCHES[i]!, 'started'));
    }
    expect(r.out).toContain(`verify ${inject('registry')}/acme/sim-sequential:latest:`);
    expect(r.out).toContain('All 4 builds passed and the list is what it should be.');
    await expectList(`${inject('registry')}/acme/sim-sequential:latest`, sha);
  }, 600_000);

  it('parallel: all 4 rules run at once and the list still ends up complete', async () => {
    const { dir, sha } = await generatedExample('acme/sim-parallel');
    const r = await simulate(dir, 'parallel');
    durations.parallel = r.seconds;
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(summaryRows(r.out).map((row) => row.slice(0, 4))).toEqual(ARCHES.map((a) => ['Branch main', a, a, 'passed']));
    const firstPassed = Math.min(...ARCHES.map((a) => eventIndex(r.lines, a, 'passed')));
    for (const a of ARCHES) expect(eventIndex(r.lines, a, 'started')).toBeLessThan(firstPassed);
    await expectList(`${inject('registry')}/acme/sim-parallel:latest`, sha);
  }, 600_000);

  it('reverse, through the built CLI, for a pushed tag v1.2.3: the tag rules run last-to-first and publish the list 1.2.3', async () => {
    const { dir, sha } = await generatedExample('acme/sim-reverse');
    const r = await simulateCli(dir, [
      '--registry',
      inject('registry'),
      '--order',
      'reverse',
      '--tag',
      'v1.2.3',
      '--log-dir',
      path.join(tmpDir('cmh-sim-logs-'), 'logs'),
    ]);
    durations.reverse = r.seconds;
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    const reversed = [...ARCHES].reverse();
    expect(summaryRows(r.out).map((row) => row.slice(0, 4))).toEqual(
      reversed.map((a) => ['Tag /^v([0-9.]+)$/', a, `1.2.3-${a}`, 'passed']),
    );
    for (let i = 1; i < reversed.length; i++) {
      expect(eventIndex(r.lines, `1.2.3-${reversed[i - 1]}`, 'passed')).toBeLessThan(
        eventIndex(r.lines, `1.2.3-${reversed[i]}`, 'started'),
      );
    }
    await expectList(`${inject('registry')}/acme/sim-reverse:1.2.3`, sha);
    // Tag builds publish their own list, never latest.
    expect(
      (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${inject('registry')}/acme/sim-reverse:latest`])).code,
    ).not.toBe(0);
  }, 600_000);

  it('a pre_build hook that exits 3 fails and stops every rule it runs in; the summary says so; exit 1', async () => {
    const { dir } = await generatedExample('acme/sim-failing');
    fs.writeFileSync(path.join(dir, 'hooks/pre_build'), '#!/bin/bash\necho "pre_build says no" >&2\nexit 3\n', { mode: 0o755 });
    git(dir, ['commit', '-q', '-am', 'a pre_build that fails']);
    const r = await simulate(dir, 'sequential');
    expect(r.code, r.out).toBe(1);
    expect(summaryRows(r.out)).toEqual(
      ARCHES.map((a) => ['Branch main', a, a, 'failed', expect.stringMatching(/s$/), 'pre_build (exit 3)']),
    );
    expect(r.err).toContain('pre_build says no');
    expect(r.out).toContain('4 of 4 builds failed');
    const logDir = /Logs: (.+)$/m.exec(r.out)![1]!;
    for (const a of ARCHES) {
      const log = fs.readFileSync(path.join(logDir, `${a}.log`), 'utf8');
      expect(log).toContain('==> pre_build: failed (exit 3)');
      expect(log).not.toContain('==> build');
    }
    // Nothing was pushed.
    const tags = await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${inject('registry')}/acme/sim-failing`]);
    expect(tags.code === 0 ? (JSON.parse(tags.stdout) as { Tags: string[] }).Tags : []).toEqual([]);
  }, 300_000);
});
