/**
 * `npm run bench` (scripts/bench.sh bundles this file with esbuild and runs it with node).
 *   --runs N      recorded runs per figure (default 5); --warmups N (default 1)
 *   --big-runs N  recorded runs of the 100-Dockerfile loop (default 2)
 *   --only 1,3    run only these sections
 *   --out FILE    JSON results (default bench/results/latest.json)
 * Prints one table (stdout) and writes the same figures as JSON. It measures; it asserts nothing
 * about speed. A section that cannot run prints "not measured: why".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { warmGenerator } from './sections/generate.js';
import { hookOverhead } from './sections/hooks.js';
import { imageOverhead } from './sections/image.js';
import { coldNpx } from './sections/npx.js';
import { publishing } from './sections/publish.js';
import { strategies } from './sections/strategies.js';
import { startInfra, type Infra } from './lib/infra.js';
import { DOCKER_CLI } from '../test/support/engine.js';
import { notMeasured, renderTable, row, writeJson, type Row } from './lib/report.js';
import { ROOT, removeWork } from './lib/repos.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    warmups: { type: 'string', default: '1' },
    'big-runs': { type: 'string', default: '2' },
    only: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/results/latest.json') },
  },
});
const runs = Number(values.runs);
const warmups = Number(values.warmups);
const bigRuns = Number(values['big-runs']);
const only = values.only ? new Set(values.only.split(',').map(Number)) : undefined;
const t0 = Number(process.env.CMH_BENCH_T0 ?? Date.now());
const startedAt = new Date().toISOString();
// Other work on the machine skews every figure: the load averages go into the results.
const loadAtStart = os.loadavg()[0]!;

function log(s: string): void {
  process.stderr.write(`bench: ${s}\n`);
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'missing';
  }
}

let infra: Infra | undefined;
async function getInfra(): Promise<Infra> {
  infra ??= await startInfra();
  return infra;
}

const SECTIONS: { n: number; name: string; run: () => Promise<Row[]> }[] = [
  {
    n: 1,
    name: '1 cold npx',
    run: () => {
      const dir = process.env.CMH_BENCH_VERDACCIO;
      if (!dir) throw new Error('CMH_BENCH_VERDACCIO is not set: run it with npm run bench (scripts/bench.sh installs verdaccio)');
      return coldNpx({ runs, warmups, verdaccioDir: dir });
    },
  },
  { n: 2, name: '2 warm generator', run: () => warmGenerator({ runs, warmups, bigRuns }) },
  { n: 3, name: '3 publishing', run: async () => publishing(await getInfra(), { runs, warmups }) },
  { n: 4, name: '4 image overhead', run: async () => imageOverhead(await getInfra()) },
  { n: 5, name: '5 hook overhead', run: async () => hookOverhead(await getInfra(), { runs: Math.min(runs, 4), warmups }) },
  { n: 6, name: '6 strategies', run: async () => strategies(await getInfra(), { runs: Math.min(runs, 3), warmups }) },
];

/** Sections that need the test bed's Docker engine (and so its network namespace). */
const ENGINE_SECTIONS = new Set([3, 4, 5, 6]);

/**
 * Sections 1-2 need the npm registry, which the test bed's network namespace cannot reach, and
 * 3-6 need its engine: outside the test bed, 3-6 run in one child bench there, whose rows join ours.
 */
function inTestbed(sections: number[]): { rows: Row[]; failed: number } {
  const out = path.join(os.tmpdir(), `cmh-bench-engine-${process.pid}.json`);
  const args = [
    'scripts/in-testbed.sh',
    process.execPath,
    process.argv[1]!,
    '--only',
    sections.join(','),
    '--runs',
    String(runs),
    '--warmups',
    String(warmups),
    '--big-runs',
    String(bigRuns),
    '--out',
    out,
  ];
  log(`sections ${sections.join(', ')} run in the test bed (bash ${args.slice(0, 1).join(' ')} ...)`);
  const r = spawnSync('bash', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const child = JSON.parse(fs.readFileSync(out, 'utf8')) as { rows: Row[] };
    const rows = child.rows.filter((x) => !(x.section === 'bench run' && x.measure.startsWith('total wall')));
    return { rows, failed: r.status === 0 ? 0 : 1 };
  } catch {
    return {
      rows: sections.map((n) =>
        notMeasured(SECTIONS.find((s) => s.n === n)!.name, 'the whole section', `the test bed run exited ${r.status}`),
      ),
      failed: 1,
    };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

async function main(): Promise<number> {
  const rows: Row[] = [];
  const timing: Row[] = [];
  let failed = 0;
  const delegated =
    process.env.CMH_IN_TESTBED === '1' ? [] : SECTIONS.map((s) => s.n).filter((n) => ENGINE_SECTIONS.has(n) && (!only || only.has(n)));
  try {
    for (const s of SECTIONS) {
      if (only && !only.has(s.n)) continue;
      if (delegated.includes(s.n)) {
        if (s.n !== delegated[0]) continue;
        const child = inTestbed(delegated);
        failed += child.failed;
        rows.push(...child.rows.filter((x) => x.section !== 'bench run'));
        timing.push(...child.rows.filter((x) => x.section === 'bench run'));
        continue;
      }
      log(`section ${s.name} ...`);
      const start = Date.now();
      try {
        rows.push(...(await s.run()));
      } catch (e) {
        failed++;
        const msg = (e as Error).message;
        log(`section ${s.name} failed:\n${(e as Error).stack ?? msg}`);
        rows.push(notMeasured(s.name, 'the whole section', msg.split('\n')[0]!.slice(0, 300)));
      }
      const secs = (Date.now() - start) / 1000;
      log(`section ${s.name} took ${secs.toFixed(1)} s`);
      timing.push(row({ section: 'bench run', measure: `section ${s.name}`, unit: 's', value: secs }));
    }
  } finally {
    await infra?.stop();
    removeWork();
  }
  timing.push(
    row({ section: 'bench run', measure: 'total wall (npm run bench, setup included)', unit: 's', value: (Date.now() - t0) / 1000 }),
  );
  rows.push(...timing);
  const cpus = os.cpus();
  const results = {
    schema: 1 as const,
    startedAt,
    totalSeconds: (Date.now() - t0) / 1000,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? '',
      memoryMB: Math.round(os.totalmem() / 2 ** 20),
      kernel: os.release(),
      node: process.version,
      npm: version('npm', ['--version']),
      docker: version(DOCKER_CLI, ['--version']),
      runs,
      warmups,
      loadAverage1mAtStart: Number(loadAtStart.toFixed(2)),
      loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
    },
    rows,
  };
  writeJson(values.out!, results);
  const m = results.machine;
  const about =
    `${m.cpus} x ${m.cpuModel}, ${m.memoryMB} MB, node ${m.node}, npm ${m.npm}; 1-min load average ` +
    `${m.loadAverage1mAtStart} at start, ${m.loadAverage1mAtEnd} at end`;
  process.stdout.write(`${renderTable(rows)}\n\nmachine: ${about}\nJSON: ${path.relative(process.cwd(), values.out!) || values.out}\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
