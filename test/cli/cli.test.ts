import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitMode, removeDir, repoWith as repoWithFiles, runCli, tree, typedAt } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));

const repoWith = (files: Record<string, string>, remote?: string) => repoWithFiles(files, { remote, made: repos });

const SIMPLE = { Dockerfile: 'FROM alpine:3.20\nRUN uname -m\n' };

describe('a non-interactive run', () => {
  it('never waits: with stdin not a TTY and no --yes it takes the remote-guessed repository and defaults', () => {
    const dir = repoWith(SIMPLE, 'https://github.com/Acme/Hello-World.git');
    const r = runCli(dir, []);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('?');
    const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));
    expect(record.repository).toBe('acme/hello-world');
    expect(record.arches).toEqual(['amd64', 'arm32v6', 'arm32v7', 'arm64v8']);
    expect(record.branch).toBe('main');
  });

  it('asks for --repo when the remote does not tell it', () => {
    const dir = repoWith(SIMPLE, '/some/local/path');
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*--repo namespace\/name/);
  });
});

describe('prompts on a terminal', () => {
  it('asks for the repository and the architectures through a pseudo-terminal', () => {
    const dir = repoWith(SIMPLE, 'git@github.com:acme/guessed.git');
    const r = typedAt(dir, 'acme/typed\narm64v8, amd64\n\n');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('? Docker Hub repository (namespace/name) (acme/guessed)');
    expect(r.stdout).toContain('? Architectures, comma-separated (amd64,arm32v6,arm32v7,arm64v8)');
    const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));
    expect(record.repository).toBe('acme/typed');
    expect(record.arches).toEqual(['amd64', 'arm64v8']);
    expect(existsSync(join(dir, 'Dockerfile.arm64v8'))).toBe(true);
    expect(existsSync(join(dir, 'Dockerfile.arm32v7'))).toBe(false);
  });
});

describe('prompts that refuse an answer', () => {
  it('say why in one sentence and ask again, for the repository and the architectures', () => {
    const dir = repoWith(SIMPLE, 'git@github.com:acme/guessed.git');
    const r = typedAt(dir, 'Acme/Typed\nacme/typed\narm64v9\narm64v8\namd64,aarch64\n\n');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('"Acme/Typed" is not a valid image repository; use lowercase namespace/name');
    expect(r.stdout).toContain('Unknown architecture "arm64v9" (did you mean arm64v8?); choose from amd64,');
    expect(r.stdout).toContain('The architecture list must include amd64');
    expect(r.stdout.match(/\? Docker Hub repository/g)).toHaveLength(2);
    expect(r.stdout.match(/\? Architectures, comma-separated/g)).toHaveLength(3);
    const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));
    expect(record.repository).toBe('acme/typed');
    expect(record.arches).toEqual(['amd64', 'arm64v8']);
  });
});

