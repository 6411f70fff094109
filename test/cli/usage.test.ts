/**
 * Usage errors exit 2 with one sentence, whatever else is wrong; -h and -V/-v work; the common
 * names of an architecture are accepted and a typo gets the nearest name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { removeDir, repoWith, runCli, tree } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const SIMPLE = { Dockerfile: 'FROM alpine:3.20\n' };
const record = (dir: string) => JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')) as { arches: string[] };

describe('help and version', () => {
  it.each(['-h', '--help'])('%s prints the usage and exits 0', (flag) => {
    const r = runCli(repoWith(SIMPLE, { made: repos }), [flag]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('create-multiarch-hooks [options]');
    expect(r.stdout).toContain('--arch');
  });

  it.each(['-V', '-v', '--version'])('%s prints the version and exits 0', (flag) => {
    const r = runCli(repoWith(SIMPLE, { made: repos }), [flag]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });
});

describe('usage errors exit 2 with one sentence and write nothing', () => {
  const cases: { name: string; args: string[]; message: string | RegExp; remote?: string }[] = [
    {
      name: '--arch with an unknown name',
      args: ['--repo', 'acme/x', '--arch', 'foo'],
      message: /^error: Unknown architecture "foo"; choose from amd64,/,
    },
    { name: '--repo with an invalid name', args: ['--repo', 'bad name'], message: /^error: "bad name" is not a valid image repository/ },
    { name: '--repo with no value (last argument)', args: ['--repo'], message: 'error: --repo needs a value; see --help.\n' },
    {
      name: '--repo with no value (another flag follows)',
      args: ['--repo', '--arch', 'amd64'],
      message: 'error: --repo needs a value; see --help.\n',
    },
    { name: '--repo= (empty)', args: ['--repo='], message: 'error: --repo needs a value; see --help.\n' },
    { name: '--arch with no value', args: ['--repo', 'acme/x', '--arch'], message: 'error: --arch needs a value; see --help.\n' },
    {
      name: '--dockerfile with no value',
      args: ['--repo', 'acme/x', '--dockerfile'],
      message: 'error: --dockerfile needs a value; see --help.\n',
    },
    {
      name: '--qemu with an unknown strategy',
      args: ['--repo', 'acme/x', '--qemu', 'xyz'],
      message: /^error: --qemu must be one of binfmt, copy, not "xyz"/,
    },
    {
      name: '--tag-regex without a group',
      args: ['--repo', 'acme/x', '--tag-regex', '/^v.*$/'],
      message: /^error: Tag rule .* one capture group/,
    },
    {
      name: '--context outside the repo',
      args: ['--repo', 'acme/x', '--context', '../up'],
      message: /^error: Build context "..\/up" leaves the repository/,
    },
    {
      name: 'an invalid --arch when the remote names no repository (the arch is what is reported)',
      args: ['--arch', 'foo'],
      remote: '/a/local/path',
      message: /^error: Unknown architecture "foo"/,
    },
    {
      name: 'several --dockerfile with a --repo without {dir}',
      args: ['--repo', 'acme/x', '--dockerfile', 'Dockerfile', '--dockerfile', 'b/Dockerfile'],
      message: /--repo must contain \{dir\}/,
    },
    {
      name: 'verify --arch with an unknown name',
      args: ['verify', 'acme/x', '--arch', 'foo'],
      message: /^error: Unknown architecture "foo"/,
    },
  ];
  it.each(cases)('$name', ({ args, message, remote }) => {
    const dir = repoWith({ ...SIMPLE, 'b/Dockerfile': 'FROM alpine:3.20\n' }, { remote, made: repos });
    const before = tree(dir);
    const r = runCli(dir, args[0] === 'verify' ? args : ['--yes', ...args]);
    expect(r.code, r.stderr).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(tree(dir)).toEqual(before);
  });

  it('a problem with the repo itself (not the flags) stays exit 1', () => {
    const dir = repoWith({ 'README.md': 'x\n' }, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: No Dockerfile in /);
  });
});

describe('architecture names', () => {
  it.each([
    ['arm64,x86_64', ['amd64', 'arm64v8']],
    ['aarch64,amd64', ['amd64', 'arm64v8']],
    ['linux/amd64,linux/arm64', ['amd64', 'arm64v8']],
    ['amd64,armhf', ['amd64', 'arm32v7']],
    ['amd64,armv7', ['amd64', 'arm32v7']],
    ['amd64,arm/v6', ['amd64', 'arm32v6']],
    ['linux/arm/v7,AMD64,linux/arm64/v8', ['amd64', 'arm32v7', 'arm64v8']],
    ['x86_64,386,ppc64el', ['amd64', 'i386', 'ppc64le']],
  ])('--arch %s is the table entries %j, recorded by their table names', (arch, expected) => {
    const dir = repoWith(SIMPLE, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/alias', '--arch', arch]);
    expect(r.code, r.stderr).toBe(0);
    expect(record(dir).arches).toEqual(expected);
  });

  it.each([
    ['arm64v7', 'arm64v8'],
    ['amd46', 'amd64'],
    ['aarch46', 'arm64v8'],
    ['armv7x', 'arm32v7'],
  ])('a typo (%s) gets the nearest name (%s)', (typo, nearest) => {
    const dir = repoWith(SIMPLE, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/typo', '--arch', `amd64,${typo}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Unknown architecture "${typo}" (did you mean ${nearest}?); choose from amd64,`);
  });

  it('a name far from every other gets no guess', () => {
    const dir = repoWith(SIMPLE, { made: repos });
    const r = runCli(dir, ['--yes', '--repo', 'acme/typo', '--arch', 'amd64,sparc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: Unknown architecture "sparc"; choose from amd64, arm32v5, arm32v6, arm32v7, arm64v8, ` +
        `i386, ppc64le, s390x, riscv64, mips64le.\n`,
    );
  });
});
