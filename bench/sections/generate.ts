/**
 * 2. Warm generator: the installed CLI (`node bin/create-multiarch-hooks.js`, no npx, files in
 * the OS cache) on the example repo, and how it scales with Dockerfiles in one repo (each in its
 * own folder): N CLI processes in a row (one per folder), and one CLI process given N
 * `--dockerfile` flags (`--repo acme/{dir}`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ARCHES } from '../../src/arch.js';
import { repeat, stat, timed, type Timed } from '../lib/measure.js';
import { npmEnv } from '../lib/npm.js';
import { median, row, type Row } from '../lib/report.js';
import { CLI, exampleRepo, git, multiRepo } from '../lib/repos.js';

const SECTION = '2 warm generator (node bin/create-multiarch-hooks.js, files cached)';

export interface GenerateOptions {
  runs: number;
  warmups: number;
  /** Recorded runs of the 100-Dockerfile case (each is 100 CLI processes). */
  bigRuns: number;
}

function expectGenerated(dir: string, t: Timed): void {
  for (const f of ['hooks/post_push', '.multiarch-hooks.json']) {
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`the CLI wrote no ${f} in ${dir}:\n${t.stdout}${t.stderr}`);
  }
}

interface ScaleRun {
  seconds: number;
  maxRssKb: number;
  files: number;
}

/**
 * N folders, then either one CLI process per folder, one after another (`loop`), or one CLI
 * process given every folder's Dockerfile (`one`); wall time of the whole of it.
 */
async function scaleRun(n: number, arches: string[], mode: 'loop' | 'one'): Promise<ScaleRun> {
  const repo = multiRepo(n);
  const env = npmEnv();
  const common = ['--yes', '--offline', '--arch', arches.join(',')];
  const runs =
    mode === 'loop'
      ? repo.folders.map((f) => [CLI, ...common, '--repo', `acme/${f}`, '--dockerfile', `${f}/Dockerfile`])
      : [[CLI, ...common, '--repo', 'acme/{dir}', ...repo.folders.flatMap((f) => ['--dockerfile', `${f}/Dockerfile`])]];
  let maxRssKb = 0;
  const start = process.hrtime.bigint();
  for (const args of runs) {
    const t = await timed('node', args, { cwd: repo.dir, env });
    maxRssKb = Math.max(maxRssKb, t.maxRssKb);
    if (mode === 'one') for (const f of repo.folders) expectGenerated(path.join(repo.dir, f), t);
    else expectGenerated(path.join(repo.dir, args[args.length - 1]!.split('/')[0]!), t);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const files = git(repo.dir, 'status', '--porcelain', '-uall').split('\n').filter(Boolean).length;
  fs.rmSync(repo.dir, { recursive: true, force: true });
  return { seconds, maxRssKb, files };
}

export async function warmGenerator(o: GenerateOptions): Promise<Row[]> {
  const env = npmEnv();
  const example = await repeat(
    o.runs,
    o.warmups,
    () => exampleRepo(),
    async (repo) => {
      const t = await timed('node', [CLI, '--yes', '--offline', '--repo', 'acme/hello'], { cwd: repo.dir, env });
      expectGenerated(repo.dir, t);
      fs.rmSync(repo.dir, { recursive: true, force: true });
      return t;
    },
  );
  const bare = await repeat(
    o.runs,
    o.warmups,
    () => undefined,
    () => timed('node', ['-e', ''], { env }),
  );
  const exWall = stat(example.map((t) => t.seconds));
  const rows: Row[] = [
    row({
      section: SECTION,
      measure: 'examples/hello, default 4 archs: wall',
      unit: 's',
      value: exWall,
      vs: { what: 'bare `node -e ""` startup', value: stat(bare.map((t) => t.seconds)) },
    }),
    row({
      section: SECTION,
      measure: 'examples/hello, default 4 archs: peak RSS',
      unit: 'MB',
      value: stat(example.map((t) => t.maxRssKb / 1024)),
      vs: { what: 'bare `node -e ""`', value: stat(bare.map((t) => t.maxRssKb / 1024)) },
    }),
  ];

  const eight = ARCHES.slice(0, 8).map((a) => a.name);
  const cases = [
    { n: 1, runs: o.runs },
    { n: 10, runs: Math.max(2, Math.ceil(o.runs / 2)) },
    { n: 100, runs: o.bigRuns },
  ];
  let one: number | undefined;
  let oneRss: number | undefined;
  for (const c of cases) {
    // The example runs above warmed the CLI; one uncounted 1-folder run warms this repo shape.
    const runs = await repeat(
      c.runs,
      c.n === 1 ? o.warmups : 0,
      () => undefined,
      () => scaleRun(c.n, eight, 'loop'),
    );
    const wall = stat(runs.map((r) => r.seconds));
    const rss = stat(runs.map((r) => r.maxRssKb / 1024));
    const what = `${c.n} Dockerfile${c.n > 1 ? 's' : ''} x 8 archs (${c.n} CLI run${c.n > 1 ? 's' : ''})`;
    if (c.n === 1) {
      one = median(wall);
      oneRss = median(rss);
      rows.push(
        row({
          section: SECTION,
          measure: `${what}: wall`,
          unit: 's',
          value: wall,
          vs: { what: 'examples/hello, 4 archs', value: exWall },
          note: `archs: ${eight.join(',')} (the first 8 of src/arch.ts); ${runs[0]!.files} files written`,
        }),
      );
      continue;
    }
    rows.push(
      row({
        section: SECTION,
        measure: `${what}: wall of the loop`,
        unit: 's',
        value: wall,
        vs: { what: `${c.n} x the 1-Dockerfile median (linear)`, value: c.n * one! },
        note: `${runs[0]!.files} files written; ${(median(wall) / c.n).toFixed(3)} s per Dockerfile`,
      }),
      row({
        section: SECTION,
        measure: `${what}: largest peak RSS of one run`,
        unit: 'MB',
        value: rss,
        vs: { what: '1 Dockerfile', value: oneRss! },
      }),
    );
    const single = await repeat(
      o.runs,
      0,
      () => undefined,
      () => scaleRun(c.n, eight, 'one'),
    );
    const oneWhat = `${c.n} Dockerfiles x 8 archs (1 CLI run, ${c.n} --dockerfile)`;
    rows.push(
      row({
        section: SECTION,
        measure: `${oneWhat}: wall`,
        unit: 's',
        value: stat(single.map((r) => r.seconds)),
        vs: { what: `${c.n} CLI runs (the loop above)`, value: wall },
        note: `${single[0]!.files} files written`,
      }),
      row({
        section: SECTION,
        measure: `${oneWhat}: peak RSS`,
        unit: 'MB',
        value: stat(single.map((r) => r.maxRssKb / 1024)),
        vs: { what: '1 Dockerfile', value: oneRss! },
      }),
    );
  }
  return rows;
}
