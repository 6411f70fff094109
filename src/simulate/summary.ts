import type { RuleResult } from './phases.js';
import { seconds } from './progress.js';

/** The summary table: one row per triggered rule, in run order. */
export function summaryTable(results: readonly RuleResult[]): string {
  const head = ['Rule', 'Arch', 'Tag', 'Result', 'Duration', 'Failing phase'];
  const rows = results.map((r) => [
    r.run.label,
    r.run.rule.arch,
    r.run.dockerTag,
    r.status,
    r.status === 'not run' ? '-' : seconds(r.durationMs),
    r.failingPhase ? `${r.failingPhase}${r.exit !== undefined ? ` (exit ${r.exit})` : ''}` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
