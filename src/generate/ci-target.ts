import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type Arch, NATIVE_ARCH, sortArches } from '../arch.js';
import { BITBUCKET_FILE } from '../ci/bitbucket-facts.js';
import type { CiTarget } from '../ci/target.js';
import { perArchReasons } from '../dockerfile/index.js';
import type { BuildRule } from './build-rules.js';
import { includeSuffix } from './include.js';
import { type GeneratorRecord, parseRecord, RECORD_FILE } from './record.js';

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

/**
 * The Bitbucket targets of the repo's other Dockerfiles, from their records on disk (one
 * `bitbucket-pipelines.yml` serves the whole repo, so a run for one Dockerfile keeps the others'
 * steps). `skipDirs`: folders planned in this run. Git repos only (`git ls-files`).
 */
export function bitbucketPeersOnDisk(root: string, skipDirs: ReadonlySet<string>): { peers: CiTarget[]; hashes: Set<string> } {
  const r = spawnSync('git', ['ls-files', '-z', '--', `*${RECORD_FILE}`], { cwd: root, encoding: 'utf8' });
  const peers: CiTarget[] = [];
  // What any record says it wrote into the shared file: the last run of another Dockerfile wrote it.
  const hashes = new Set<string>();
  if (r.status !== 0) return { peers, hashes };
  for (const file of r.stdout.split('\0').filter((f) => posix.basename(f) === RECORD_FILE)) {
    const dirRel = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    const abs = join(root, file);
    if (!existsSync(abs)) continue;
    const rec = parseRecord(readFileSync(abs, 'utf8'), file);
    if ('error' in rec || rec.ci !== 'bitbucket') continue;
    for (const [p, h] of Object.entries(rec.files)) if (posix.basename(p) === BITBUCKET_FILE) hashes.add(h);
    const df = join(root, dirRel, rec.dockerfile);
    if (skipDirs.has(dirRel) || !existsSync(df)) continue;
    peers.push(targetFromRecord(rec, dirRel, readFileSync(df, 'utf8')));
  }
  return { peers, hashes };
}

/**
 * The CiTarget of a generated folder, from its record and Dockerfile on disk (what the real-engine
 * tests feed to buildCommands). `dirRel`: the folder relative to `root`, '' for the root.
 * Throws (a bug in the caller) when there is no valid record.
 */
export function ciTargetOnDisk(root: string, dirRel: string): CiTarget {
  const file = join(root, dirRel, RECORD_FILE);
  const rec = parseRecord(readFileSync(file, 'utf8'), file);
  if ('error' in rec) throw new Error(rec.error);
  return targetFromRecord(rec, dirRel, readFileSync(join(root, dirRel, rec.dockerfile), 'utf8'));
}

function targetFromRecord(rec: GeneratorRecord, dirRel: string, source: string): CiTarget {
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
