#!/usr/bin/env node
// Compares two bench results: node bench/compare.mjs OLD.json NEW.json
// Prints each figure's median in both runs and NEW/OLD; rows are matched by section, measure
// and what they are compared with. Only reports: it never fails on a slower figure.
import fs from 'node:fs';

const [oldFile, newFile] = process.argv.slice(2);
if (!oldFile || !newFile) {
  process.stderr.write('usage: node bench/compare.mjs OLD.json NEW.json\n');
  process.exit(2);
}
const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const key = (r) => `${r.section.split(' ')[0]} | ${r.measure} | ${r.vs?.what ?? ''}`;
const median = (v) => (v === undefined ? undefined : typeof v === 'number' ? v : v.median);
const show = (x, unit) => (x === undefined ? '-' : `${unit === 's' ? x.toFixed(3) : Number.isInteger(x) ? x : x.toFixed(1)} ${unit}`);

const a = load(oldFile);
const b = load(newFile);
const before = new Map(a.rows.map((r) => [key(r), r]));
const lines = [['figure', `old (${a.startedAt.slice(0, 10)})`, `new (${b.startedAt.slice(0, 10)})`, 'new/old']];
for (const r of b.rows) {
  const o = before.get(key(r));
  const x = median(o?.value);
  const y = median(r.value);
  const unit = r.unit === 'count' ? '' : r.unit;
  lines.push([
    `${r.section.split(' ')[0]}  ${r.measure}${r.vs ? ` (vs ${r.vs.what})` : ''}`,
    o?.notMeasured ? 'not measured' : show(x, unit),
    r.notMeasured ? 'not measured' : show(y, unit),
    x && y !== undefined ? `${(y / x).toFixed(2)}x` : '',
  ]);
}
const w = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
for (const l of lines)
  process.stdout.write(
    `${l
      .map((c, i) => c.padEnd(w[i]))
      .join('  ')
      .trimEnd()}\n`,
  );
