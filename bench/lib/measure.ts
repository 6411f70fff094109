/**
 * Whole-process measurements: wall time from spawn to exit (hrtime) and peak resident memory
 * (GNU time's %M: the largest RSS of the process or any child it waited for), plus the summary
 * (median, min, max) of several runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Timed {
  seconds: number;
  maxRssKb: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Throw (with the output) when the command exits non-zero. Default true. */
  check?: boolean;
}

/** Runs `cmd args` under GNU time, stdin closed; kills it after `timeoutMs` (default 5 min). */
export function timed(cmd: string, args: readonly string[], opts: TimedOptions = {}): Promise<Timed> {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-bench-time-')), 'rss');
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    let seconds = 0;
    child.on('exit', () => {
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rssText = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
      fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
      // GNU time writes "Command exited with non-zero status N" before the figure.
      const maxRssKb = Number(rssText.trim().split('\n').pop());
      const result = { seconds, maxRssKb, code: code ?? -1, stdout, stderr };
      if ((opts.check ?? true) && (code !== 0 || signal)) {
        const where = opts.cwd ? ` (in ${opts.cwd})` : '';
        reject(
          new Error(
            `${cmd} ${args.join(' ')}${where} ${signal ? `killed by ${signal}` : `exited ${code}`}\n${tail(stderr)}${tail(stdout)}`,
          ),
        );
        return;
      }
      resolve(result);
    });
  });
}

function tail(s: string, n = 3000): string {
  return s.length > n ? `...${s.slice(-n)}` : s;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  samples: number[];
}

export function stat(samples: number[]): Stat {
  if (samples.length === 0) throw new Error('stat: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length, samples };
}

/**
 * `warmups` unrecorded runs, then `runs` recorded ones. `prepare` (untimed) makes what one run
 * needs (a fresh repo, an empty cache) and `once` performs the timed part.
 */
export async function repeat<P, R>(
  runs: number,
  warmups: number,
  prepare: (i: number) => Promise<P> | P,
  once: (p: P, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    const p = await prepare(i);
    const r = await once(p, i);
    if (i >= warmups) out.push(r);
  }
  return out;
}
