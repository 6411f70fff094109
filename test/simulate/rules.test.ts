import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { BuildRule } from '../../src/record/index.js';
import type { GeneratorRecord } from '../../src/record/index.js';
import { expandDockerTag, listTagOf, matchSource, rulePaths, selectRuns } from '../../src/simulate/rules.js';
import { summaryTable } from '../../src/simulate/summary.js';

const arches = ['amd64', 'arm32v6', 'arm32v7', 'arm64v8'];
const rule = (arch: string, sourceType: 'Branch' | 'Tag', source: string, dockerTag: string): BuildRule => ({
  arch,
  sourceType,
  source,
  dockerTag,
  dockerfile: arch === 'amd64' ? 'Dockerfile' : `Dockerfile.${arch}`,
  context: '/',
});

function record(over: Partial<GeneratorRecord> = {}): GeneratorRecord {
  return {
    generator: 'create-multiarch-hooks',
    version: '0.1.0',
    repository: 'acme/demo',
    dockerfile: 'Dockerfile',
    branch: 'main',
    arches,
    qemu: 'binfmt',
    publisher: 'manifest-tool',
    context: '/',
    tagRegex: '/^v([0-9.]+)$/',
    buildRules: [...arches.map((a) => rule(a, 'Branch', 'main', a)), ...arches.map((a) => rule(a, 'Tag', '/^v([0-9.]+)$/', `{\\1}-${a}`))],
    files: {},
    ...over,
  };
}

function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('which rules a push triggers', () => {
  it('a push to the branch runs the branch rules, tags = arch names, list latest', () => {
    const runs = selectRuns(record(), { type: 'Branch', name: 'main' });
    expect(runs.map((r) => [r.rule.arch, r.dockerTag, r.listTag, r.label])).toEqual(arches.map((a) => [a, a, 'latest', 'Branch main']));
  });

  it('a version tag runs the tag rules with the capture group in the tag', () => {
    const runs = selectRuns(record(), { type: 'Tag', name: 'v1.2.3' });
    expect(runs.map((r) => [r.dockerTag, r.listTag, r.rule.dockerfile])).toEqual([
      ['1.2.3-amd64', '1.2.3', 'Dockerfile'],
      ['1.2.3-arm32v6', '1.2.3', 'Dockerfile.arm32v6'],
      ['1.2.3-arm32v7', '1.2.3', 'Dockerfile.arm32v7'],
      ['1.2.3-arm64v8', '1.2.3', 'Dockerfile.arm64v8'],
    ]);
  });

  it('a tag the regex does not match, or another branch, is a usage error naming the rules', () => {
    const t = userError(() => selectRuns(record(), { type: 'Tag', name: 'release-1' }));
    expect(t.exitCode).toBe(2);
    expect(t.message).toContain('/^v([0-9.]+)$/');
    const b = userError(() => selectRuns(record(), { type: 'Branch', name: 'dev' }));
    expect(b.message).toMatch(/No build rule matches the branch dev .*main/);
  });

  it('a record without tag rules says how to get them', () => {
    const r = record({ tagRegex: '', buildRules: record().buildRules.filter((x) => x.sourceType === 'Branch') });
    expect(userError(() => selectRuns(r, { type: 'Tag', name: 'v1' })).message).toContain('--tag-regex');
  });

  it('a tag template that yields an invalid Docker tag is refused before anything runs', () => {
    const r = record({ buildRules: [rule('amd64', 'Tag', '/^v(.*)$/', '{\\1}-amd64')] });
    expect(userError(() => selectRuns(r, { type: 'Tag', name: 'v' })).message).toContain('"-amd64"');
  });

  it('branch sources may be regexes and tags may use {sourceref}, as in Docker Hub', () => {
    const r = record({ buildRules: [rule('amd64', 'Branch', '/^release-(.+)$/', '{sourceref}-{\\1}-amd64')] });
    const [run] = selectRuns(r, { type: 'Branch', name: 'release-7' });
    expect(run!.dockerTag).toBe('release-7-7-amd64');
    expect(run!.listTag).toBe('release-7-7');
  });

  it('helpers: exact names, group expansion, list tags', () => {
    expect(matchSource('main', 'main')?.[0]).toBe('main');
    expect(matchSource('main', 'mainline')).toBeNull();
    const m = matchSource('/^v([0-9]+)\\.([0-9]+)$/', 'v1.20')!;
    expect(expandDockerTag('{\\2}.{\\1}-x', 'v1.20', m)).toBe('20.1-x');
    expect(expandDockerTag('{\\3}', 'v1.20', m)).toBe('');
    expect(listTagOf('arm64v8', 'arm64v8')).toBe('latest');
    expect(listTagOf('1.2-arm64v8', 'arm64v8')).toBe('1.2');
    expect(listTagOf('edge', 'amd64')).toBe('edge');
    expect(rulePaths('/r', { ...rule('amd64', 'Branch', 'main', 'amd64'), context: '/docker', dockerfile: 'Dockerfile' })).toEqual({
      contextDir: '/r/docker',
      dockerfileAbs: '/r/docker/Dockerfile',
    });
  });
});

describe('summary table', () => {
  it('has a row per rule with result, duration and failing phase', () => {
    const runs = selectRuns(record(), { type: 'Branch', name: 'main' });
    const text = summaryTable([
      { run: runs[0]!, status: 'passed', durationMs: 12_345, phases: [], logFile: 'x' },
      { run: runs[1]!, status: 'failed', durationMs: 1_000, failingPhase: 'pre_build', exit: 3, phases: [], logFile: 'y' },
      { run: runs[2]!, status: 'not run', durationMs: 0, phases: [], logFile: 'z' },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Rule\s+Arch\s+Tag\s+Result\s+Duration\s+Failing phase$/);
    expect(lines[2]).toMatch(/^Branch main\s+amd64\s+amd64\s+passed\s+12\.3s$/);
    expect(lines[3]).toMatch(/^Branch main\s+arm32v6\s+arm32v6\s+failed\s+1\.0s\s+pre_build \(exit 3\)$/);
    expect(lines[4]).toMatch(/^Branch main\s+arm32v7\s+arm32v7\s+not run\s+-$/);
  });
});
