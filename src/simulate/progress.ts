/**
 * Progress as plain lines, one per event, each with the time since the start: readable in a CI
 * log and in a terminal alike (no spinners, no cursor movement). While builds run, a line every
 * `heartbeatMs` says what each is doing, so a long QEMU build does not look hung.
 */
import type { PhaseName, PhaseResult, RuleResult } from './phases.js';
import type { RuleRun } from './rules.js';

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export class Progress {
  private readonly t0 = Date.now();
  private readonly width: number;
  private readonly current = new Map<string, { phase?: PhaseName; since: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: (s: string) => void,
    runs: readonly RuleRun[],
    private readonly heartbeatMs = 30_000,
  ) {
    this.width = Math.max(...runs.map((r) => r.dockerTag.length));
  }

  private line(tag: string, text: string): void {
    this.out(`+${seconds(Date.now() - this.t0).padStart(7)}  ${tag.padEnd(this.width)}  ${text}`);
  }

  start(): void {
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  ruleStart(run: RuleRun): void {
    this.current.set(run.dockerTag, { since: Date.now() });
    this.line(run.dockerTag, `started (${run.label}, ${run.rule.dockerfile})`);
  }

  phase(run: RuleRun, phase: PhaseName, event: 'start' | 'end', result?: PhaseResult): void {
    if (event === 'start') {
      this.current.set(run.dockerTag, { phase, since: Date.now() });
      this.line(run.dockerTag, `${phase}: running`);
      return;
    }
    const r = result!;
    const what = r.status === 'ok' ? 'ok' : `${r.status} (exit ${r.exit})`;
    this.line(run.dockerTag, `${phase}: ${what} in ${seconds(r.durationMs)}`);
  }

  ruleEnd(r: RuleResult): void {
    this.current.delete(r.run.dockerTag);
    const tag = r.run.dockerTag;
    if (r.status === 'passed') this.line(tag, `passed in ${seconds(r.durationMs)}`);
    else this.line(tag, `${r.status}${r.failingPhase ? ` in ${r.failingPhase}` : ''} after ${seconds(r.durationMs)}; log: ${r.logFile}`);
  }

  note(text: string): void {
    this.out(`+${seconds(Date.now() - this.t0).padStart(7)}  ${text}`);
  }

  private heartbeat(): void {
    if (this.current.size === 0) return;
    const now = Date.now();
    const parts = [...this.current].map(([tag, s]) => `${tag} ${s.phase ?? 'starting'} ${seconds(now - s.since)}`);
    this.note(`still running: ${parts.join(', ')}`);
  }
}
