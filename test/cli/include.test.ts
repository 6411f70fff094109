import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, repoWith as repoWithFiles, runCli } from './run-cli.js';

// --include on the command line: checked (an image of the list's own repository, with a tag or
// digest) before anything is written, recorded, kept by a re-run, cleared by an empty value.
const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
const repo = () => repoWithFiles({ Dockerfile: 'FROM alpine:3.20\n' }, { made: repos });
const record = (dir: string) => JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8'));

describe('--include', () => {
  it('refuses an image of another repository, and one without a tag or digest (exit 2)', () => {
    const dir = repo();
    const other = runCli(dir, ['--yes', '--repo', 'acme/demo', '--include', 'acme/other:win']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      'error: --include acme/other:win is not in acme/demo; a list names images of its own repository by digest',
    );
    const bare = runCli(dir, ['--yes', '--repo', 'acme/demo', '--include', 'acme/demo']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('is not an image with a tag or digest');
    const rev = runCli(dir, ['--yes', '--repo', 'acme/demo', '--include-revision', 'never']);
    expect(rev.code).toBe(2);
    const buildx = runCli(dir, ['--yes', '--repo', 'acme/demo', '--strategy', 'buildx', '--include', 'acme/demo:win']);
    expect(buildx.code).toBe(2);
    expect(buildx.stderr).toContain('--include works with the per-arch build rules only for now');
  });

  it('is recorded with --include-revision, kept by a plain re-run, and cleared by --include=', () => {
    const dir = repo();
    const r = runCli(dir, [
      '--yes',
      '--repo',
      'acme/demo',
      '--include',
      'acme/demo:windows-ltsc2022',
      '--include',
      'docker.io/acme/demo:windows-ltsc2019',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(record(dir)).toMatchObject({
      include: ['acme/demo:windows-ltsc2022', 'docker.io/acme/demo:windows-ltsc2019'],
      includeRevision: 'same',
    });
    expect(readFileSync(join(dir, 'hooks/post_push'), 'utf8')).toContain('CMH_INCLUDE=(:windows-ltsc2022 :windows-ltsc2019)');
    expect(runCli(dir, ['--yes']).stdout).toContain('Everything is up to date');
    expect(runCli(dir, ['--yes', '--include='], {}).code).toBe(0);
    expect(record(dir).include).toBeUndefined();
    expect(readFileSync(join(dir, 'hooks/post_push'), 'utf8')).toContain('CMH_INCLUDE=()');
  });
});
