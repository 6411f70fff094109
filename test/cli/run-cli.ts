import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

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
export function runCli(cwd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; twinRegistry?: string } = {}): CliResult {
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

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A temp git repo holding a copy of `from` (or empty), committed, with an origin remote. */
export function tempGitRepo(from?: string, remote = 'git@github.com:acme/example.git'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cmh-repo-'));
  if (from) cpSync(from, dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.email', 'test@example.invalid']);
  git(dir, ['config', 'user.name', 'test']);
  git(dir, ['config', 'core.autocrlf', 'false']);
  git(dir, ['remote', 'add', 'origin', remote]);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'initial']);
  return dir;
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

export { git };
