/**
 * What the generator tells a user to do next works as written: a bare `git commit` after a run
 * commits one consistent set, the command --check prints regenerates, several Dockerfiles get
 * their rules printed, and `verify` from the repo root finds what they generated.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Fixtures } from '../verify/support/fixtures.js';
import { CLI, ROOT, git, gitMode, gitStatus, removeDir, repoWith, runCli, tempGitRepo } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const SIMPLE = { Dockerfile: 'FROM alpine:3.20\nRUN uname -m\n' };

/** Runs a command line the CLI printed, with `npx create-multiarch-hooks` being the built CLI (offline). */
function runPrinted(dir: string, line: string) {
  const prefix = 'npx create-multiarch-hooks';
  expect(line.startsWith(prefix), line).toBe(true);
  const command = `"${process.execPath}" "${CLI}"${line.slice(prefix.length)} --offline`;
  return spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', input: '' });
}

const ALL_GENERATED = [
  '.multiarch-hooks.json',
  'DOCKER_HUB_BUILD_RULES.md',
  'Dockerfile.arm32v6',
  'Dockerfile.arm32v7',
  'Dockerfile.arm64v8',
  'hooks/.gitattributes',
  'hooks/build',
  'hooks/post_push',
  'hooks/pre_build',
  'multi-arch-manifest.yaml',
];

describe('staging: a bare `git commit` after a run commits one consistent set', () => {
  it('every generated file is staged (the hooks as 100755), nothing left unstaged or untracked', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/stage']);
    expect(r.code, r.stderr).toBe(0);
    expect(gitStatus(dir)).toEqual(ALL_GENERATED.map((f) => `A  ${f}`));
    for (const hook of ['hooks/build', 'hooks/post_push', 'hooks/pre_build']) expect(gitMode(dir, hook)).toBe('100755');
    expect(r.stdout).toContain('Next: commit the files (they are staged, the hooks as executable)');
    git(dir, ['commit', '-qm', 'multi-arch']);
    expect(gitStatus(dir)).toEqual([]);
  });

  it('a re-run that drops an arch and changes the Dockerfile stages the removal and the updates', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    expect(runCli(dir, ['--yes', '--repo', 'acme/restage']).code).toBe(0);
    git(dir, ['commit', '-qm', 'generated']);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.21\nRUN uname -m\n');
    git(dir, ['add', 'Dockerfile']);
    const r = runCli(dir, ['--yes', '--arch', 'amd64,arm64v8']);
    expect(r.code, r.stderr).toBe(0);
    const status = gitStatus(dir);
    expect(status).toContain('D  Dockerfile.arm32v6');
    expect(status).toContain('M  Dockerfile.arm64v8');
    expect(status.filter((l) => !/^[ADM] {2}/.test(l))).toEqual([]);
    git(dir, ['commit', '-qm', 'fewer arches']);
    expect(gitStatus(dir)).toEqual([]);
  });

  it('when git cannot stage (the index is locked), the warning gives git lines that do it', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    writeFileSync(join(dir, '.git/index.lock'), '');
    const r = runCli(dir, ['--yes', '--repo', 'acme/locked']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warn: could not stage the generated files with git; stage them before committing with:');
    expect(r.stdout).toContain('Next: commit the files, enter the build rules');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('  git '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    removeDir(join(dir, '.git/index.lock'));
    for (const line of lines) {
      const run = spawnSync('bash', ['-c', line], { cwd: dir, encoding: 'utf8' });
      expect(run.status, `${line}\n${run.stderr}`).toBe(0);
    }
    expect(gitStatus(dir)).toEqual(ALL_GENERATED.map((f) => `A  ${f}`));
    expect(gitMode(dir, 'hooks/post_push')).toBe('100755');
  });
});

