import { posix } from 'node:path';
import { type Arch, NATIVE_ARCH, sortArches } from '../arch.js';
import type { CiTarget } from '../ci/target.js';
import { perArchReasons } from '../dockerfile/index.js';
import type { BuildRule, GeneratorRecord } from '../record/index.js';
import { includeSuffix } from './include.js';

/** What the CI pipeline builds for one Dockerfile, from the same facts as its build rules. */
export function ciTarget(o: {
  repository: string;
  /** The Dockerfile's folder relative to the repo root ('' or '.' for the root). */
  dirRel: string;
  dockerfileBase: string;
  dockerfileSource: string;
  arches: readonly Arch[];
  rules: readonly BuildRule[];
  archTags: boolean;
  /** Each arch's Dockerfile basename (default `<Dockerfile>.<arch>`). */
  perArchFile?: (a: Arch) => string;
  tagNames?: Record<string, string>;
  include?: string[];
}): CiTarget {
  const dir = o.dirRel || '.';
  const dockerfile = posix.join(dir, o.dockerfileBase);
  const ctx = (o.rules[0]?.context ?? '/').replace(/^\/+/, '') || '.';
  const sources = (type: BuildRule['sourceType']) => [...new Set(o.rules.filter((r) => r.sourceType === type).map((r) => r.source))];
  return {
    repository: o.repository,
    dir,
    dockerfile,
    context: ctx,
    arches: o.arches,
    branches: sources('Branch'),
    tagRegexes: sources('Tag'),
    perArchReasons: perArchReasons(o.dockerfileSource, dockerfile),
    perArchDockerfiles: Object.fromEntries(
      o.arches.map((a) => [
        a.name,
        a.name === NATIVE_ARCH ? dockerfile : o.perArchFile ? posix.join(dir, o.perArchFile(a)) : `${dockerfile}.${a.name}`,
      ]),
    ),
    archTags: o.archTags,
    ...(o.tagNames && Object.keys(o.tagNames).length > 0 ? { tagNames: o.tagNames } : {}),
    ...(o.include?.length ? { include: o.include } : {}),
  };
}

/** The CiTarget of a recorded folder, from its record and its Dockerfile's source. */
export function targetFromRecord(rec: GeneratorRecord, dirRel: string, source: string): CiTarget {
  return ciTarget({
    repository: rec.repository,
    dirRel,
    dockerfileBase: rec.dockerfile,
    dockerfileSource: source,
    arches: sortArches(rec.arches),
    rules: rec.buildRules,
    archTags: rec.archTags ?? true,
    tagNames: rec.archTagNames,
    include: rec.include?.map(includeSuffix),
    perArchFile: (a) =>
      rec.buildRules
        .find((r) => r.arch === a.name)
        ?.dockerfile.split('/')
        .pop() ?? `${rec.dockerfile}.${a.name}`,
  });
}
