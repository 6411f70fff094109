import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { sortArches } from '../../src/arch.js';
import { BITBUCKET_DOCKER_IMAGE, type CiTarget } from '../../src/ci/index.js';
import { buildRules } from '../../src/generate/build-rules.js';
import { ciTarget } from '../../src/generate/ci-target.js';

/** A CiTarget as the generator makes it, for a Dockerfile in `dirRel` (repo root: ''). */
export function target(
  o: {
    source?: string;
    dirRel?: string;
    arches?: string[];
    archTags?: boolean;
    tagRegex?: string;
    branch?: string;
    repository?: string;
  } = {},
): CiTarget {
  const arches = sortArches(o.arches ?? ['amd64', 'arm32v7', 'arm64v8']);
  const dirRel = o.dirRel ?? '';
  const rules = buildRules({
    arches,
    dockerfileFor: (a) => [dirRel, a.name === 'amd64' ? 'Dockerfile' : `Dockerfile.${a.name}`].filter(Boolean).join('/'),
    branch: o.branch ?? 'main',
    tagRegex: o.tagRegex ?? '/^v([0-9.]+)$/',
    context: '/' + dirRel,
  });
  return ciTarget({
    repository: o.repository ?? 'acme/demo',
    dirRel,
    dockerfileBase: 'Dockerfile',
    dockerfileSource: o.source ?? 'FROM alpine:3.20\nRUN echo hi\n',
    arches,
    rules,
    archTags: o.archTags ?? true,
  });
}

/** A Dockerfile the rewriter changes per arch beyond what --platform does: a literal FROM --platform. */
export const PER_ARCH_SOURCE = 'FROM --platform=linux/amd64 alpine:3.20\nRUN echo hi\n';

export type Step = { step: { name: string; services: string[]; caches: string[]; script: string[]; 'max-time': number } };
export type Pipelines = {
  image: string;
  options: { runtime: { cloud: { version: string } } };
  definitions: { caches: Record<string, string> };
  pipelines: { branches: Record<string, Step[]>; tags?: Record<string, Step[]> };
};

// The keys Atlassian documents for a step (pipeline start conditions, step options). No JSON schema
// of bitbucket-pipelines.yml ships in any npm package (SchemaStore links Atlassian's own URL), so
// the structure is checked here instead.
const STEP_KEYS = [
  'name',
  'script',
  'services',
  'caches',
  'max-time',
  'image',
  'runs-on',
  'runtime',
  'size',
  'artifacts',
  'after-script',
  'condition',
  'trigger',
  'deployment',
  'clone',
  'oidc',
];

export function checkStructure(doc: Pipelines): Step[] {
  expect(Object.keys(doc).sort()).toEqual(['definitions', 'image', 'options', 'pipelines']);
  expect(doc.image).toBe(BITBUCKET_DOCKER_IMAGE);
  expect(doc.options.runtime.cloud.version).toBe('3');
  const steps = [...Object.values(doc.pipelines.branches), ...Object.values(doc.pipelines.tags ?? {})].flat();
  for (const s of steps) {
    expect(Object.keys(s)).toEqual(['step']);
    for (const k of Object.keys(s.step)) expect(STEP_KEYS).toContain(k);
    expect(s.step.services).toEqual(['docker']);
    for (const c of s.step.caches) expect(doc.definitions.caches[c], `cache ${c} is defined`).toBeTypeOf('string');
    for (const line of s.step.script) {
      const r = spawnSync('sh', ['-n', '-c', line], { encoding: 'utf8' });
      expect(r.status, `${line}\n${r.stderr}`).toBe(0);
    }
  }
  return steps;
}
