import { type Arch, platformString } from '../arch.js';

/**
 * What a CI pipeline builds for one Dockerfile, as the generator's record and the arch table say.
 * Paths are relative to the repo root, POSIX separators, `.` for the root.
 */
export interface CiTarget {
  /** Docker Hub repository, `acme/demo`. */
  repository: string;
  /** The Dockerfile's folder (names the workflow file). */
  dir: string;
  /** The user's Dockerfile. */
  dockerfile: string;
  /** The build context. */
  context: string;
  arches: readonly Arch[];
  /** Branch rule sources: a push to one publishes `latest`. */
  branches: string[];
  /** Tag rule sources (`/^v([0-9.]+)$/`): a pushed tag publishes the captured version. */
  tagRegexes: string[];
  /**
   * Why the user's Dockerfile cannot serve every platform in one build (perArchReasons); empty:
   * one multi-platform build, else one build per arch from `perArchDockerfiles`, merged by digest.
   */
  perArchReasons: string[];
  /** Each arch's Dockerfile (the user's for the native arch), used when perArchReasons is not empty. */
  perArchDockerfiles: Record<string, string>;
  /** Also publish the per-arch tags (`arm64v8`, `1.2.3-arm64v8`) that Docker Hub's rules published. */
  archTags: boolean;
  /** Per-arch tag names that are not the table's (`{"arm32v7": "armhf"}`), kept from a hand-made setup. */
  tagNames?: Record<string, string>;
  /** --include: `:TAG` or `@DIGEST` of images of the repository built elsewhere that every list also names. */
  include?: string[];
}

/** The name an arch's per-arch tags (and the pipeline's per-arch steps) use: its tag name, else the table's. */
export const tagName = (t: Pick<CiTarget, 'tagNames'>, a: Arch): string => t.tagNames?.[a.name] ?? a.name;

export const perArch = (t: CiTarget): boolean => t.perArchReasons.length > 0;

export const platformList = (arches: readonly Arch[]): string => arches.map((a) => platformString(a.platform)).join(',');

/** The per-arch tag for a list tag, as Docker Hub's rules named them: `arm64v8` for latest, else `1.2.3-arm64v8`. */
export function archTagFor(listTag: string, arch: string): string {
  return listTag === 'latest' ? arch : `${listTag}-${arch}`;
}
