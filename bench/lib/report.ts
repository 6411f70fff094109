/** The benchmark's figures: one row per figure, printed as a table and written as JSON. */
import fs from 'node:fs';
import path from 'node:path';
import type { Stat } from './measure.js';

export type Unit = 's' | 'MB' | 'KB' | 'bytes' | 'count';
export type Value = number | Stat;

export interface Row {
  /** e.g. `1 cold npx` */
  section: string;
  measure: string;
  unit: Unit;
  value?: Value;
  /** What the figure is compared with; `ratio` is value / vs.value (medians). */
  vs?: { what: string; value: Value };
  ratio?: number;
  note?: string;
  /** Why the figure is missing. */
  notMeasured?: string;
  /** JSON only: e.g. every request of one run, in order. */
  detail?: string[];
}

export function median(v: Value): number {
  return typeof v === 'number' ? v : v.median;
}

/** A row with its ratio filled in. */
export function row(r: Omit<Row, 'ratio'>): Row {
  if (r.value === undefined || !r.vs) return r;
  const den = median(r.vs.value);
  return { ...r, ratio: den === 0 ? undefined : median(r.value) / den };
}

export function notMeasured(section: string, measure: string, why: string): Row {
  return { section, measure, unit: 'count', notMeasured: why };
}

function num(x: number, unit: Unit): string {
  switch (unit) {
    case 's':
      return x < 10 ? x.toFixed(3) : x.toFixed(1);
    case 'MB':
      return x.toFixed(1);
    case 'KB':
    case 'bytes':
    case 'count':
      return Number.isInteger(x) ? String(x) : x.toFixed(1);
  }
}

export function fmt(v: Value, unit: Unit): string {
  const u = unit === 'count' ? '' : ` ${unit}`;
  if (typeof v === 'number') return `${num(v, unit)}${u}`;
  if (v.n === 1) return `${num(v.median, unit)}${u} (n=1)`;
  return `${num(v.median, unit)}${u} [${num(v.min, unit)}..${num(v.max, unit)}] n=${v.n}`;
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

/** The table: sections as headings, then measure | value | compared with | its value | ratio. */
export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    `  ${r.measure}`,
    r.notMeasured ? `not measured: ${r.notMeasured}` : fmt(r.value!, r.unit),
    r.vs?.what ?? '',
    r.vs ? fmt(r.vs.value, r.unit) : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
  ]);
  const head = ['measure', 'value (median [min..max] n)', 'compared with', 'its value', 'ratio'];
  // A "not measured" reason can be long: it does not widen the value column.
  const widths = head.map((h, i) =>
    Math.max(h.length, ...cells.filter((_, k) => i !== 1 || !rows[k]!.notMeasured).map((c) => c[i]!.length)),
  );
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : pad(x, widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let section = '';
  rows.forEach((r, k) => {
    if (r.section !== section) {
      section = r.section;
      out.push(section);
    }
    out.push(line(cells[k]!));
    if (r.note) out.push(`      (${r.note})`);
  });
  return out.join('\n');
}

export interface Results {
  schema: 1;
  startedAt: string;
  totalSeconds: number;
  machine: Record<string, string | number>;
  rows: Row[];
}

export function writeJson(file: string, results: Results): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
