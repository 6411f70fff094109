/**
 * Helpers for tests that run hooks or the CLI for real: the environment Docker Hub's builder would
 * give a hook (with the tests' `docker` shim first on PATH), the shim's call log, temp git repos.
 * Every temp dir made here is removed by `cleanupTemps()` (call it in afterAll/afterEach), and
 * at the latest when the worker process exits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { containersEnv } from './containers.js';

/** The folder holding the shim's `docker` script. */
export const SHIM_DIR = fileURLToPath(new URL('./docker-shim', import.meta.url));
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

/** The real docker CLI (client only), never the shim. */
export function realDocker(): string {
  for (const d of [process.env.CMH_REAL_DOCKER, '/usr/local/bin/docker', '/usr/bin/docker']) {
    if (d && fs.existsSync(d) && !fs.realpathSync(d).startsWith(fs.realpathSync(SHIM_DIR))) return d;
  }
  throw new Error('no real docker CLI at /usr/local/bin/docker or /usr/bin/docker: run sudo bash scripts/setup-test-env.sh');
}

export interface ShimEnvOptions {
  /** `127.0.0.1:PORT`: `docker.io/...` pulls go there (FROM busybox, FROM arm64v8/busybox). */
  registryHost: string;
  /** Where the shim logs each call; default `<temp>/docker-calls.log` (see `readShimLog`). */
  logFile?: string;
  /** Opt-in FAKE: `docker run --privileged` writes fake binfmt handler files here. */
  binfmtDir?: string;
  /** Engine version `docker version`/`docker info` claim (default 24.0.7). */
  serverVersion?: string;
  /** Start from this env instead of process.env. */
  base?: NodeJS.ProcessEnv;
  /** Added last; `undefined` removes a variable. */
  extra?: Record<string, string | undefined>;
}

/**
 * The environment to run a hook in: PATH with the shim first, private buildah storage and
 * registries config (under a temp dir), DOCKER_CONFIG pointing at an EMPTY temp dir (like Docker
 * Hub's builder: no config.json), CMH_SHIM_LOG. `env.CMH_SHIM_TMP` is the temp dir.
 */
export function shimEnv(opts: ShimEnvOptions): NodeJS.ProcessEnv {
  const dir = tmpDir('cmh-shim-');
  const base = { ...(opts.base ?? process.env) };
  // Nothing from the machine may steer the tools: auth files, a daemon address, hub build vars.
  for (const k of ['REGISTRY_AUTH_FILE', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKERCFG']) delete base[k];
  const env = containersEnv(path.join(dir, 'containers'), opts.registryHost, base);
  const dockerConfig = path.join(dir, 'docker-config');
  fs.mkdirSync(dockerConfig);
  const logFile = opts.logFile ?? path.join(dir, 'docker-calls.log');
  Object.assign(env, {
    PATH: `${SHIM_DIR}:${base.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    CMH_SHIM_LOG: logFile,
    CMH_SHIM_TMP: dir,
    CMH_REAL_DOCKER: realDocker(),
    DOCKER_CONFIG: dockerConfig,
    TMPDIR: dir,
  });
  if (opts.binfmtDir) env.CMH_SHIM_BINFMT_DIR = opts.binfmtDir;
  if (opts.serverVersion) env.CMH_SHIM_SERVER_VERSION = opts.serverVersion;
  for (const [k, v] of Object.entries(opts.extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The shim's calls so far, one `docker ...` line each (`--password` values masked). */
export function readShimLog(envOrFile: NodeJS.ProcessEnv | string): string[] {
  const file = typeof envOrFile === 'string' ? envOrFile : envOrFile.CMH_SHIM_LOG;
  if (!file) throw new Error('readShimLog: no CMH_SHIM_LOG in that env');
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

/**
 * Reads `file` from image `ref` (pulled from the registry into the env's private storage):
 * `buildah from` + `buildah mount`, so nothing in the image has to run.
 */
export function readImageFile(env: NodeJS.ProcessEnv, ref: string, file: string, opts: { platform?: string } = {}): string {
  const bah = (...args: string[]) =>
    execFileSync('buildah', args, { env: { ...env, DOCKER_CONFIG: undefined }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const ctr = bah('from', '-q', '--tls-verify=false', '--pull=always', ...(opts.platform ? ['--platform', opts.platform] : []), ref);
  try {
    const root = bah('mount', ctr);
    return fs.readFileSync(path.join(root, file), 'utf8');
  } finally {
    bah('rm', ctr);
  }
}
