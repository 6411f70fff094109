/**
 * vitest globalSetup: checks the Debian tools, builds the CLI if it is stale, starts ONE shared
 * registry holding the base images and ONE Docker engine (engine.ts) that pulls docker.io images
 * from it, and provides both to the tests:
 *   const host = inject('registry');     // '127.0.0.1:PORT'
 *   const engine = inject('dockerHost'); // 'unix:///tmp/cmh-engine-.../docker.sock'
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBaseImages } from './base-images.js';
import { engineProblems, startEngine } from './engine.js';
import { REPO_ROOT } from './env.js';
import { startRegistry } from './registry.js';

const TOOLS = [
  'docker-registry',
  'buildah',
  'skopeo',
  'umoci',
  'shellcheck',
  'htpasswd',
  'openssl',
  'git',
  'busybox',
  'qemu-aarch64-static',
  'qemu-arm-static',
  'update-binfmts',
];
const HANDLERS = ['qemu-aarch64', 'qemu-arm'];
const FIX = 'run the suite with `npm test` (as root): it installs what the tests need and runs them in the test bed';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, cmd)));
}

export function checkTools(): void {
  const problems = TOOLS.filter((t) => !onPath(t)).map((t) => `${t} is not installed`);
  for (const h of HANDLERS) {
    const file = `/proc/sys/fs/binfmt_misc/${h}`;
    const ok = fs.existsSync(file) && fs.readFileSync(file, 'utf8').startsWith('enabled');
    if (!ok) problems.push(`binfmt handler ${h} is not enabled (${file})`);
  }
  problems.push(...engineProblems());
  if (problems.length) throw new Error(`the test machine is not set up:\n  ${problems.join('\n  ')}\n${FIX}`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * `npm run build` when dist/cli.js is missing or older than src/ (only once src/cli.ts exists).
 * If src/ does not build (others mid-edit), the stale dist/cli.js is removed rather than tested:
 * CLI tests then fail on the missing file, the other tests still run. Returns the build error.
 */
export function buildCliIfStale(): string | undefined {
  const src = path.join(REPO_ROOT, 'src');
  const out = path.join(REPO_ROOT, 'dist/cli.js');
  if (!fs.existsSync(path.join(src, 'cli.ts'))) return undefined;
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestMtime(src)) return undefined;
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    return undefined;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    const message = `npm run build failed, dist/cli.js removed (CLI tests will fail):\n${err.stderr ?? ''}${err.stdout ?? ''}`;
    fs.rmSync(out, { force: true });
    process.stderr.write(`global-setup: ${message}\n`);
    return message;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  checkTools();
  buildCliIfStale();
  const registry = await startRegistry();
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  try {
    await ensureBaseImages(registry.host);
    engine = await startEngine({ mirror: registry.url });
  } catch (e) {
    await engine?.stop();
    await registry.stop();
    throw e;
  }
  project.provide('registry', registry.host);
  project.provide('dockerHost', engine.host);
  const stopEngine = engine.stop;
  return async () => {
    await stopEngine();
    await registry.stop();
  };
}
