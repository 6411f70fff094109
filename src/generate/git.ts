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
const remotes = new Map<string, string | undefined>();
const branches = new Map<string, string | undefined>();

export function gitRemoteUrl(top: string): string | undefined {
  if (!remotes.has(top)) remotes.set(top, git(top, ['remote', 'get-url', 'origin']) || undefined);
  return remotes.get(top);
}

export function gitCurrentBranch(top: string): string | undefined {
  if (!branches.has(top)) branches.set(top, git(top, ['symbolic-ref', '--short', '-q', 'HEAD']) || undefined);
  return branches.get(top);
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

/** Stages files with the executable bit, so hooks are mode 100755 in git even where core.fileMode is off. */
export function gitAddExecutable(cwd: string, paths: string[]): boolean {
  if (paths.length === 0) return true;
  return git(cwd, ['add', '--chmod=+x', '--', ...paths]) !== undefined;
}

/**
 * `acme/demo` from `git@github.com:Acme/Demo.git` or `https://gitlab.com/acme/demo`: the usual
 * Docker Hub name for a repo linked to it (lowercase, namespace/name).
 */
export function repositoryFromRemote(url: string | undefined): string | undefined {
  if (!url) return undefined;
  // Only hosted remotes (scheme://host/... or user@host:...): a local path names no repository.
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/]+\/|[^@/\s]+@[^:/\s]+:)(?:.*\/)?([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(url.trim());
  if (!m) return undefined;
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[._-]+|[._-]+$/g, '');
  const ns = clean(m[1]!);
  const name = clean(m[2]!);
  return ns && name ? `${ns}/${name}` : undefined;
}
