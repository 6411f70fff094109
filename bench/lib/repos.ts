/** Fresh git repos made from examples/hello, and the bench's own temp folders. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const EXAMPLE = path.join(ROOT, 'examples/hello');
export const CLI = path.join(ROOT, 'bin/create-multiarch-hooks.js');

let workRoot: string | undefined;

/** The bench's temp root (removed by `removeWork`). */
export function work(): string {
  workRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-bench-'));
  return workRoot;
}

export function removeWork(): void {
  if (workRoot) fs.rmSync(workRoot, { recursive: true, force: true });
  workRoot = undefined;
}

let seq = 0;
/** A new empty folder under the bench's temp root. */
export function freshDir(name: string): string {
  const dir = path.join(work(), `${String(++seq).padStart(4, '0')}-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=cmh bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

function commitAll(dir: string, remote: string): string {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', `https://github.com/${remote}.git`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'bench repo');
  return git(dir, 'rev-parse', 'HEAD');
}

/** A copy of examples/<name> (default hello) as its own git repo (branch main, remote github.com/acme/hello). */
export function exampleRepo(name = 'hello'): { dir: string; sha: string } {
  const dir = freshDir(name);
  fs.cpSync(path.join(ROOT, 'examples', name), dir, { recursive: true });
  return { dir, sha: commitAll(dir, 'acme/hello') };
}

/** A repo with `n` folders svc001..svcN, each holding a copy of examples/hello. */
export function multiRepo(n: number): { dir: string; folders: string[] } {
  const dir = freshDir(`multi-${n}`);
  const folders = Array.from({ length: n }, (_, i) => `svc${String(i + 1).padStart(3, '0')}`);
  for (const f of folders) fs.cpSync(EXAMPLE, path.join(dir, f), { recursive: true });
  commitAll(dir, 'acme/multi');
  return { dir, folders };
}

/** Runs the built CLI in `dir` (`--yes` plus `args`) and returns its output; throws if it fails. */
export function generate(dir: string, args: string[]): string {
  try {
    return execFileSync(process.execPath, [CLI, '--yes', '--offline', ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`create-multiarch-hooks ${args.join(' ')} failed in ${dir}: ${x.stderr ?? ''}${x.stdout ?? x.message}`, { cause: e });
  }
}

/** The Dockerfile (relative to the hooks' folder) of `arch`'s branch build rule, from the generator's record. */
export function ruleDockerfile(dir: string, arch: string): string {
  const record = JSON.parse(fs.readFileSync(path.join(dir, '.multiarch-hooks.json'), 'utf8')) as {
    buildRules: { arch: string; sourceType: string; dockerfile: string }[];
  };
  const rule = record.buildRules.find((r) => r.arch === arch && r.sourceType === 'Branch');
  if (!rule) throw new Error(`${dir}/.multiarch-hooks.json has no Branch build rule for ${arch}`);
  return rule.dockerfile;
}
