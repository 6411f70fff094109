import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { tmpGitRepo } from '../support/env.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'create-multiarch-hooks.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Subcommands that are not the generator (they have no --offline). */
const NOT_GENERATE = ['verify', 'simulate'];

/**
 * Runs the built CLI as a user would: `node bin/create-multiarch-hooks.js ARGS` in `cwd`, stdin closed.
 * The generator never asks the real Docker Hub whether the official arch images exist: it runs
 * with --offline, or, given `twinRegistry` (`127.0.0.1:PORT`), asks that registry instead
 * through the CLI's test hook CMH_DOCKER_HUB_REGISTRY. spawnSync with an argument array, not
 * shelljs.exec: arguments (repository patterns like `jane/{dir}`, temp paths) reach the CLI as
 * given, never re-parsed by a shell, and no extra node process runs per call as shelljs's
 * synchronous exec does.
 */
export function runCli(
  cwd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; twinRegistry?: string } = {},
): CliResult {
  const generate = !NOT_GENERATE.includes(args[0] ?? '');
  const offline = generate && opts.twinRegistry === undefined && !args.includes('--offline') ? ['--offline'] : [];
  const r = spawnSync(process.execPath, [CLI, ...args, ...offline], {
    cwd,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      ...(opts.twinRegistry !== undefined ? { CMH_DOCKER_HUB_REGISTRY: opts.twinRegistry } : {}),
      ...opts.env,
    },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The built CLI on a real pseudo-terminal (util-linux `script`) in `dir`, with `input` typed into it. */
export function typedAt(dir: string, input: string, args = ''): SpawnSyncReturns<string> {
  const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} --offline ${args}`, '/dev/null'], {
    cwd: dir,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw new Error('util-linux script is needed for the TTY tests', { cause: r.error });
  return r;
}

/**
 * The tests' one `git`: runs in `cwd` with a test identity (commits work in any repo, whatever
 * the machine's config), throws with git's stderr when it fails, returns stdout without the
 * final newline (leading spaces kept: `git status --porcelain` needs them).
 */
export function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=cmh test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trimEnd();
}

/**
 * tmpGitRepo's repo (test/support/env.ts) made ready for the CLI: a copy of `from` (or nothing)
 * committed, an origin remote, and the identity and line endings set in its config so that a
 * test can commit what the CLI wrote.
 */
export function tempGitRepo(from?: string, remote = 'git@github.com:acme/example.git'): string {
  const { dir } = tmpGitRepo({});
  git(dir, ['config', 'user.email', 'test@example.invalid']);
  git(dir, ['config', 'user.name', 'test']);
  git(dir, ['config', 'core.autocrlf', 'false']);
  git(dir, ['remote', 'add', 'origin', remote]);
  if (from) {
    cpSync(from, dir, { recursive: true });
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'files']);
  }
  return dir;
}

/**
 * A temp git repo (see tempGitRepo) holding `files` (path -> content), committed. Each repo is
 * recorded in `made` when given, so that a test file removes them all in afterAll.
 */
export function repoWith(files: Record<string, string>, opts: { remote?: string; made?: string[] } = {}): string {
  const dir = tempGitRepo(undefined, opts.remote);
  opts.made?.push(dir);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'files']);
  return dir;
}

/** Every file's content below `dir` (without .git), to prove that a run left the repo exactly as it was. */
export function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

/** `git status --porcelain` lines, sorted: what a bare `git commit` would and would not take. */
export function gitStatus(repo: string): string[] {
  return git(repo, ['status', '--porcelain', '-uall']).split('\n').filter(Boolean).sort();
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file below `dir` (POSIX relative paths, sorted), without .git. */
export function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out.sort();
}

export function gitMode(repo: string, path: string): string {
  return git(repo, ['ls-files', '-s', '--', path]).split(' ')[0] ?? '';
}

/**
 * Everything a run may change below `dir`: each folder, each file with its mode and content, each
 * symbolic link with where it points (not followed), and the git index when `dir` is a repo.
 */
export function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      if (name === '.git') continue;
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[rel + name] = `link to ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${rel}${name}/`] = 'dir';
        walk(p, `${rel}${name}/`);
      } else out[rel + name] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'latin1')}`;
    }
  };
  walk(dir, '');
  if (existsSync(join(dir, '.git'))) out['git index'] = git(dir, ['ls-files', '-s']);
  return out;
}
