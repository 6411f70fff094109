/**
 * The report as a table for a person, or as JSON for a script (shape documented in findings.ts).
 * Both print what a registry sent (media types, platforms, labels, messages naming them): the
 * table shows its control characters as escapes, the JSON escapes them (registry/printable.ts).
 */
import { printable, safeJson } from '../registry/printable.js';
import type { VerifyReport } from './findings.js';

const KIND: Record<string, string> = {
  'docker-list': 'Docker manifest list',
  'oci-index': 'OCI image index',
  'docker-image': 'single image (Docker manifest)',
  'oci-image': 'single image (OCI manifest)',
  unsupported: 'unsupported manifest',
};

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;
const COLOR = { ok: 32, warn: 33, fail: 31 } as const;

export function renderJson(report: VerifyReport): string {
  return `${safeJson(report)}\n`;
}

const short = (digest: string | null) => (digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '-');

/** SI units as `docker images` prints them. */
export function humanSize(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[u]}`;
}

function when(created: string | null | undefined): string {
  const t = created ? Date.parse(created) : NaN;
  return Number.isNaN(t) ? '-' : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderTable(report: VerifyReport, color: boolean): string {
  const paint = (v: keyof typeof MARK, s: string) => (color ? `\x1b[${COLOR[v]}m${s}\x1b[0m` : s);
  const lines: string[] = [];

  if (!report.found) {
    lines.push(`${printable(report.image)}: not found`);
  } else {
    const extra = report.ignored.length ? `, ${plural(report.ignored.length, 'attestation')} ignored` : '';
    lines.push(
      `${printable(report.image)}  ${KIND[report.kind ?? 'unsupported']}  ` +
        `${short(report.digest)}  (${plural(report.entries.length, 'image')}${extra})`,
    );
  }

  const rows: { verdict: keyof typeof MARK; cells: string[] }[] = report.entries.map((e) => ({
    verdict: e.verdict,
    cells: [
      e.arch ?? '?',
      e.platform ?? '-',
      e.config?.platform ?? '-',
      e.config?.revision ? e.config.revision.slice(0, 12) : '-',
      when(e.config?.created),
      humanSize(e.imageSize),
      short(e.digest),
    ].map(printable),
  }));
  // A single-image tag reports its missing platforms through the single-image finding alone.
  if (report.kind !== 'docker-image' && report.kind !== 'oci-image') {
    for (const m of report.missing) rows.push({ verdict: 'fail', cells: [m.arch, m.platform, '-', '-', '-', '-', 'missing'] });
  }
  if (rows.length) {
    const header = ['ARCH', 'LIST', 'CONFIG', 'REVISION', 'CREATED', 'SIZE', 'DIGEST'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    lines.push('', `   ${line(header)}`);
    for (const r of rows) lines.push(`${paint(r.verdict, MARK[r.verdict])}  ${line(r.cells)}`);
  }

  if (report.findings.length) lines.push('');
  for (const f of report.findings) {
    const v = f.severity === 'error' ? 'fail' : 'warn';
    lines.push(`${paint(v, MARK[v])} ${printable(f.message)}`);
  }

  const s = report.summary;
  const present = `${s.present} of ${s.expected} expected platforms`;
  let summary: string;
  if (!s.ok) {
    summary = paint(
      'fail',
      `${MARK.fail} ${plural(s.errors, 'error')}${s.warnings ? `, ${plural(s.warnings, 'warning')}` : ''}: ${present} present`,
    );
  } else {
    const labelled = report.entries.filter((e) => e.config?.revision).length;
    const rev =
      labelled === 0
        ? 'no revision labels'
        : `${labelled === report.entries.length ? 'all from' : 'where labelled,'} revision ${printable(s.revisions[0].slice(0, 12))}`;
    const head = s.warnings ? `${MARK.warn} OK with ${plural(s.warnings, 'warning')}` : `${MARK.ok} OK`;
    summary = paint(s.warnings ? 'warn' : 'ok', `${head}: ${present}, configs match the list, ${rev}`);
  }
  lines.push('', summary);
  return `${lines.join('\n')}\n`;
}
