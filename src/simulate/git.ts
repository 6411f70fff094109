import { execFileSync } from 'node:child_process';
import { UserError } from '../errors.js';

export interface GitFacts {
  root: string;
  commit: string;
  message: string;
  /** Uncommitted changes or untracked files: Docker Hub builds the commit, we build the work tree. */
  dirty: boolean;
}

// An argument array, not shelljs.exec: see generate/git.ts.
function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What Docker Hub's clone would know: HEAD, its message, the top folder. */
export function readGit(dir: string): GitFacts {
  let root: string;
  try {
    root = git(dir, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new UserError(`${dir} is not in a git repository; Docker Hub builds from git, so run simulate inside the repo's work tree.`, 2);
  }
  let commit: string;
  try {
    commit = git(dir, ['rev-parse', '--verify', 'HEAD']).trim();
  } catch {
    throw new UserError('The repository has no commit yet; commit the generated files, then run simulate.', 2);
  }
  const message = git(dir, ['log', '-1', '--format=%B', 'HEAD']).replace(/\n+$/, '');
  const dirty = git(dir, ['status', '--porcelain', '--untracked-files=normal']).trim() !== '';
  return { root, commit, message, dirty };
}