describe('plan, then apply', () => {
  it('--dry-run prints the plan and the rules and writes nothing', () => {
    const dir = repoWith(SIMPLE);
    const before = tree(dir);
    const r = runCli(dir, ['--yes', '--repo', 'acme/dry', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/create\s+Dockerfile\.arm64v8/);
    expect(r.stdout).toMatch(/create\s+hooks\/post_push/);
    expect(r.stdout).toContain('Dry run: nothing was written.');
    expect(r.stdout).toMatch(/Branch\s+main\s+arm64v8\s+Dockerfile\.arm64v8/);
    expect(tree(dir)).toEqual(before);
  });

  it('a re-run with the same choices changes nothing and says so; --check agrees', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/same']).code).toBe(0);
    const after = tree(dir);
    const again = runCli(dir, ['--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Everything is up to date; nothing changed.');
    expect(tree(dir)).toEqual(after);
    const check = runCli(dir, ['--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/All \d+ generated files are up to date/);
  });

  it('--check exits 1 and names what is missing or out of date after a change', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/check']).code).toBe(0);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.21\nRUN uname -m\n');
    removeDir(join(dir, 'hooks', 'build'));
    const before = tree(dir);
    const r = runCli(dir, ['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('missing: hooks/build');
    expect(r.stdout).toContain('out of date: Dockerfile.arm64v8');
    expect(r.stdout).not.toContain('hooks/pre_build');
    expect(tree(dir)).toEqual(before);
    // and a normal run brings everything back in line
    expect(runCli(dir, ['--yes']).code).toBe(0);
    expect(readFileSync(join(dir, 'Dockerfile.arm64v8'), 'utf8')).toContain('arm64v8/alpine:3.21');
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('a hook that lost its executable bit (on disk, or 100644 in the git index) is named by --check and restored by a re-run', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/exec']).code).toBe(0);
    git(dir, ['commit', '-qm', 'generated']);
    chmodSync(join(dir, 'hooks/build'), 0o644);
    git(dir, ['update-index', '--chmod=-x', 'hooks/pre_build']);
    const check = runCli(dir, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('not executable: hooks/build');
    expect(check.stdout).toContain('not executable: hooks/pre_build');
    expect(check.stdout).not.toContain('hooks/post_push');
    const r = runCli(dir, ['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('nothing changed');
    for (const hook of ['hooks/build', 'hooks/pre_build']) {
      expect(statSync(join(dir, hook)).mode & 0o777).toBe(0o755);
      expect(gitMode(dir, hook)).toBe('100755');
    }
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('dropping an arch removes its untouched Dockerfile', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/drop']).code).toBe(0);
    const r = runCli(dir, ['--yes', '--arch', 'amd64,arm64v8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/delete\s+Dockerfile\.arm32v6/);
    expect(existsSync(join(dir, 'Dockerfile.arm32v6'))).toBe(false);
    expect(existsSync(join(dir, 'Dockerfile.arm64v8'))).toBe(true);
  });
});

describe('the working directory does not matter', () => {
  it('generates the same files from the repo root and from the Dockerfile folder', () => {
    const dir = repoWith({ 'docker/web/Dockerfile': 'FROM nginx:1.27-alpine\n' });
    const r = runCli(dir, ['--yes', '--repo', 'acme/web', '--dockerfile', 'docker/web/Dockerfile']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'docker/web/Dockerfile.arm64v8'), 'utf8')).toMatch(
      /^# Generated from docker\/web\/Dockerfile for arm64v8/,
    );
    const web = join(dir, 'docker/web');
    const check = runCli(web, ['--check']);
    expect(check.stdout + check.stderr).toMatch(/All \d+ generated files are up to date/);
    expect(check.code).toBe(0);
    const before = tree(dir);
    expect(runCli(web, ['--yes']).stdout).toContain('Everything is up to date; nothing changed.');
    expect(runCli(join(dir, 'docker'), ['--yes', '--dockerfile', 'web/Dockerfile']).stdout).toContain(
      'Everything is up to date; nothing changed.',
    );
    expect(tree(dir)).toEqual(before);
  });

  it('outside git, paths are relative to the Dockerfile folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmh-nogit-'));
    repos.push(dir);
    mkdirSync(join(dir, 'docker/web'), { recursive: true });
    writeFileSync(join(dir, 'docker/web/Dockerfile'), 'FROM alpine:3.20\n');
    expect(runCli(dir, ['--yes', '--repo', 'acme/web', '--dockerfile', 'docker/web/Dockerfile']).code).toBe(0);
    expect(readFileSync(join(dir, 'docker/web/Dockerfile.arm64v8'), 'utf8')).toMatch(/^# Generated from Dockerfile for arm64v8/);
    const check = runCli(join(dir, 'docker/web'), ['--check']);
    expect(check.code, check.stdout).toBe(0);
  });
});

describe('line endings git changes in a checkout are not changes by hand', () => {
  const clone = (dir: string, config: string[] = []) => {
    const to = mkdtempSync(join(tmpdir(), 'cmh-clone-'));
    repos.push(to);
    git(tmpdir(), ['clone', '-q', ...config, dir, to]);
    return to;
  };
  const upToDate = (dir: string) => {
    const check = runCli(dir, ['--check']);
    expect(check.code, check.stdout).toBe(0);
    const again = runCli(dir, ['--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Everything is up to date; nothing changed.');
  };

  it('a clone with core.autocrlf=true (generated files checked out CRLF, hooks kept LF)', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/crlf']).code).toBe(0);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'generated']);
    const to = clone(dir, ['-c', 'core.autocrlf=true']);
    expect(readFileSync(join(to, 'Dockerfile.arm64v8'), 'utf8')).toContain('\r\n');
    expect(readFileSync(join(to, '.multiarch-hooks.json'), 'utf8')).toContain('\r\n');
    expect(readFileSync(join(to, 'hooks/post_push'), 'utf8')).not.toContain('\r');
    upToDate(to);
  });

  it('a repo with `* text eol=crlf`: hooks/.gitattributes keeps the hooks LF in every checkout', () => {
    const dir = repoWith({ ...SIMPLE, '.gitattributes': '* text eol=crlf\n' });
    expect(runCli(dir, ['--yes', '--repo', 'acme/eol']).code).toBe(0);
    expect(readFileSync(join(dir, 'hooks/.gitattributes'), 'utf8')).toContain('* text eol=lf\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'generated']);
    const to = clone(dir);
    expect(readFileSync(join(to, 'Dockerfile.arm64v8'), 'utf8')).toContain('\r\n');
    for (const hook of ['build', 'post_push', 'pre_build']) {
      expect(readFileSync(join(to, 'hooks', hook), 'utf8')).toMatch(/^#!\/bin\/bash\n/);
      expect(readFileSync(join(to, 'hooks', hook), 'utf8')).not.toContain('\r');
    }
    upToDate(to);
  });

  it('a hook with CRLF on disk is rewritten LF (it would not run)', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/crlfhook']).code).toBe(0);
    const hook = join(dir, 'hooks/build');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace(/\n/g, '\r\n'));
    const check = runCli(dir, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('CRLF line endings: hooks/build');
    expect(runCli(dir, ['--yes']).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).not.toContain('\r');
  });
});

describe('several Dockerfiles in one run', () => {
  it('generates next to each, one repository per folder, and writes nothing if any is invalid', () => {
    const dir = repoWith({
      'a/Dockerfile': 'FROM alpine:3.20\n',
      'b/Dockerfile': 'FROM debian:bookworm\n',
      'c/Dockerfile': 'FROM alpine@sha256:' + 'a'.repeat(64) + '\n',
    });
    const before = tree(dir);
    const bad = runCli(dir, [
      '--yes',
      '--repo',
      'acme/{dir}',
      '--dockerfile',
      'a/Dockerfile',
      '--dockerfile',
      'b/Dockerfile',
      '--dockerfile',
      'c/Dockerfile',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*c\/Dockerfile.*digest/);
    expect(tree(dir)).toEqual(before);
    const noDir = runCli(dir, ['--yes', '--repo', 'acme/x', '--dockerfile', 'a/Dockerfile', '--dockerfile', 'b/Dockerfile']);
    expect(noDir.stderr).toContain('--repo must contain {dir}');
    const ok = runCli(dir, ['--yes', '--repo', 'acme/{dir}', '--dockerfile', 'a/Dockerfile', '--dockerfile', 'b/Dockerfile']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'a/.multiarch-hooks.json'), 'utf8')).repository).toBe('acme/a');
    expect(JSON.parse(readFileSync(join(dir, 'b/.multiarch-hooks.json'), 'utf8')).repository).toBe('acme/b');
    expect(readFileSync(join(dir, 'b/Dockerfile.arm64v8'), 'utf8')).toContain('FROM arm64v8/debian:bookworm');
    expect(existsSync(join(dir, 'a/hooks/post_push'))).toBe(true);
    expect(runCli(dir, ['--check', '--dockerfile', 'a/Dockerfile', '--dockerfile', 'b/Dockerfile']).code).toBe(0);
  });
});

describe('--ci github', () => {
  it('writes the workflow at the repo root for a Dockerfile in a subfolder, and remembers the choice', () => {
    const dir = repoWith({ 'svc/api/Dockerfile': 'FROM alpine:3.20\n' });
    const r = runCli(dir, ['--yes', '--repo', 'acme/api', '--dockerfile', 'svc/api/Dockerfile', '--ci', 'github']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/create\s+\.github\/workflows\/multiarch-hooks-svc-api\.yml/);
    const wf = readFileSync(join(dir, '.github/workflows/multiarch-hooks-svc-api.yml'), 'utf8');
    // The user's own Dockerfile and context, built by docker/build-push-action; nothing runs this package.
    expect(wf).toContain('context: svc/api\n');
    expect(wf).toContain('file: svc/api/Dockerfile\n');
    expect(wf).not.toMatch(/npx|simulate/);
    expect(JSON.parse(readFileSync(join(dir, 'svc/api/.multiarch-hooks.json'), 'utf8')).ci).toBe('github');
    const again = runCli(dir, ['--yes', '--dockerfile', 'svc/api/Dockerfile']);
    expect(again.stdout).toContain('Everything is up to date; nothing changed.');
  });

  it('two folders whose workflows would have the same name: refused before anything is written', () => {
    const dir = repoWith({ 'svc/api/Dockerfile': 'FROM alpine:3.20\n', 'svc-api/Dockerfile': 'FROM alpine:3.20\n' });
    const before = tree(dir);
    const r = runCli(dir, [
      '--yes',
      '--repo',
      'acme/{dir}',
      '--dockerfile',
      'svc/api/Dockerfile',
      '--dockerfile',
      'svc-api/Dockerfile',
      '--ci',
      'github',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: svc/api/Dockerfile and svc-api/Dockerfile would both write ' +
        '.github/workflows/multiarch-hooks-svc-api.yml; rename one of their folders.\n',
    );
    expect(tree(dir)).toEqual(before);
  });

  it('several Dockerfiles get a workflow each, named after their folder', () => {
    const dir = repoWith({ 'a/Dockerfile': 'FROM alpine:3.20\n', 'b/Dockerfile': 'FROM alpine:3.20\n' });
    const r = runCli(dir, [
      '--yes',
      '--repo',
      'acme/{dir}',
      '--dockerfile',
      'a/Dockerfile',
      '--dockerfile',
      'b/Dockerfile',
      '--ci',
      'github',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const d of ['a', 'b']) {
      const wf = readFileSync(join(dir, `.github/workflows/multiarch-hooks-${d}.yml`), 'utf8');
      expect(wf).toContain(`file: ${d}/Dockerfile\n`);
      expect(wf).toContain(`name: Docker acme/${d}\n`);
      expect(JSON.parse(readFileSync(join(dir, `${d}/.multiarch-hooks.json`), 'utf8')).ci).toBe('github');
    }
    expect(runCli(dir, ['--check', '--dockerfile', 'a/Dockerfile', '--dockerfile', 'b/Dockerfile']).code).toBe(0);
  });
});

describe('never overwrites silently', () => {
  it('refuses to replace a hook it did not write, and --force keeps a backup', () => {
    const own = '#!/bin/bash\necho my own post_push\n';
    const dir = repoWith({ ...SIMPLE, 'hooks/post_push': own });
    const before = tree(dir);
    const r = runCli(dir, ['--yes', '--repo', 'acme/own']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Refusing to overwrite hooks\/post_push \(create-multiarch-hooks did not write it\).*--force/m);
    expect(tree(dir)).toEqual(before);
    const forced = runCli(dir, ['--yes', '--repo', 'acme/own', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'hooks/post_push.bak'), 'utf8')).toBe(own);
    expect(readFileSync(join(dir, 'hooks/post_push'), 'utf8')).toContain('create-multiarch-hooks');
  });

  it('--dry-run says when the real run would refuse, and exits 1 like it (and like --check)', () => {
    const dir = repoWith({ ...SIMPLE, 'hooks/post_push': '#!/bin/bash\necho mine\n' });
    const before = tree(dir);
    const r = runCli(dir, ['--yes', '--repo', 'acme/own', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CONFLICT\s+hooks\/post_push/);
    expect(r.stdout).toContain('Dry run: nothing was written; a real run would refuse:');
    expect(r.stderr).toMatch(/^error: Refusing to overwrite hooks\/post_push .*--force/);
    expect(runCli(dir, ['--yes', '--repo', 'acme/own', '--check']).code).toBe(1);
    expect(runCli(dir, ['--yes', '--repo', 'acme/own']).code).toBe(1);
    const forced = runCli(dir, ['--yes', '--repo', 'acme/own', '--dry-run', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('Dry run: nothing was written.');
    expect(tree(dir)).toEqual(before);
  });

  it('refuses to overwrite a generated file the user changed', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/edit']).code).toBe(0);
    writeFileSync(join(dir, 'Dockerfile.arm64v8'), readFileSync(join(dir, 'Dockerfile.arm64v8'), 'utf8') + 'RUN echo mine\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.21\n');
    const before = tree(dir);
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Dockerfile.arm64v8 (it was changed after it was generated)');
    expect(tree(dir)).toEqual(before);
    expect(runCli(dir, ['--check']).stdout).toContain('changed by hand: Dockerfile.arm64v8');
  });
});

describe('a broken .multiarch-hooks.json', () => {
  it('not JSON: refuses, and --force regenerates everything as the message says', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/broken']).code).toBe(0);
    writeFileSync(join(dir, '.multiarch-hooks.json'), '{ not json');
    const before = tree(dir);
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: \.multiarch-hooks\.json is not valid JSON; remove it or pass --force/);
    expect(tree(dir)).toEqual(before);
    const forced = runCli(dir, ['--yes', '--repo', 'acme/broken', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, '.multiarch-hooks.json.bak'), 'utf8')).toBe('{ not json');
    expect(JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')).repository).toBe('acme/broken');
    expect(runCli(dir, ['--check']).code).toBe(0);
  });

  it('a record without its dockerfile field: a clear error naming the field', () => {
    const dir = repoWith(SIMPLE);
    expect(runCli(dir, ['--yes', '--repo', 'acme/partial']).code).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));
    delete record.dockerfile;
    writeFileSync(join(dir, '.multiarch-hooks.json'), JSON.stringify(record));
    const r = runCli(dir, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^error: \.multiarch-hooks\.json is incomplete \("dockerfile" missing or invalid\); remove it or pass --force/,
    );
    expect(r.stderr).not.toContain('undefined');
    expect(runCli(dir, ['--yes', '--force']).code).toBe(0);
  });
});

describe('output into a closed pipe', () => {
  it('`| head` (EPIPE on stdout) prints no stack and the run still completes', () => {
    const dir = repoWith(SIMPLE);
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'create-multiarch-hooks.js');
    // `true` exits at once, so every write of the CLI (started 0.2 s later) meets a closed pipe.
    const r = spawnSync('bash', ['-c', `set -o pipefail; { sleep 0.2; "${process.execPath}" "${cli}" --yes --repo acme/pipe; } | true`], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at |internal error/);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'hooks/post_push'))).toBe(true);
  });
});

