import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ARCHES, type Platform, platformKey, resolveArch } from '../arch.js';
import { UserError } from '../errors.js';
import { gitBranches, gitCurrentBranch, gitRemote, gitTopLevel, repositoryFromRemote } from './git.js';
import { type GeneratorRecord, RECORD_FILE, parseRecord } from '../record/index.js';

/** Everything read from the user's repo before any choice is made. Nothing here writes. */
export interface RepoState {
  cwd: string;
  /** Absolute path of the chosen Dockerfile. */
  dockerfilePath: string;
  /** The Dockerfile's folder: everything is generated next to it. */
  dir: string;
  /**
   * The repo root: the git top level, else the Dockerfile's folder (not the working directory,
   * which would make the generated paths depend on where the CLI runs).
   */
  root: string;
  isGit: boolean;
  dockerfileSource: string;
  record?: GeneratorRecord;
  /** A record file is there but unreadable (only with --force; otherwise readRepo refuses). */
  recordUnreadable?: boolean;
  guessedRepository?: string;
  /** Why the remote names no repository, when it is worth saying (several remotes, a subgroup). */
  repositoryProblem?: string;
  currentBranch?: string;
  /**
   * The table's arches that already have a `<Dockerfile>.<arch>` next to the Dockerfile (a
   * hand-made setup, when there is no record): the arch set the user built before.
   */
  existingArches: string[];
  /**
   * The per-arch Dockerfile already there for each of those arches, by basename
   * (`Dockerfile.armhf` for arm32v7): a hand-made setup's file is replaced where it is.
   */
  perArchFiles: Record<string, string>;
  /**
   * The tag names a hand-made setup published each arch under where they are not the table's
   * (`{"arm32v7": "armhf"}`): from its per-arch Dockerfiles' names and its manifest spec.
   */
  handMadeTagNames: Record<string, string>;
  /** The branches the repo knows, local and those of its remotes; undefined outside git. */
  branches?: string[];
}

export function readRepo(cwd: string, dockerfileArg: string, opts: { force?: boolean } = {}): RepoState {
  const dockerfilePath = isAbsolute(dockerfileArg) ? dockerfileArg : resolve(cwd, dockerfileArg);
  const shown = relative(cwd, dockerfilePath) || dockerfileArg;
  if (!existsSync(dockerfilePath)) {
    throw new UserError(
      dockerfileArg === 'Dockerfile'
        ? `No Dockerfile in ${cwd}; run this in the folder holding your Dockerfile, or name it with --dockerfile path/to/Dockerfile.`
        : `Dockerfile ${shown} does not exist; check the --dockerfile path.`,
    );
  }
  if (!statSync(dockerfilePath).isFile()) throw new UserError(`${shown} is not a file; name the Dockerfile itself with --dockerfile.`);
  const dir = dirname(dockerfilePath);
  const top = gitTopLevel(dir);
  const recordPath = join(dir, RECORD_FILE);
  let record: GeneratorRecord | undefined;
  let recordUnreadable = false;
  if (existsSync(recordPath)) {
    const parsed = parseRecord(readFileSync(recordPath, 'utf8'), relative(cwd, recordPath) || RECORD_FILE);
    // --force regenerates as if there were no record: every existing file is then a conflict,
    // overwritten with a .bak copy, the unreadable record included.
    if ('error' in parsed && !opts.force) throw new UserError(`${parsed.error}; remove it or pass --force to regenerate everything.`);
    if ('error' in parsed) recordUnreadable = true;
    else record = parsed;
  }
  const remote = top ? gitRemote(top) : {};
  const guess = repositoryFromRemote(remote.url);
  return {
    cwd,
    dockerfilePath,
    dir,
    root: top ?? dir,
    isGit: top !== undefined,
    dockerfileSource: readFileSync(dockerfilePath, 'utf8'),
    record,
    recordUnreadable,
    guessedRepository: guess.repository,
    repositoryProblem: remote.problem ?? guess.problem,
    currentBranch: top ? gitCurrentBranch(top) : undefined,
    ...perArchOnDisk(dir, basename(dockerfilePath)),
    branches: top ? gitBranches(top) : undefined,
  };
}

/** Per-arch tag names as generated files use them: a tag's last part, no `-` or `.` (see options.ts). */
const TAG_NAME = /^[a-z0-9][a-z0-9_]*$/;

/**
 * `<Dockerfile>.<arch>` files next to the Dockerfile, `<arch>` the table's name or an alias
 * (`armhf`, `aarch64`), and the tag names a hand-written multi-arch-manifest.yaml published.
 */
function perArchOnDisk(dir: string, base: string): Pick<RepoState, 'existingArches' | 'perArchFiles' | 'handMadeTagNames'> {
  const perArchFiles: Record<string, string> = {};
  const tagNames: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith(`${base}.`)) continue;
    const suffix = name.slice(base.length + 1);
    const arch = TAG_NAME.test(suffix)
      ? (resolveArch(suffix) ?? ARCHES.find((a) => Object.values(a.spellings).includes(suffix)))
      : undefined;
    if (!arch || !statSync(join(dir, name)).isFile()) continue;
    // The table's own name wins when both are there.
    if (perArchFiles[arch.name] === undefined || suffix === arch.name) perArchFiles[arch.name] = name;
  }
  for (const [arch, file] of Object.entries(perArchFiles)) {
    const suffix = file.slice(base.length + 1);
    if (suffix !== arch) tagNames[arch] = suffix;
  }
  Object.assign(tagNames, specTagNames(join(dir, 'multi-arch-manifest.yaml')));
  for (const [arch, tag] of Object.entries(tagNames)) if (tag === arch) delete tagNames[arch];
  return {
    existingArches: ARCHES.map((a) => a.name).filter((a) => perArchFiles[a] !== undefined),
    perArchFiles,
    handMadeTagNames: tagNames,
  };
}

/** From a manifest-tool spec: each listed image's tag, by the arch of its platform, when the tag is a bare name. */
function specTagNames(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  let spec: { manifests?: { image?: unknown; platform?: Partial<Platform> }[] };
  try {
    spec = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as typeof spec;
  } catch {
    return {}; // not YAML: not a spec whose tags could be kept
  }
  const out: Record<string, string> = {};
  for (const m of Array.isArray(spec.manifests) ? spec.manifests : []) {
    const p = m?.platform;
    if (typeof m?.image !== 'string' || typeof p?.os !== 'string' || typeof p.architecture !== 'string') continue;
    const tag = /:([^/:@]+)$/.exec(m.image)?.[1];
    const key = platformKey({ os: p.os, architecture: p.architecture, variant: typeof p.variant === 'string' ? p.variant : undefined });
    const arch = ARCHES.find((a) => platformKey(a.platform) === key);
    // Only a name the table knows for that arch (`armhf`, `aarch64`): a tag like `latest` or `pi` is not an arch's tag name.
    if (arch && tag && TAG_NAME.test(tag) && (resolveArch(tag) === arch || Object.values(arch.spellings).includes(tag)))
      out[arch.name] = tag;
  }
  return out;
}
