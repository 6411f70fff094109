import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { archNames } from '../arch.js';
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
    existingArches: archNames().filter((a) => existsSync(join(dir, `${basename(dockerfilePath)}.${a}`))),
    branches: top ? gitBranches(top) : undefined,
  };
}
