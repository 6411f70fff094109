import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { simulateCommand, type SimulateOptions } from '../../src/simulate/index.js';
import { cleanupTemps, shimEnv, tmpDir, tmpGitRepo } from '../support/env.js';
import { handMadeRepo } from './hand-made-repo.js';

afterAll(() => cleanupTemps());

function opts(over: Partial<SimulateOptions>): SimulateOptions & { lines: string[] } {
  const lines: string[] = [];
  return { dir: '.', order: 'sequential', push: false, out: (s) => lines.push(s), err: (s) => lines.push(s), lines, ...over };
}

async function refusal(o: SimulateOptions): Promise<UserError> {
  try {
    await simulateCommand(o);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('simulate refuses, before running anything', () => {
  it('a folder without .multiarch-hooks.json: run the generator first (exit 2)', async () => {
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM busybox\n' });
    const e = await refusal(opts({ dir, registry: '127.0.0.1:5000' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('run npx create-multiarch-hooks first');
  });

  it('no target, two targets, a registry with a scheme, --tag with --source-branch (exit 2)', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/x', arches: ['amd64'] });
    const cases: [Partial<SimulateOptions>, string][] = [
      [{}, '--registry HOST:PORT, --start-registry'],
      [{ registry: '127.0.0.1:5000', push: true }, 'only one of'],
      [{ registry: 'http://127.0.0.1:5000' }, 'is not HOST:PORT'],
      [{ registry: '127.0.0.1:5000', tag: 'v1', sourceBranch: 'main' }, 'not both'],
      [{ registry: '127.0.0.1:5000', keepRegistry: true }, 'only goes with --start-registry'],
      [{ registry: '127.0.0.1:5000', sourceBranch: 'dev' }, 'No build rule matches the branch dev'],
      [{ registry: '127.0.0.1:5000', order: 'random' as never }, 'is not one of sequential, parallel, reverse'],
    ];
    for (const [over, msg] of cases) {
      const e = await refusal(opts({ dir, ...over }));
      expect(e.message, JSON.stringify(over)).toContain(msg);
      expect(e.exitCode).toBe(2);
    }
  });

  it('--start-registry without docker-registry on PATH says how to get it', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/x', arches: ['amd64'] });
    const tmp = tmpDir('cmh-empty-path-');
    const e = await refusal(opts({ dir, startRegistry: true, logDir: path.join(tmp, 'logs'), env: { ...process.env, PATH: tmp } }));
    expect(e.message).toContain('apt-get install docker-registry');
    // Refused before it made anything (no log folder).
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('a per-arch Dockerfile that is gone: regenerate (exit 2)', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/x', arches: ['amd64', 'arm64v8'] });
    fs.rmSync(path.join(dir, 'Dockerfile.arm64v8'));
    const e = await refusal(opts({ dir, registry: '127.0.0.1:5000' }));
    expect(e.message).toMatch(/Dockerfile\.arm64v8, which does not exist; run npx create-multiarch-hooks/);
  });
});

describe('hooks Docker Hub would not run', () => {
  it('a CRLF hook fails its phase as on Docker Hub, and the rule stops there', async () => {
    const { dir } = handMadeRepo({
      repository: 'acme/crlf',
      arches: ['amd64'],
      hooks: { pre_build: { content: '#!/bin/bash\r\necho hi\r\n', mode: 0o755 } },
    });
    const host = inject('registry');
    const o = opts({ dir, registry: host, env: shimEnv({ registryHost: host }), logDir: path.join(tmpDir('cmh-sim-logs-'), 'l') });
    expect(await simulateCommand(o)).toBe(1);
    const out = o.lines.join('\n');
    expect(out).toMatch(/^Branch main\s+amd64\s+amd64\s+failed\s+\S+\s+pre_build \(exit not run\)$/m);
    expect(out).toContain('OSError: [Errno 2] No such file or directory');
    expect(out).toContain('verify 127.0.0.1');
    expect(out).toContain('skipped, no build of this list passed');
    expect(fs.readFileSync(path.join(o.logDir!, 'amd64.log'), 'utf8')).not.toContain('==> build');
  });

  it('without a docker command the default build fails with "command not found" (exit 127)', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/nodocker', arches: ['amd64'] });
    const host = inject('registry');
    const o = opts({ dir, registry: host, env: { ...shimEnv({ registryHost: host }), PATH: tmpDir('cmh-empty-path-') }, logDir: path.join(tmpDir('cmh-sim-logs-'), 'l') });
    expect(await simulateCommand(o)).toBe(1);
    expect(o.lines.join('\n')).toMatch(/^Branch main\s+amd64\s+amd64\s+failed\s+\S+\s+build \(exit 127\)$/m);
    expect(fs.readFileSync(path.join(o.logDir!, 'amd64.log'), 'utf8')).toContain('docker: command not found');
  });
});
