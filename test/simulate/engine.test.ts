/**
 * simulate without a Docker engine: asked once before any rule runs, one sentence, no rule run.
 * Runs the built CLI with a PATH of its own: git, and (second case) the real docker CLI pointed at
 * a socket where no engine listens.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, repoWith, ROOT, runCli } from '../cli/run-cli.js';

const made: string[] = [];
afterAll(() => made.forEach(removeDir));

/** The first executable `name` on PATH that is not the tests' docker stand-in. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.startsWith(join(ROOT, 'test'))) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A folder holding only links to `tools`, for PATH. */
function pathOf(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cmh-path-'));
  made.push(dir);
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(dir, name));
  return dir;
}

function generatedRepo(): string {
  const dir = repoWith({ Dockerfile: 'FROM busybox\nRUN true\n' }, { made });
  const r = runCli(dir, ['--yes', '--repo', 'acme/engine']);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('simulate checks the Docker engine once, before any rule', () => {
  it('docker not installed: one sentence, exit 1, nothing run', () => {
    const dir = generatedRepo();
    const r = runCli(dir, ['simulate', '--registry', '127.0.0.1:1', '--order', 'parallel'], {
      env: { PATH: pathOf({ git: onPath('git')! }) },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: simulate runs the builds with docker, which is not installed here (not on PATH); install Docker and run simulate again.\n',
    );
    expect(r.stdout).toBe('');
  });

  it('no engine behind the docker CLI: one sentence naming where it looked, exit 1, nothing run', () => {
    const docker = onPath('docker');
    expect(docker, 'the docker CLI is needed for this test').toBeDefined();
    const dir = generatedRepo();
    const sock = join(tmpdir(), `cmh-no-engine-${process.pid}.sock`);
    const r = runCli(dir, ['simulate', '--registry', '127.0.0.1:1', '--order', 'parallel'], {
      env: { PATH: pathOf({ git: onPath('git')!, docker: docker! }), DOCKER_HOST: `unix://${sock}` },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: No Docker engine answers at DOCKER_HOST=unix://${sock} \\(.+\\); start it \\(or point ` +
          `DOCKER_HOST at one\\) and run simulate again\\.\\n$`,
      ),
    );
    expect(r.stdout).toBe('');
  });
});
