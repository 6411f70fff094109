import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { simulateCommand } from '../../src/simulate/index.js';
import { cleanupTemps, hookEnv, tmpDir } from '../support/env.js';
import { handMadeRepo } from './hand-made-repo.js';

afterAll(() => cleanupTemps());

describe('progress and the end of a run', () => {
  it("says every so often what is still running, and shows the tail of a failing rule's log", async () => {
    const { dir } = handMadeRepo({
      repository: 'acme/slow',
      arches: ['amd64'],
      hooks: {
        pre_build: { content: '#!/bin/bash\necho "checking the weather"\nsleep 1.5\necho "too cloudy" >&2\nexit 4\n', mode: 0o755 },
      },
    });
    const host = inject('registry');
    const out: string[] = [];
    const err: string[] = [];
    const code = await simulateCommand({
      dir,
      registry: host,
      order: 'sequential',
      push: false,
      heartbeatSeconds: 0.3,
      logDir: path.join(tmpDir('cmh-sim-logs-'), 'l'),
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: hookEnv(),
    });
    expect(code).toBe(1);
    expect(
      out.some((l) => /^\+\s*[\d.]+s {2}still running: amd64 pre_build [\d.]+s$/.test(l)),
      out.join('\n'),
    ).toBe(true);
    expect(out).toContainEqual(expect.stringMatching(/^\+\s*[\d.]+s {2}amd64 {2}pre_build: failed \(exit 4\) in [\d.]+s$/));
    const tail = err.join('\n');
    expect(tail).toContain('checking the weather');
    expect(tail).toContain('too cloudy');
  });

  it('--keep-registry leaves the started registry running with what was pushed, and says how to stop it', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/kept', arches: ['amd64'] });
    const out: string[] = [];
    const code = await simulateCommand({
      dir,
      startRegistry: true,
      keepRegistry: true,
      order: 'sequential',
      push: false,
      logDir: path.join(tmpDir('cmh-sim-logs-'), 'l'),
      out: (s) => out.push(s),
      err: (s) => out.push(s),
      env: hookEnv(),
    });
    const text = out.join('\n');
    // One arch and no hooks: the image is pushed, no list is published, so verify fails.
    expect(code, text).toBe(1);
    const m = /The registry keeps running on (127\.0\.0\.1:\d+) \(pid (\d+), data in (\S+)\); stop it with: kill (\d+)/.exec(text);
    expect(m, text).not.toBeNull();
    const [, host, pid, data] = m!;
    try {
      const r = await fetch(`http://${host}/v2/acme/kept/tags/list`);
      expect(await r.json()).toEqual({ name: 'acme/kept', tags: ['amd64'] });
    } finally {
      process.kill(Number(pid), 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (
        Date.now() < deadline &&
        (await fetch(`http://${host}/v2/`).then(
          () => true,
          () => false,
        ))
      )
        await new Promise((r) => setTimeout(r, 100));
      fs.rmSync(data!, { recursive: true, force: true });
    }
  });
});
