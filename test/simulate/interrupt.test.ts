import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, REPO_ROOT, hookEnv, tmpDir } from '../support/env.js';
import { handMadeRepo } from './hand-made-repo.js';

/** The driver (simulateCommand in a process of its own) bundled into a temp dir. */
async function bundleDriver(): Promise<string> {
  const outfile = path.join(tmpDir('cmh-sim-driver-'), 'driver.mjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'test/simulate/fixtures/driver.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

async function waitForFile(file: string, ms: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim()) return;
    if (!alive()) throw new Error(`the driver exited before ${file} appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${file}`);
}

/** Running (a zombie waiting to be reaped has ended: it holds no resources and does nothing). */
function isAlive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

afterAll(() => cleanupTemps());

describe('Ctrl-C', () => {
  it('stops the running build with its whole process group, stops the registry it started, and says what was left', async () => {
    const marks = tmpDir('cmh-sim-marks-');
    // arm64v8's pre_build starts a long child and waits: Ctrl-C must end both.
    const preBuild = `#!/bin/bash
if [ "$DOCKER_TAG" = arm64v8 ]; then
  sleep 300 &
  echo $! > "$MARKS/sleep.pid"
  wait
fi
`;
    const { dir } = handMadeRepo({
      repository: 'acme/interrupted',
      arches: ['amd64', 'arm64v8'],
      hooks: { pre_build: { content: preBuild, mode: 0o755 } },
    });
    const env = hookEnv({ extra: { MARKS: marks } });
    const driver = await bundleDriver();
    const logDir = path.join(tmpDir('cmh-sim-logs-'), 'logs');
    const opts = { dir, startRegistry: true, order: 'sequential', push: false, logDir, env };
    const child = spawn(process.execPath, [driver, JSON.stringify(opts)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    await waitForFile(path.join(marks, 'sleep.pid'), 120_000, () => child.exitCode === null);
    const sleepPid = Number(fs.readFileSync(path.join(marks, 'sleep.pid'), 'utf8'));
    expect(isAlive(sleepPid)).toBe(true);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    const diag = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    if (process.env.CMH_SHOW) console.log(diag);
    expect(code, diag).toBe(130);

    expect(stderr).toContain('SIGINT: stopping the running builds');
    expect(stdout).toMatch(/^Branch main\s+amd64\s+amd64\s+passed\s+\S+s$/m);
    expect(stdout).toMatch(/^Branch main\s+arm64v8\s+arm64v8\s+interrupted\s+\S+s\s+pre_build \(exit SIGTERM\)$/m);
    const host = /Started docker-registry on (127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(host, diag).toBeDefined();
    expect(stdout).toContain(`Left in ${host}/acme/interrupted:`);
    expect(stdout).toContain('  arch tag amd64: pushed by this run');
    expect(stdout).toContain('  arch tag arm64v8: absent');
    expect(stdout).toContain('  list latest: not published');
    expect(stdout).not.toContain('verify ');

    // The hook's child is gone too, and so is the registry started for the run.
    expect(isAlive(sleepPid)).toBe(false);
    const up = await fetch(`http://${host}/v2/`).then(
      () => true,
      () => false,
    );
    expect(up).toBe(false);
    expect(fs.readFileSync(path.join(logDir, 'arm64v8.log'), 'utf8')).toContain('==> pre_build: interrupted (exit SIGTERM)');
  }, 240_000);
});
