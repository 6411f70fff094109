// Ctrl-C or kill while the generator writes (issue 15, item 1): the built CLI on 30 Dockerfiles,
// sent a real signal at many moments after its plan lines appear. Whatever the moment, the repo is
// either exactly as it was (and the run says "Cancelled; nothing was written") or completely
// generated: never half-written, no hidden temp file, no new folder, the git index as it was.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, git, removeDir, tempGitRepo, treeState } from './run-cli.js';

const COUNT = 30;
const ARGS = [
  '--yes',
  '--offline',
  '--repo',
  'jane/{dir}',
  ...Array.from({ length: COUNT }, (_, i) => ['--dockerfile', `d${i}/Dockerfile`]).flat(),
];
const dirs: string[] = [];
let template = '';
let before: Record<string, string>;
let done: Record<string, string>;

function copyOfTemplate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cmh-signal-'));
  dirs.push(dir);
  cpSync(template, dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  template = tempGitRepo();
  dirs.push(template);
  for (let i = 0; i < COUNT; i++) {
    mkdirSync(join(template, `d${i}`));
    writeFileSync(join(template, `d${i}`, 'Dockerfile'), 'FROM alpine:3.20\n');
  }
  // One Dockerfile already generated and then edited, so a run replaces files (--force, .bak copies).
  const r = spawnSync(process.execPath, [CLI, '--yes', '--offline', '--repo', 'jane/d0', '--dockerfile', 'd0/Dockerfile'], {
    cwd: template,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(join(template, 'd0', 'hooks', 'build'), '#!/bin/bash\necho mine\n');
  git(template, ['add', '-A']);
  git(template, ['commit', '-qm', 'Dockerfiles']);
  git(template, ['update-index', '--chmod=-x', 'd0/hooks/pre_build']);
  before = treeState(template);
  const full = copyOfTemplate();
  const run = spawnSync(process.execPath, [CLI, ...ARGS, '--force'], { cwd: full, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  done = treeState(full);
  expect(done).not.toEqual(before);
});
afterAll(() => dirs.forEach(removeDir));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI in `dir` and sends `signal` `delayMs` after its first line of output (the plan). */
function interrupted(dir: string, signal: NodeJS.Signals, delayMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...ARGS, '--force'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stdout.on('data', () => {
      if (sent) return;
      sent = true;
      setTimeout(() => child.kill(signal), delayMs);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stderr }));
  });
}

describe('a signal while the generator writes', () => {
  it.each([
    { signal: 'SIGINT' as const, code: 130 },
    { signal: 'SIGTERM' as const, code: 143 },
  ])('$signal at many moments: the repo is as it was (and the run says so) or complete, never half-written', async ({ signal, code }) => {
    const seen = { cancelled: 0, before: 0, complete: 0 };
    for (const delayMs of [0, 2, 5, 10, 20, 35, 60, 100, 160]) {
      const dir = copyOfTemplate();
      const r = await interrupted(dir, signal, delayMs);
      const now = treeState(dir);
      const what = `${signal} ${delayMs} ms after the plan: exit ${r.code ?? r.signal}, ${r.stderr}`;
      if (r.code === code) {
        expect(r.stderr.trim(), what).toMatch(
          /^error: Cancelled; nothing was written( \(the \d+ files it had replaced are put back\))?\.$/,
        );
        expect(now, what).toEqual(before);
        seen.cancelled++;
      } else if (JSON.stringify(now) === JSON.stringify(before)) {
        // Killed before the writer started: nothing to undo.
        expect(r.signal, what).toBe(signal);
        seen.before++;
      } else {
        // The signal came after the run was committed.
        expect(now, what).toEqual(done);
        seen.complete++;
      }
    }
    // The moments must have hit the writer, or this test proves nothing.
    expect(seen.cancelled, JSON.stringify(seen)).toBeGreaterThan(2);
  });
});