describe('--check names the command that fixes it, and that command works', () => {
  const printed = (stdout: string) =>
    /To regenerate them, run: (.+?)(?: \(files changed by hand are kept as \.bak copies\))?, then commit\.$/m.exec(stdout)?.[1];

  it('after a hand edit: the command has --force, and it regenerates (keeping a .bak)', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    expect(runCli(dir, ['--yes', '--repo', 'acme/handedit']).code).toBe(0);
    writeFileSync(join(dir, 'Dockerfile.arm64v8'), readFileSync(join(dir, 'Dockerfile.arm64v8'), 'utf8') + 'RUN echo mine\n');
    const check = runCli(dir, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('changed by hand: Dockerfile.arm64v8');
    expect(check.stdout).toContain(
      'To regenerate them, run: npx create-multiarch-hooks --force (files changed by hand are kept as .bak copies), then commit.',
    );
    const r = runPrinted(dir, printed(check.stdout)!);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'Dockerfile.arm64v8.bak'))).toBe(true);
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('a hand-made setup --adopt replaces: the command has --adopt, and it adopts (keeping .bak copies)', () => {
    const dir = tempGitRepo(join(ROOT, 'hooks-fixtures/hand-made-seed-adopt/input'), 'git@github.com:acme/seeded.git');
    repos.push(dir);
    const check = runCli(dir, ['--check']);
    expect(check.code).toBe(1);
    const command = printed(check.stdout)!;
    expect(command).toBe('npx create-multiarch-hooks --adopt');
    const r = runPrinted(dir, command);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'hooks/post_push.bak'))).toBe(true);
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('a Dockerfile in a subfolder checked from the root: the command names it, and works from there', () => {
    const dir = repoWith({ 'docker/web/Dockerfile': 'FROM nginx:1.27-alpine\n' }, { made: repos });
    const args = ['--dockerfile', 'docker/web/Dockerfile'];
    expect(runCli(dir, ['--yes', '--repo', 'acme/web', ...args]).code).toBe(0);
    writeFileSync(join(dir, 'docker/web/Dockerfile'), 'FROM nginx:1.28-alpine\n');
    const check = runCli(dir, ['--check', ...args]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('out of date: docker/web/Dockerfile.arm64v8');
    const command = printed(check.stdout)!;
    expect(command).toBe('npx create-multiarch-hooks --dockerfile docker/web/Dockerfile');
    const r = runPrinted(dir, command);
    expect(r.status, r.stderr).toBe(0);
    expect(runCli(dir, ['--check', ...args]).code).toBe(0);
  });
});

describe('several Dockerfiles', () => {
  it('"Next:" follows the rules of each Dockerfile, printed under its repository', () => {
    const dir = repoWith({ 'a/Dockerfile': 'FROM alpine:3.20\n', 'b/Dockerfile': 'FROM alpine:3.20\n' }, { made: repos });
    const r = runCli(dir, [
      '--yes',
      '--repo',
      'acme/{dir}',
      '--arch',
      'amd64,arm64v8',
      '--dockerfile',
      'a/Dockerfile',
      '--dockerfile',
      'b/Dockerfile',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const d of ['a', 'b']) {
      const at = r.stdout.indexOf(`acme/${d} (${d}/Dockerfile):\nDocker Hub build rules`);
      expect(at, r.stdout).toBeGreaterThan(0);
      expect(r.stdout.slice(at)).toMatch(new RegExp(`Branch\\s+main\\s+arm64v8\\s+Dockerfile\\.arm64v8\\s+/${d}\\n`));
    }
    expect(r.stdout.indexOf('Next:')).toBeGreaterThan(r.stdout.indexOf('acme/b (b/Dockerfile):'));
    expect(r.stdout).toContain("(they are also in each folder's DOCKER_HUB_BUILD_RULES.md)");
  });

  it("`verify` from the repo root finds and verifies each folder's list", async () => {
    const host = inject('registry');
    const ns = `verify-root-${process.pid}`;
    const fx = new Fixtures(host, `${ns}/a`);
    const revision = 'c0ffee0123456789abcdef0123456789abcdef01';
    for (const d of ['a', 'b']) {
      const entries = [];
      for (const arch of ['amd64', 'arm64v8'])
        entries.push({ ref: await fx.image(arch, { arch, revision, created: 1_700_000_000 }, `${ns}/${d}`) });
      await fx.list('latest', entries, 'oci', `${ns}/${d}`);
    }
    const dir = repoWith({ 'a/Dockerfile': 'FROM busybox\n', 'b/Dockerfile': 'FROM busybox\n' }, { made: repos });
    const gen = runCli(dir, [
      '--yes',
      '--repo',
      `${host}/${ns}/{dir}`,
      '--arch',
      'amd64,arm64v8',
      '--dockerfile',
      'a/Dockerfile',
      '--dockerfile',
      'b/Dockerfile',
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const r = runCli(dir, ['verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('a/multi-arch-manifest.yaml:');
    expect(r.stdout).toContain('b/multi-arch-manifest.yaml:');
    expect(r.stdout).toContain(`${host}/${ns}/a:latest`);
    expect(r.stdout).toContain(`${host}/${ns}/b:latest`);
    const json = runCli(dir, ['verify', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { dir: string }[]).map((e) => e.dir)).toEqual(['a', 'b']);
    // One of them broken (its list gone from the spec's repository): exit 1, the other still reported.
    writeFileSync(
      join(dir, 'b/multi-arch-manifest.yaml'),
      readFileSync(join(dir, 'b/multi-arch-manifest.yaml'), 'utf8').replaceAll(`${ns}/b:`, `${ns}/nothing-here:`),
    );
    const bad = runCli(dir, ['verify']);
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(bad.stdout).toContain(`${host}/${ns}/a:latest`);
  });
});