describe('bad input: one sentence, non-zero exit, no stack trace, nothing written', () => {
  const cases: { name: string; files: Record<string, string>; args: string[]; message: RegExp; code?: number }[] = [
    { name: 'no Dockerfile', files: { 'README.md': 'x\n' }, args: [], message: /No Dockerfile in .*--dockerfile/ },
    {
      name: 'a --dockerfile that does not exist',
      files: SIMPLE,
      args: ['--dockerfile', 'nope/Dockerfile'],
      message: /nope\/Dockerfile does not exist/,
    },
    { name: 'a Dockerfile with no FROM', files: { Dockerfile: 'RUN echo hi\n' }, args: [], message: /FROM/ },
    {
      name: 'an unknown architecture',
      files: SIMPLE,
      args: ['--arch', 'amd64,sparc'],
      message: /Unknown architecture "sparc"; choose from amd64, arm32v5/,
      code: 2,
    },
    {
      name: 'a base that cannot be mapped',
      files: { Dockerfile: 'FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n' },
      args: [],
      message: /nanoserver/,
    },
    { name: 'an ARG base without a default', files: { Dockerfile: 'ARG BASE\nFROM $BASE\n' }, args: [], message: /BASE/ },
    { name: 'an unknown flag', files: SIMPLE, args: ['--archs', 'amd64'], message: /Unknown argument: archs/, code: 2 },
    {
      name: 'an invalid choice',
      files: SIMPLE,
      args: ['--qemu', 'foo'],
      message: /^error: --qemu must be one of binfmt, copy, not "foo"; see --help\.$/m,
      code: 2,
    },
    { name: 'a repository with a tag', files: SIMPLE, args: ['--repo', 'acme/x:latest'], message: /has a tag or digest/, code: 2 },
    {
      name: 'an invalid repository name',
      files: SIMPLE,
      args: ['--repo', 'bad name'],
      message: /"bad name" is not a valid image repository/,
      code: 2,
    },
  ];
  it.each(cases)('$name', ({ files, args, message, code }) => {
    const dir = repoWith(files);
    const before = tree(dir);
    const r = runCli(dir, ['--yes', ...(args.includes('--repo') ? [] : ['--repo', 'acme/bad']), ...args]);
    expect(r.code).toBe(code ?? 1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(tree(dir)).toEqual(before);
  });

  it.each([
    {
      what: 'a folder where a per-arch Dockerfile goes',
      make: (d: string) => mkdirSync(join(d, 'Dockerfile.arm64v8')),
      message: /Dockerfile\.arm64v8 is a folder where a generated file goes/,
    },
    {
      what: 'a file where hooks/ goes',
      make: (d: string) => writeFileSync(join(d, 'hooks'), 'x\n'),
      message: /hooks is a file where a generated folder goes/,
    },
  ])('$what, even with --force', ({ make, message }) => {
    const dir = repoWith(SIMPLE);
    make(dir);
    const before = tree(dir);
    for (const args of [['--force'], ['--dry-run'], []]) {
      const r = runCli(dir, ['--yes', '--repo', 'acme/dir', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/internal error|EISDIR|\n\s+at /);
      expect(tree(dir)).toEqual(before);
      expect(readdirSync(dir).filter((f) => f.includes('.cmh-'))).toEqual([]);
    }
  });

  it('a directory that is not writable', () => {
    const dir = repoWith(SIMPLE);
    chmodSync(dir, 0o755);
    // Tests run as root, who may write anywhere: run the CLI as nobody, in a repo root owns.
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        join(import.meta.dirname, '..', '..', 'bin', 'create-multiarch-hooks.js'),
        '--yes',
        '--offline',
        '--repo',
        'acme/ro',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, HOME: '/tmp' },
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: Cannot write to \.; make it writable/);
    expect(existsSync(join(dir, 'hooks'))).toBe(false);
  });
});
