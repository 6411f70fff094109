/**
 * One build rule as Docker Hub's builder runs it: the hooks in their order, the default command
 * for `build`/`push` where the repo has no override; a hook is executed as the file it is (shebang,
 * mode), as Docker Hub does; output goes into the rule's log.
 * A non-zero exit stops the rule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RuleRun } from './rules.js';

export const PHASES = [
  'post_checkout',
  'pre_build',
  'build',
  'post_build',
  'pre_test',
  'test',
  'post_test',
  'pre_push',
  'push',
  'post_push',
] as const;
export type PhaseName = (typeof PHASES)[number];

/** The builder's own command where a phase has no hook; `test` has none (autotest is not simulated). */
const DEFAULTS: Partial<Record<PhaseName, (env: NodeJS.ProcessEnv) => string[]>> = {
  build: (env) => ['docker', 'build', '-f', env.DOCKERFILE_PATH!, '-t', env.IMAGE_NAME!, '.'],
  push: (env) => ['docker', 'push', env.IMAGE_NAME!],
};

export type PhaseStatus = 'ok' | 'failed' | 'interrupted';
export interface PhaseResult {
  phase: PhaseName;
  /** `hooks/pre_build` or the default command. */
  how: string;
  status: PhaseStatus;
  /** Exit status, or the signal that ended it, or a reason it could not start. */
  exit?: number | string;
  durationMs: number;
}

export type RuleStatus = 'passed' | 'failed' | 'interrupted' | 'not run';
export interface RuleResult {
  run: RuleRun;
  status: RuleStatus;
  durationMs: number;
  failingPhase?: PhaseName;
  exit?: number | string;
  phases: PhaseResult[];
  logFile: string;
}

/** Running children, so Ctrl-C can stop every build's whole process group. */
export class ProcessGroups {
  stopping = false;
  private readonly children = new Set<ChildProcess>();

