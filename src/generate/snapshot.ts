/**
 * What the read step (read.ts) hands the plan (plan.ts): every fact about the user's repo, git and
 * Docker Hub that a plan depends on, read once. The plan is a pure function of this value and the
 * choices: it reads nothing itself, so the same snapshot always plans the same files.
 */
import type { CiTarget } from '../ci/target.js';
import type { RepoState } from './repo.js';
import type { TwinCheck } from './twins.js';

/** One path the plan may write or delete, as the read step found it. */
export interface FileFact {
  kind: 'missing' | 'file' | 'folder' | 'other';
  /** The file's bytes (kind 'file', and no link problem on the way). */
  bytes?: Buffer;
  /** The owner's executable bit is set (always true on Windows, which has no modes). */
  executable?: boolean;
  /** For a missing path: the nearest existing thing above it, when that is not a folder. */
  blockedBy?: string;
  /** A symbolic link on the way from the repo root that leads out of the repo (target) or nowhere (''). */
  link?: { at: string; target: string };
}

/** One Dockerfile's folder as read. */
export interface DockerfileSnapshot {
  repo: RepoState;
  /** By path relative to the Dockerfile's folder (POSIX separators): every path a plan may touch. */
  files: ReadonlyMap<string, FileFact>;
  /** The git index mode (`100755`...) of tracked hooks, by path relative to the repo root. */
  indexModes: ReadonlyMap<string, string>;
  /** Whether the Dockerfile's folder, and its hooks/ folder when there is one, may be written. */
  writable: { dir: boolean; hooks?: boolean };
}

/** The Bitbucket targets of Dockerfiles recorded on disk (git ls-files), for the repo's one pipeline file. */
export interface BitbucketOnDisk {
  peers: { dirRel: string; target: CiTarget }[];
  /** What any record says it wrote into bitbucket-pipelines.yml. */
  hashes: ReadonlySet<string>;
}

export interface Snapshot {
  dockerfiles: readonly DockerfileSnapshot[];
  bitbucket: BitbucketOnDisk;
  /** Docker Hub's answer about the official twins (read.ts asks once); undefined when not asked. */
  twins?: TwinCheck;
}

/** The fact the read step recorded for `path`; a path it did not read is a bug in the candidate list. */
export function fileFact(snap: DockerfileSnapshot, path: string): FileFact {
  const f = snap.files.get(path);
  if (!f) throw new Error(`bug: the plan needs ${path}, which the read step did not read`);
  return f;
}
