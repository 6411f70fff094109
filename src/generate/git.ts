import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// git runs from an argument array (execFileSync), not shelljs.exec: the paths are the user's and
// must never pass through a shell, and shelljs cannot be bundled (its exec runs a helper file found
// through __dirname, which the ESM bundle does not have).
function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The work tree's top folder, or undefined outside a git repo. Found as git finds it, by the
 * nearest folder holding `.git` (no process spawned per Dockerfile); only when GIT_DIR or
 * GIT_WORK_TREE redirect git is git itself asked.
 */
export function gitTopLevel(cwd: string): string | undefined {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE) return git(cwd, ['rev-parse', '--show-toplevel']) || undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

// Asked once per work tree: a run over many Dockerfiles of one repo spawns git once for these.
const remotes = new Map<string, Remote>();
const branches = new Map<string, string | undefined>();
const branchLists = new Map<string, string[]>();

export interface Remote {
  url?: string;
  /** Why no remote was chosen, when there are remotes but none is clearly the one. */
  problem?: string;
}

/**
 * The remote Docker Hub is most likely linked to: `origin`; else the remote the current branch
 * tracks; else the only remote. Read from the config in one git call.
 */
export function gitRemote(top: string): Remote {
  let remote = remotes.get(top);
  if (!remote) {
    const config = git(top, ['config', '--get-regexp', '^(remote\\..*\\.url|branch\\..*\\.remote)$']) ?? '';
    const urls = new Map<string, string>();
    const tracked = new Map<string, string>();
    for (const line of config.split('\n')) {
      const m = /^(remote|branch)\.(.+)\.(url|remote) (.*)$/.exec(line);
      if (m?.[1] === 'remote' && m[3] === 'url') urls.set(m[2]!, m[4]!);
      if (m?.[1] === 'branch' && m[3] === 'remote') tracked.set(m[2]!, m[4]!);
    }
    const branch = gitCurrentBranch(top);
    const upstream = branch === undefined ? undefined : tracked.get(branch);
    const names = [...urls.keys()];
    const name = urls.has('origin')
      ? 'origin'
      : upstream !== undefined && urls.has(upstream)
        ? upstream
        : names.length === 1
          ? names[0]
          : undefined;
    remote =
      name !== undefined
        ? { url: urls.get(name) }
        : names.length > 1
          ? { problem: `the repo has several remotes (${names.join(', ')}) and none is origin` }
          : {};
    remotes.set(top, remote);
  }
  return remote;
}

export function gitCurrentBranch(top: string): string | undefined {
  if (!branches.has(top)) branches.set(top, git(top, ['symbolic-ref', '--short', '-q', 'HEAD']) || undefined);
  return branches.get(top);
}

/** Every branch name the repo knows: local ones and those of its remotes (`origin/dev` -> `dev`). */
export function gitBranches(top: string): string[] {
  let list = branchLists.get(top);
  if (!list) {
    const out = git(top, ['for-each-ref', '--format=%(refname)', 'refs/heads', 'refs/remotes']) ?? '';
    const names = out
      .split('\n')
      .filter(Boolean)
      .map((ref) => ref.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, ''))
      .filter((n) => n !== 'HEAD');
    list = [...new Set(names)];
    branchLists.set(top, list);
  }
  return list;
}

const hookModes = new Map<string, Map<string, string>>();

/**
 * The index mode (`100644`, `100755`) of every tracked file in a `hooks/` folder, by path relative
 * to `top`: asked once per work tree, however many Dockerfiles a run plans.
 */
export function gitHookModes(top: string): Map<string, string> {
  let modes = hookModes.get(top);
  if (!modes) {
    modes = new Map();
    const out = git(top, ['ls-files', '-s', '-z', '--', ':(glob)**/hooks/*']) ?? '';
    for (const entry of out.split('\0')) {
      const m = /^(\d+) [0-9a-f]+ \d+\t(.*)$/s.exec(entry);
      if (m) modes.set(m[2]!, m[1]!);
    }
    hookModes.set(top, modes);
  }
  return modes;
}

/**
 * `git add` that writes the new blobs into one pack instead of a loose object file each: git
 * streams a blob above core.bigFileThreshold into a single pack per command (bulk check-in), so
 * staging a run over 100 Dockerfiles (1,100 new blobs) creates 2 files instead of 1,100, which is
 * most of the time `git add` took. A blob that needs a conversion (an eol attribute, a filter)
 * is still converted first, as by a plain `git add`; `git gc` repacks later as usual.
 */
const ADD = ['-c', 'core.bigFileThreshold=1', 'add'];

/** Stages files with the executable bit, so hooks are mode 100755 in git even where core.fileMode is off. */
export function gitAddExecutable(cwd: string, paths: string[]): boolean {
  if (paths.length === 0) return true;
  return git(cwd, [...ADD, '--chmod=+x', '--', ...paths]) !== undefined;
}

/**
 * `git add` of `add` and `git rm --cached` of `remove` (files deleted from disk; one that was
 * never tracked is no error). False when git refused either.
 */
export function gitStage(cwd: string, add: string[], remove: string[]): boolean {
  if (add.length > 0 && git(cwd, [...ADD, '--', ...add]) === undefined) return false;
  if (remove.length > 0 && git(cwd, ['rm', '--cached', '--ignore-unmatch', '-q', '--', ...remove]) === undefined) return false;
  return true;
}

/**
 * `acme/demo` from `git@github.com:Acme/Demo.git` or `https://gitlab.com/acme/demo`: the usual
 * Docker Hub name for a repo linked to it (lowercase, namespace/name). A path of more than two
 * parts (a GitLab subgroup, `group/sub/app`) has no such name: a problem saying so instead.
 */
export function repositoryFromRemote(url: string | undefined): { repository?: string; problem?: string } {
  if (!url) return {};
  // Only hosted remotes (scheme://host/... or user@host:...): a local path names no repository.
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/]+\/|[^@/\s]+@[^:/\s]+:)(.+?)(?:\.git)?\/?$/i.exec(url.trim());
  if (!m) return {};
  const parts = m[1]!.replace(/^\/+/, '').split('/').filter(Boolean);
  if (parts.length > 2) return { problem: `the remote's path ${parts.join('/')} has more parts than a Docker Hub namespace/name` };
  if (parts.length < 2) return {};
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-')
      .replace(/^[._-]+|[._-]+$/g, '');
  const ns = clean(parts[0]!);
  const name = clean(parts[1]!);
  return ns && name ? { repository: `${ns}/${name}` } : {};
}
