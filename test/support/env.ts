/**
 * Helpers for tests that run hooks or the CLI for real: the environment Docker Hub's builder would
 * give a hook (the test bed's real docker CLI and engine, behind a spy that logs each call), temp
 * git repos, reading files out of images. Every temp dir made here is removed by `cleanupTemps()`
 * (call it in afterAll/afterEach), and at the latest when the worker process exits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { DOCKER_CLI } from './engine.js';

// What global-setup.ts provides to every test file.
declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:PORT` of the shared registry (base images in it; see base-images.ts). */
    registry: string;
    /** DOCKER_HOST of the test bed's engine. */
    dockerHost: string;
  }
}

/** The folder holding the spy's `docker` (logs the call, runs the real CLI). */
export const SPY_DIR = fileURLToPath(new URL('./docker-spy', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const temps = new Set<string>();
process.once('exit', () => cleanupTemps());

/** A temp dir that `cleanupTemps()` removes. */
export function tmpDir(prefix = 'cmh-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.add(dir);
  return dir;
}

export function cleanupTemps(): void {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  temps.clear();
}

/** The test bed's docker CLI (26.1, the engine's own), never the spy. */
export function realDocker(): string {
  return DOCKER_CLI;
}

/** The test bed engine's `unix://` address (started by global-setup.ts; by the bench outside vitest). */
export function dockerHost(): string {
  return process.env.CMH_DOCKER_HOST || inject('dockerHost');
}

export interface HookEnvOptions {
  /** Where the spy logs each call; default `<temp>/docker-calls.log` (see `readDockerLog`). */
  logFile?: string;
  /** Start from this env instead of process.env. */
  base?: NodeJS.ProcessEnv;
  /** Added last; `undefined` removes a variable. */
  extra?: Record<string, string | undefined>;
}

/**
 * The environment to run a hook in: PATH with the spy first, DOCKER_HOST on the test bed's
 * engine, DOCKER_CONFIG pointing at an EMPTY temp dir (like Docker Hub's builder: no
 * config.json), TMPDIR in that temp dir (`env.CMH_HOOK_TMP`).
 */
export function hookEnv(opts: HookEnvOptions = {}): NodeJS.ProcessEnv {
  const dir = tmpDir('cmh-hook-');
  const base = { ...(opts.base ?? process.env) };
  // Nothing from the machine may steer the tools: auth files, a daemon address, hub build vars.
  for (const k of [
    'REGISTRY_AUTH_FILE',
    'DOCKER_HOST',
    'DOCKER_CONTEXT',
    'DOCKER_CONFIG',
    'DOCKERCFG',
    'DOCKER_BUILDKIT',
    'BUILDX_BUILDER',
  ])
    delete base[k];
  const dockerConfig = path.join(dir, 'docker-config');
  fs.mkdirSync(dockerConfig);
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${SPY_DIR}:${path.dirname(DOCKER_CLI)}:${base.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    CMH_DOCKER_LOG: opts.logFile ?? path.join(dir, 'docker-calls.log'),
    CMH_DOCKER_CLI: DOCKER_CLI,
    CMH_HOOK_TMP: dir,
    DOCKER_HOST: dockerHost(),
    DOCKER_CONFIG: dockerConfig,
    TMPDIR: dir,
  };
  for (const [k, v] of Object.entries(opts.extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The docker calls so far, one `docker ...` line each (login passwords masked). */
export function readDockerLog(envOrFile: NodeJS.ProcessEnv | string): string[] {
  const file = typeof envOrFile === 'string' ? envOrFile : envOrFile.CMH_DOCKER_LOG;
  if (!file) throw new Error('readDockerLog: no CMH_DOCKER_LOG in that env');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

export interface HubBuildEnvOptions {
  registryHost: string;
  /** `user/repo` */
  repo: string;
  /** The build rule's Docker tag, e.g. `arm64v8` or `1.2-arm64v8`. */
  tag: string;
  /** Relative to the build context, e.g. `Dockerfile.arm64v8`. */
  dockerfilePath: string;
  sourceBranch?: string;
  sourceCommit: string;
  commitMsg?: string;
}

/** The variables Docker Hub sets for a hook, with DOCKER_REPO on the local registry. */
export function hubBuildEnv(o: HubBuildEnvOptions): Record<string, string> {
  const repo = `${o.registryHost}/${o.repo}`;
  return {
    SOURCE_BRANCH: o.sourceBranch ?? 'main',
    SOURCE_COMMIT: o.sourceCommit,
    COMMIT_MSG: o.commitMsg ?? 'test commit',
    DOCKER_REPO: repo,
    DOCKER_TAG: o.tag,
    DOCKERFILE_PATH: o.dockerfilePath,
    IMAGE_NAME: `${repo}:${o.tag}`,
    CACHE_TAG: '',
  };
}

export type RepoFile = string | { content: string; mode?: number };

/**
 * A temp git repo holding `files` (path -> content, or content and mode, e.g. 0o755), committed
 * once on branch main. Returns its dir and the commit's sha.
 */
export function tmpGitRepo(files: Record<string, RepoFile>, opts: { message?: string } = {}): { dir: string; sha: string } {
  const dir = tmpDir('cmh-repo-');
  for (const [rel, f] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { content, mode } = typeof f === 'string' ? { content: f, mode: undefined } : f;
    fs.writeFileSync(file, content);
    if (mode !== undefined) fs.chmodSync(file, mode);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=cmh test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', opts.message ?? 'test repo');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

/** `os/arch[/variant]` of the image config `ref` names (for a list: the engine's own platform's). */
export function configPlatform(ref: string): string {
  const cfg = JSON.parse(
    execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { os: string; architecture: string; variant?: string };
  return [cfg.os, cfg.architecture, cfg.variant].filter(Boolean).join('/');
}

/**
 * Reads `file` from image `ref` with the test bed's engine: pulled (`--platform` picks one entry
 * of a list), `docker create` + `docker cp` to a temp file, so nothing in the image has to run.
 */
export function readImageFile(env: NodeJS.ProcessEnv, ref: string, file: string, opts: { platform?: string } = {}): string {
  const dk = (...args: string[]) =>
    execFileSync(DOCKER_CLI, args, {
      env: { ...env, DOCKER_HOST: dockerHost() },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  // docker pulls the engine's own platform unless told: a single-arch image is read as what its
  // config says it is.
  const platform = ['--platform', opts.platform ?? configPlatform(ref)];
  dk('pull', '-q', ...platform, ref);
  const ctr = dk('create', ...platform, ref, 'x').trim();
  const out = path.join(tmpDir('cmh-cp-'), 'file');
  try {
    dk('cp', '-L', `${ctr}:${file}`, out);
    return fs.readFileSync(out, 'utf8');
  } finally {
    dk('rm', ctr);
  }
}