  add(child: ChildProcess): void {
    this.children.add(child);
    // A command that cannot start (ENOENT) emits 'error' and never 'exit'.
    child.once('exit', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
  }

  get running(): number {
    return this.children.size;
  }

  /**
   * SIGTERM to each process group, SIGKILL to what is left after `graceMs`. Resolves when every
   * member of every group is gone, not only the hooks themselves: a straggling `docker push` must
   * not still be writing to the registry when the report says what is in it.
   */
  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const groups = [...this.children].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
    for (const g of groups) signalGroup(g, 'SIGTERM');
    const anyLeft = () => groups.some((g) => signalGroup(g, 0));
    const soft = Date.now() + graceMs;
    while (anyLeft() && Date.now() < soft) await sleep(50);
    for (const g of groups) signalGroup(g, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (anyLeft() && Date.now() < hard) await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signals a whole process group; false when it has no member left. Signal 0 only asks. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

export interface RuleContext {
  run: RuleRun;
  env: NodeJS.ProcessEnv;
  /** The Dockerfile's folder: where Docker Hub runs hooks. */
  hookDir: string;
  /** The build context, where the default build runs (`.` in its command). */
  contextDir: string;
  logFile: string;
  groups: ProcessGroups;
  /** Shared by the rules of one run: pre_build runs in turns. */
  preBuildTurns: Turns;
  onPhase: (phase: PhaseName, event: 'start' | 'end', result?: PhaseResult) => void;
}

function runCommand(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  groups: ProcessGroups,
): Promise<{ exit: number | string }> {
  return new Promise((resolve) => {
    const fd = fs.openSync(logFile, 'a');
    // detached: its own process group, so Ctrl-C on our terminal does not reach it directly and
    // stopAll() can end the hook together with everything it started. shelljs.exec can do neither
    // (nor a log file as stdout), and would pass the command through a shell.
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    groups.add(child);
    child.once('error', (e: NodeJS.ErrnoException) => {
      fs.appendFileSync(logFile, `${argv[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
      resolve({ exit: e.code === 'ENOENT' ? 127 : (e.code ?? 'error') });
    });
    child.once('exit', (code, signal) => resolve({ exit: code ?? signal ?? 'unknown' }));
  });
}

/** What Docker Hub's builder would refuse before running a hook (it executes the file itself). */
function hookProblem(file: string): string | undefined {
  const head = fs.readFileSync(file).subarray(0, 256).toString('latin1');
  const firstLine = head.split('\n')[0]!;
  if (firstLine.endsWith('\r')) {
    return (
      `${path.basename(file)} has CRLF line endings: Docker Hub fails it with "OSError: [Errno 2] No ` +
      `such file or directory"; convert it to LF line endings.`
    );
  }
  if ((fs.statSync(file).mode & 0o111) === 0) {
    return (
      `${path.basename(file)} is not executable, so it cannot be run as a hook; run chmod +x on it and ` +
      `git update-index --chmod=+x so the commit has mode 100755.`
    );
  }
  return undefined;
}

/**
 * Lets one caller at a time through. On Docker Hub each rule has a builder of its own; here all
 * rules share one kernel's binfmt_misc, and a pre_build that registers QEMU (`--reset`) removes
 * every handler for a moment: run one pre_build at a time, and the later ones find QEMU there.
 */
export class Turns {
  private last: Promise<void> = Promise.resolve();

  async take(): Promise<() => void> {
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const before = this.last;
    this.last = before.then(() => mine);
    await before;
    return done;
  }
}

export async function runRule(ctx: RuleContext): Promise<RuleResult> {
  const started = Date.now();
  const phases: PhaseResult[] = [];
  const log = (s: string) => fs.appendFileSync(ctx.logFile, s);
  log(
    `# ${ctx.run.label} -> ${ctx.env.IMAGE_NAME}\n# SOURCE_BRANCH=${ctx.env.SOURCE_BRANCH} ` +
      `SOURCE_COMMIT=${ctx.env.SOURCE_COMMIT} DOCKERFILE_PATH=${ctx.env.DOCKERFILE_PATH}\n`,
  );
  const done = (status: RuleStatus, failingPhase?: PhaseName, exit?: number | string): RuleResult => ({
    run: ctx.run,
    status,
    durationMs: Date.now() - started,
    failingPhase,
    exit,
    phases,
    logFile: ctx.logFile,
  });

  for (const phase of PHASES) {
    const hook = path.join(ctx.hookDir, 'hooks', phase);
    const hasHook = fs.existsSync(hook) && fs.statSync(hook).isFile();
    const fallback = DEFAULTS[phase];
    if (!hasHook && !fallback) continue;
    if (ctx.groups.stopping) return done('interrupted', phase);
    const how = hasHook ? `hooks/${phase}` : fallback!(ctx.env).join(' ');
    ctx.onPhase(phase, 'start');
    const t0 = Date.now();
    log(`\n==> ${phase}: ${how}\n`);
    let exit: number | string;
    const problem = hasHook ? hookProblem(hook) : undefined;
    if (problem) {
      log(`${problem}\n`);
      exit = 'not run';
    } else if (hasHook) {
      const release = phase === 'pre_build' ? await ctx.preBuildTurns.take() : undefined;
      try {
        exit = ctx.groups.stopping
          ? 'not run'
          : (await runCommand([`./hooks/${phase}`], ctx.hookDir, ctx.env, ctx.logFile, ctx.groups)).exit;
      } finally {
        release?.();
      }
    } else {
      exit = (await runCommand(fallback!(ctx.env), ctx.contextDir, ctx.env, ctx.logFile, ctx.groups)).exit;
    }
    const status: PhaseStatus = exit === 0 ? 'ok' : ctx.groups.stopping ? 'interrupted' : 'failed';
    const result: PhaseResult = { phase, how, status, exit, durationMs: Date.now() - t0 };
    phases.push(result);
    log(`==> ${phase}: ${status === 'ok' ? 'ok' : `${status} (exit ${exit})`} after ${(result.durationMs / 1000).toFixed(1)}s\n`);
    ctx.onPhase(phase, 'end', result);
    if (status !== 'ok') return done(status, phase, exit);
  }
  return done('passed');
}
