// The generator never writes through a symbolic link that leads out of the repo (issue 11): a
// `hooks` link to another folder, a linked per-arch Dockerfile that --force would back up, a
// linked Dockerfile folder. A link that stays inside the repo still works.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, listFiles, removeDir, runCli, tempGitRepo, treeState } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function repo(): string {
  const dir = tempGitRepo();
  dirs.push(dir);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'Dockerfile']);
  return dir;
}

describe('a symbolic link out of the repo is never written through', () => {
  const cases = [
    {
      what: 'a hooks link to a folder outside',
      make: (dir: string, outside: string) => symlinkSync(outside, join(dir, 'hooks')),
      message:
        /^error: Cannot generate: hooks is a symbolic link to .*, outside the repository; replace it with a real folder or file in the repository \(or remove it\) and try again\.$/,
    },
    {
      what: 'a per-arch Dockerfile linked to a file outside (--force would have backed it up)',
      make: (dir: string, outside: string) => {
        writeFileSync(join(outside, 'secret'), 'outside content\n');
        symlinkSync(join(outside, 'secret'), join(dir, 'Dockerfile.arm64v8'));
      },
      message: /^error: Cannot generate: Dockerfile\.arm64v8 is a symbolic link to .*secret, outside the repository; replace it/,
    },
    {
      what: 'a hooks link that leads nowhere',
      make: (dir: string, outside: string) => symlinkSync(join(outside, 'gone'), join(dir, 'hooks')),
      message: /^error: Cannot generate: hooks is a symbolic link to nothing; replace it/,
    },
  ];
  it.each(cases)('$what: refused, even with --force, nothing written on either side', ({ make, message }) => {
    const dir = repo();
    const outside = temp('cmh-outside-');
    make(dir, outside);
    const before = { repo: treeState(dir), outside: treeState(outside), index: git(dir, ['ls-files', '-s']) };
    for (const args of [[], ['--force'], ['--dry-run', '--force']]) {
      const r = runCli(dir, ['--yes', '--repo', 'acme/link', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect({ repo: treeState(dir), outside: treeState(outside), index: git(dir, ['ls-files', '-s']) }).toEqual(before);
    }
  });

  it('a Dockerfile folder that is a link out of the repo is refused', () => {
    const dir = repo();
    const outside = temp('cmh-outside-');
    writeFileSync(join(outside, 'Dockerfile'), 'FROM alpine:3.20\n');
    symlinkSync(outside, join(dir, 'svc'));
    const r = runCli(dir, ['--yes', '--repo', 'acme/link', '--dockerfile', 'svc/Dockerfile']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: Cannot generate: svc is a symbolic link to .*, outside the repository/);
    expect(readdirSync(outside)).toEqual(['Dockerfile']);
  });

  it('links inside the repo still work: a linked per-arch Dockerfile is replaced, not written through', () => {
    const dir = repo();
    writeFileSync(join(dir, 'mine.arm64'), 'FROM arm64v8/alpine:3.20\n');
    symlinkSync('mine.arm64', join(dir, 'Dockerfile.arm64v8'));
    mkdirSync(join(dir, 'ci'));
    const r = runCli(dir, ['--yes', '--repo', 'acme/link', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'mine.arm64'), 'utf8')).toBe('FROM arm64v8/alpine:3.20\n');
    expect(lstatSync(join(dir, 'Dockerfile.arm64v8')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'Dockerfile.arm64v8.bak'), 'utf8')).toBe('FROM arm64v8/alpine:3.20\n');
    expect(existsSync(join(dir, 'hooks', 'post_push'))).toBe(true);
    expect(listFiles(dir).filter((f) => f.includes('.cmh-'))).toEqual([]);
  });
});
