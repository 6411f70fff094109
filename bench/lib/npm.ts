/** npm environments and package facts. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * process.env without what `npm run bench` adds (npm_config_*, npm_lifecycle_*, ...), so the
 * commands measured see the environment a user's shell would give them.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE') env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * What a first-time `npx` user has: an empty npm cache (`cacheDir`), the loopback registry,
 * and no user config (a temp file given by `userconfig`; the machine's npmrc may say `yes=false`
 * or point elsewhere). `npx --yes` is passed by the caller.
 */
export function coldNpxEnv(cacheDir: string, registry: string, userconfig: string): NodeJS.ProcessEnv {
  return npmEnv({
    npm_config_cache: cacheDir,
    npm_config_registry: registry,
    npm_config_userconfig: userconfig,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'warn',
  });
}

/** Packages `npx` installed into a cache: the entries of its hidden lockfile(s). */
export function npxPackages(cacheDir: string): { count: number; names: string[]; bytes: number } {
  const npxDir = path.join(cacheDir, '_npx');
  const names: string[] = [];
  let bytes = 0;
  for (const d of fs.existsSync(npxDir) ? fs.readdirSync(npxDir) : []) {
    const lock = path.join(npxDir, d, 'node_modules/.package-lock.json');
    if (!fs.existsSync(lock)) continue;
    const pkgs = (JSON.parse(fs.readFileSync(lock, 'utf8')) as { packages: Record<string, unknown> }).packages;
    names.push(...Object.keys(pkgs).map((k) => k.replace(/^(.*\/)?node_modules\//, '')));
    bytes += du(path.join(npxDir, d, 'node_modules'));
  }
  return { count: names.length, names, bytes };
}

/** Bytes of the files under `dir` (apparent sizes). */
export function du(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

export interface PackInfo {
  filename: string;
  /** Tarball bytes. */
  size: number;
  unpackedSize: number;
  entryCount: number;
}

/** Parses `npm pack --json` output (npm prints an array with one entry per package). */
export function parsePack(stdout: string): PackInfo {
  // Lifecycle scripts (prepack) may print before the JSON.
  const start = stdout.indexOf('[\n');
  const list = JSON.parse(stdout.slice(start >= 0 ? start : 0)) as PackInfo[];
  if (!list[0]) throw new Error(`npm pack --json printed no package: ${stdout.slice(0, 500)}`);
  return list[0];
}
