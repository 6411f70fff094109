import { sortArches } from '../../src/arch.js';
import type { CiTarget } from '../../src/ci/index.js';
import { buildRules } from '../../src/generate/build-rules.js';
import { ciTarget } from '../../src/generate/ci-target.js';

/** A CiTarget as the generator makes it, for a Dockerfile in `dirRel` (repo root: ''). */
export function target(o: { source?: string; dirRel?: string; arches?: string[]; archTags?: boolean; tagRegex?: string; branch?: string; repository?: string } = {}): CiTarget {
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
