import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { simulateCommand, type SimulateOptions } from '../../src/simulate/index.js';
import { cleanupTemps, hookEnv, tmpDir, tmpGitRepo } from '../support/env.js';
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
    expect(e.message).toMatch(
      /Dockerfile\.arm64v8, which does not exist; regenerate the files with npx create-multiarch-hooks --dockerfile \S+\/Dockerfile\.$/,
    );
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
    const o = opts({ dir, registry: host, env: hookEnv(), logDir: path.join(tmpDir('cmh-sim-logs-'), 'l') });
    expect(await simulateCommand(o)).toBe(1);
    const out = o.lines.join('\n');
    expect(out).toMatch(/^Branch main\s+amd64\s+amd64\s+failed\s+\S+\s+pre_build \(exit not run\)$/m);
    expect(out).toContain('OSError: [Errno 2] No such file or directory');
    expect(out).toContain('verify 127.0.0.1');
    expect(out).toContain('skipped, no build of this list passed');
    expect(fs.readFileSync(path.join(o.logDir!, 'amd64.log'), 'utf8')).not.toContain('==> build');
  });

  it('a hook that is not executable fails its phase, naming the fix', async () => {
    const { dir } = handMadeRepo({
      repository: 'acme/noexec',
      arches: ['amd64'],
      hooks: { pre_build: { content: '#!/bin/bash\necho hi\n', mode: 0o644 } },
    });
    const host = inject('registry');
    const o = opts({ dir, registry: host, env: hookEnv(), logDir: path.join(tmpDir('cmh-sim-logs-'), 'l') });
    expect(await simulateCommand(o)).toBe(1);
    expect(o.lines.join('\n')).toMatch(/^Branch main\s+amd64\s+amd64\s+failed\s+\S+\s+pre_build \(exit not run\)$/m);
    expect(fs.readFileSync(path.join(o.logDir!, 'amd64.log'), 'utf8')).toContain(
      'pre_build is not executable, so it cannot be run as a hook; run chmod +x on it',
    );
  });

  it('hooks run as the files they are (their shebang), and one pre_build at a time when the rules run in parallel', async () => {
    const marks = tmpDir('cmh-turns-');
    // Not bash: simulate must execute the file, as Docker Hub does, not hand it to bash.
    const preBuild =
      `#!/bin/sh\nset -e\n[ -z "\${BASH_VERSION:-}" ] || { echo "run by bash, not by its shebang" >&2; ` +
      `exit 9; }\necho "start $DOCKER_TAG $(date +%s%N)" >>'${marks}/log'\nsleep 1\necho "end ` +
      `$DOCKER_TAG $(date +%s%N)" >>'${marks}/log'\n`;
    const { dir } = handMadeRepo({
      repository: 'acme/turns',
      arches: ['amd64', 'arm32v7', 'arm64v8'],
      hooks: { pre_build: { content: preBuild, mode: 0o755 } },
    });
    const host = inject('registry');
    const o = opts({ dir, registry: host, order: 'parallel', env: hookEnv(), logDir: path.join(tmpDir('cmh-sim-logs-'), 'l') });
    await simulateCommand(o);
    const events = fs
      .readFileSync(path.join(marks, 'log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    expect(events).toHaveLength(6);
    // start, end, start, end, ...: never two pre_build at once, each ending before the next starts.
    expect(events.map((e) => e[0])).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    for (let i = 0; i < 6; i += 2) expect(events[i]![1]).toBe(events[i + 1]![1]);
    expect(new Set(events.map((e) => e[1]))).toEqual(new Set(['amd64', 'arm32v7', 'arm64v8']));
  });

  it('without a docker command no rule runs: one sentence saying so (see also engine.test.ts)', async () => {
    const { dir } = handMadeRepo({ repository: 'acme/nodocker', arches: ['amd64'] });
    const host = inject('registry');
    const o = opts({
      dir,
      registry: host,
      env: { ...hookEnv(), PATH: tmpDir('cmh-empty-path-') },
      logDir: path.join(tmpDir('cmh-sim-logs-'), 'l'),
    });
    const e = await refusal(o);
    expect(e.message).toBe(
      'simulate runs the builds with docker, which is not installed here (not on PATH); install Docker and run simulate again.',
    );
    expect(o.lines).toEqual([]);
    expect(fs.existsSync(o.logDir!)).toBe(false);
  });
});
