/**
 * Do the official images the per-arch Dockerfiles name exist? `debian:bookworm-slim` becomes
 * `arm32v6/debian:bookworm-slim` in Dockerfile.arm32v6, but not every official image publishes
 * every arch (debian has no arm32v6, debian:bookworm no riscv64), and such a Dockerfile only
 * fails on Docker Hub hours later. Which twins a plan names and what to make of Docker Hub's answer
 * (pure); twin-check.ts asks Docker Hub, in the read step.
 */
import { relative } from 'node:path';
import { NATIVE_ARCH, sortArches } from '../arch.js';
import { officialImages } from '../dockerfile/index.js';
import { UserError } from '../errors.js';
import type { RepoState } from './repo.js';

/** One arch's twin of one official base: `arm32v6/debian:bookworm-slim` for `debian:bookworm-slim`. */
export interface Twin {
  arch: string;
  /** The base as the user's Dockerfile resolves it, without registry or prefix: `debian:bookworm-slim`. */
  base: string;
  repository: string;
  tag: string;
  /** `arm32v6/debian:bookworm-slim`, as it appears in Dockerfile.arm32v6. */
  ref: string;
}

/** Every official twin the Dockerfiles of `arches` name (the native arch keeps the user's Dockerfile). */
export function officialTwins(repo: RepoState, arches: readonly string[]): Twin[] {
  const official = officialImages(repo.dockerfileSource, relative(repo.root, repo.dockerfilePath) || repo.dockerfilePath);
  const twins: Twin[] = [];
  for (const b of official) {
    const image = b.name.split('/').pop()!;
    const tag = b.tag ?? 'latest';
    for (const a of sortArches(arches)) {
      if (a.name === NATIVE_ARCH) continue;
      const repository = `${a.name}/${image}`;
      const ref = `${repository}:${tag}`;
      if (!twins.some((t) => t.ref === ref)) twins.push({ arch: a.name, base: `${image}:${tag}`, repository, tag, ref });
    }
  }
  return twins;
}

/** Docker Hub's answer: the refs that do not exist, or why nothing could be said. */
export type TwinCheck = { missing: Set<string> } | { unchecked: string };

/**
 * What to do with the twins found missing: nothing; drop arches that only came from the default
 * set (returns them and the notice to show); or, for arches the user chose, a UserError.
 */
export function judgeTwins(
  twins: readonly Twin[],
  missing: ReadonlySet<string>,
  arches: readonly string[],
  defaultArches: boolean,
): { arches: string[]; notice?: string } {
  const gone = twins.filter((t) => missing.has(t.ref));
  if (gone.length === 0) return { arches: [...arches] };
  const goneArches = sortArches(gone.map((t) => t.arch)).map((a) => a.name);
  const keep = arches.filter((a) => !goneArches.includes(a));
  const refs = gone.map((t) => t.ref);
  const bases = [...new Set(gone.map((t) => t.base))];
  const why = bases
    .map(
      (b) =>
        `${b} has no ${sortArches(gone.filter((t) => t.base === b).map((t) => t.arch))
          .map((a) => a.name)
          .join(', ')} image`,
    )
    .join('; ');
  const fact = `${refs.join(', ')} ${refs.length > 1 ? 'do' : 'does'} not exist on Docker Hub (${why})`;
  if (defaultArches && keep.length > 1) {
    return {
      arches: keep,
      notice: `left out ${goneArches.join(', ')}: ${fact}; building ${keep.join(', ')} (choose others with --arch).`,
    };
  }
  const other = keep.length > 1 ? `choose other architectures with --arch ${keep.join(',')}, or ` : 'choose ';
  throw new UserError(`${fact}: ${other}a base image that has ${goneArches.join(', ')}.`);
}
