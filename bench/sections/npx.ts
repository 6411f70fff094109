/**
 * 1. Cold npx: what a first-time user waits for, from `npx create-multiarch-hooks` to files in
 * their repo, with an empty npm cache, beside `npx create-vite` from the same loopback registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../../test/support/proc.js';
import { repeat, stat, timed, type Timed } from '../lib/measure.js';
import { coldNpxEnv, npmEnv, npxPackages, parsePack, type PackInfo } from '../lib/npm.js';
import { row, type Row } from '../lib/report.js';
import { ROOT, exampleRepo, freshDir } from '../lib/repos.js';
import { startVerdaccio } from '../lib/verdaccio.js';

/** The create-* package we compare with, pinned so runs stay comparable. */
export const CREATE_VITE = 'create-vite@9.3.0';
const SECTION = '1 cold npx (empty npm cache, loopback verdaccio)';

export interface NpxOptions {
  runs: number;
  warmups: number;
  /** The installed verdaccio package (node_modules/verdaccio). */
  verdaccioDir: string;
}

interface Run {
  t: Timed;
  packages: ReturnType<typeof npxPackages>;
}

async function packOurs(): Promise<{ tgz: string; info: PackInfo; name: string }> {
  const dest = freshDir('pack');
  const r = await runOk('npm', ['pack', '--json', '--pack-destination', dest], { cwd: ROOT, env: npmEnv(), timeoutMs: 180_000 });
  const info = parsePack(r.stdout);
  const name = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
  return { tgz: path.join(dest, info.filename), info, name };
}

/** `npm pack SPEC` from the loopback registry: its tarball's facts, as for ours. */
async function packTheirs(spec: string, registry: string, userconfig: string): Promise<PackInfo> {
  const dest = freshDir('pack-theirs');
  const env = coldNpxEnv(path.join(dest, 'cache'), registry, userconfig);
  const r = await runOk('npm', ['pack', spec, '--json', '--pack-destination', dest], { cwd: dest, env, timeoutMs: 180_000 });
  return parsePack(r.stdout);
}

export async function coldNpx(o: NpxOptions): Promise<Row[]> {
  const ours = await packOurs();
  const reg = await startVerdaccio(o.verdaccioDir, freshDir('verdaccio'), ours.name);
  try {
    await runOk('npm', ['publish', ours.tgz, '--tag', 'latest'], {
      env: npmEnv({ npm_config_userconfig: reg.npmrc, npm_config_registry: reg.url }),
      timeoutMs: 120_000,
    });
    const emptyRc = path.join(freshDir('npmrc'), 'npmrc');
    fs.writeFileSync(emptyRc, '');
    const theirs = await packTheirs(CREATE_VITE, reg.url, emptyRc);

    const runOurs = async (): Promise<Run> => {
      const cache = freshDir('npm-cache');
      const repo = exampleRepo();
      const t = await timed('npx', ['--yes', ours.name, '--yes', '--offline', '--repo', 'acme/hello'], {
        cwd: repo.dir,
        env: coldNpxEnv(cache, reg.url, emptyRc),
      });
      for (const f of ['hooks/post_push', '.multiarch-hooks.json', 'Dockerfile.arm64v8']) {
        if (!fs.existsSync(path.join(repo.dir, f))) throw new Error(`cold npx ${ours.name} wrote no ${f}:\n${t.stdout}${t.stderr}`);
      }
      const packages = npxPackages(cache);
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(repo.dir, { recursive: true, force: true });
      return { t, packages };
    };
    const runTheirs = async (): Promise<Run> => {
      const cache = freshDir('npm-cache');
      const dir = freshDir('vite');
      const t = await timed('npx', ['--yes', CREATE_VITE, 'app', '--template', 'vanilla'], {
        cwd: dir,
        env: coldNpxEnv(cache, reg.url, emptyRc),
      });
      if (!fs.existsSync(path.join(dir, 'app/package.json')))
        throw new Error(`cold npx ${CREATE_VITE} wrote no app/package.json:\n${t.stdout}${t.stderr}`);
      const packages = npxPackages(cache);
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      return { t, packages };
    };

    // Interleaved, so a slow spell of the machine hits both alike.
    const pairs = await repeat(
      o.runs,
      o.warmups,
      () => undefined,
      async () => ({ a: await runOurs(), b: await runTheirs() }),
    );
    const a = pairs.map((p) => p.a);
    const b = pairs.map((p) => p.b);
    const vs = CREATE_VITE;
    const npxVersion = (await runOk('npx', ['--version'], { env: npmEnv() })).stdout.trim();
    return [
      row({
        section: SECTION,
        measure: `npx ${ours.name} --yes --repo acme/hello: wall`,
        unit: 's',
        value: stat(a.map((r) => r.t.seconds)),
        vs: { what: `npx ${vs} app --template vanilla`, value: stat(b.map((r) => r.t.seconds)) },
        note:
          `npx ${npxVersion}; fresh npm_config_cache per run; ours with --offline (the bench machine has ` +
          `no Docker Hub, so no check of the official images); runs interleaved after ${o.warmups} ` +
          `uncounted warm-up pair(s); ours writes into a fresh ` +
          `git copy of examples/hello (copy not timed)`,
      }),
      row({
        section: SECTION,
        measure: 'peak RSS (largest process of the npx tree)',
        unit: 'MB',
        value: stat(a.map((r) => r.t.maxRssKb / 1024)),
        vs: { what: vs, value: stat(b.map((r) => r.t.maxRssKb / 1024)) },
      }),
      row({
        section: SECTION,
        measure: 'packages installed (npx cache node_modules)',
        unit: 'count',
        value: a[0]!.packages.count,
        vs: { what: vs, value: b[0]!.packages.count },
        note: `ours: ${a[0]!.packages.names.join(', ')}; theirs: ${b[0]!.packages.names.join(', ')}`,
      }),
      row({
        section: SECTION,
        measure: 'installed bytes (npx cache node_modules)',
        unit: 'bytes',
        value: a[0]!.packages.bytes,
        vs: { what: vs, value: b[0]!.packages.bytes },
      }),
      row({
        section: SECTION,
        measure: 'packed tarball',
        unit: 'bytes',
        value: ours.info.size,
        vs: { what: vs, value: theirs.size },
        note: `${ours.info.filename}: ${ours.info.entryCount} files; ${theirs.filename}: ${theirs.entryCount} files`,
      }),
      row({
        section: SECTION,
        measure: 'unpacked size',
        unit: 'bytes',
        value: ours.info.unpackedSize,
        vs: { what: vs, value: theirs.unpackedSize },
      }),
    ];
  } finally {
    await reg.stop();
  }
}
