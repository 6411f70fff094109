/**
 * `create-multiarch-hooks verify [image]`: reads the published tag from its registry and says
 * whether it is the multi-arch list it should be (see report.ts for what is checked).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_ARCHES, archNames, resolveArch, type Platform } from '../arch.js';
import { UserError } from '../errors.js';
import { inspectTag } from '../registry/inspect.js';
import { safeJson } from '../registry/printable.js';
import { resolveImageRef } from '../registry/reference.js';
import { readIncludes } from './include.js';
import { renderJson, renderTable } from './render.js';
import { buildReport, expectedFromPlatforms, type VerifyReport } from './report.js';

export type { VerifyReport } from './report.js';
export { renderTable } from './render.js';

export interface VerifyOptions {
  /** IMAGE[:TAG]; default: `image` of DIR/multi-arch-manifest.yaml (its tag, else latest). */
  image?: string;
  dir: string;
  /**
   * `dir` was not chosen (--dir): when it holds no multi-arch-manifest.yaml and no image is given,
   * every one below it is verified (a repo root with Dockerfiles in subfolders).
   */
  searchBelow?: boolean;
  /** Plain HTTP / no TLS verification for this registry (loopback registries count as insecure automatically, like Docker). */
  insecure: boolean;
  /** The whole read of the tag must finish within this long; default DEFAULT_TIMEOUT_S. */
  timeoutMs?: number;
  json: boolean;
  /** Expected arch names from src/arch.ts; default: the platforms listed in the yaml, else the table's default set. */
  arches?: string[];
  out: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export const SPEC_FILE = 'multi-arch-manifest.yaml';
/** verify's overall deadline unless --timeout says otherwise: a list of hundreds of entries reads in far less. */
export const DEFAULT_TIMEOUT_S = 300;

interface Spec {
  image?: unknown;
  manifests?: { platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }[];
}

function readSpec(dir: string): { file: string; spec?: Spec } {
  const file = path.join(dir, SPEC_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file };
    throw e;
  }
  try {
    return { file, spec: (parseYaml(text) ?? {}) as Spec };
  } catch (e) {
    throw new UserError(`${file} is not valid YAML (${(e as Error).message.split('\n')[0]}); fix it or pass the image to verify.`, 2);
  }
}

function specPlatforms(spec: Spec | undefined): Platform[] {
  const out: Platform[] = [];
  for (const m of Array.isArray(spec?.manifests) ? spec.manifests : []) {
    const p = m?.platform;
    if (typeof p?.os === 'string' && typeof p.architecture === 'string') {
      out.push({ os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) });
    }
  }
  return out;
}

function expectedArches(names: readonly string[]): Platform[] {
  const unknown = names.filter((n) => !resolveArch(n));
  if (unknown.length) {
    throw new UserError(`Unknown arch ${unknown.map((n) => `"${n}"`).join(', ')}; choose from ${archNames().join(', ')}.`, 2);
  }
  return names.map((n) => resolveArch(n)!.platform);
}

/** Folders skipped when looking for specs below a folder: they hold no generated files. */
const NOT_SEARCHED = new Set(['node_modules', '.git']);

/** Every folder at or below `dir` holding a multi-arch-manifest.yaml, sorted; hidden folders and node_modules are skipped. */
export function findSpecDirs(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing of ours is in it
    }
    if (entries.some((e) => e.isFile() && e.name === SPEC_FILE)) found.push(d);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && !NOT_SEARCHED.has(e.name)) walk(path.join(d, e.name));
  };
  walk(dir);
  return found.sort();
}

/** Everything but the printing: for the command and for callers that want the data. */
export async function verifyImage(opts: Omit<VerifyOptions, 'json' | 'out'>): Promise<VerifyReport> {
  const env = opts.env ?? process.env;
  const { file, spec } = readSpec(opts.dir);
  let image = opts.image;
  if (!image) {
    if (!spec) throw new UserError(`No image given and no ${SPEC_FILE} in ${opts.dir}; pass the image (IMAGE[:TAG]) or --dir.`, 2);
    if (typeof spec.image !== 'string' || !spec.image) throw new UserError(`${file} names no image; pass the image to verify.`, 2);
    image = spec.image;
  }
  const ref = resolveImageRef(image);
  if (opts.timeoutMs !== undefined && !(Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) {
    throw new UserError('--timeout takes a number of seconds above 0, e.g. --timeout 600.', 2);
  }
  const fromSpec = specPlatforms(spec);
  const platforms = opts.arches?.length ? expectedArches(opts.arches) : fromSpec.length ? fromSpec : expectedArches(DEFAULT_ARCHES);
  const inspect = { insecure: opts.insecure, env, deadlineMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000 };
  const [facts, include] = await Promise.all([inspectTag(ref, inspect), readIncludes(opts.dir, ref, inspect)]);
  return buildReport(ref, facts, expectedFromPlatforms(platforms), include);
}

/**
 * Exit code: 0 when there is no error finding (warnings allowed), 1 otherwise. Run from a folder
 * with no spec of its own (and no image or --dir given), it verifies every spec below it.
 */
export async function verifyCommand(opts: VerifyOptions): Promise<number> {
  if (opts.image || !opts.searchBelow || fs.existsSync(path.join(opts.dir, SPEC_FILE))) return verifyOne(opts);
  const dirs = findSpecDirs(opts.dir);
  if (dirs.length === 0) {
    throw new UserError(`No image given and no ${SPEC_FILE} in ${opts.dir} or below it; pass the image (IMAGE[:TAG]) or --dir.`, 2);
  }
  if (dirs.length === 1) return verifyOne({ ...opts, dir: dirs[0]! });
  // Several: each is verified and reported; one that cannot be read does not hide the others.
  let code = 0;
  const json: unknown[] = [];
  for (const dir of dirs) {
    const shown = path.relative(opts.dir, dir) || '.';
    const out = opts.json ? (s: string) => json.push({ dir: shown, ...(JSON.parse(s) as object) }) : opts.out;
    if (!opts.json) opts.out(`${shown}/${SPEC_FILE}:`);
    try {
      code = Math.max(code, await verifyOne({ ...opts, dir, out }));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      if (!opts.json) opts.out(`error: ${e.message}`);
      code = Math.max(code, e.exitCode);
    }
    if (!opts.json) opts.out('');
  }
  if (opts.json) opts.out(JSON.stringify(json, null, 2));
  return code;
}

async function verifyOne(opts: VerifyOptions): Promise<number> {
  const env = opts.env ?? process.env;
  let report: VerifyReport;
  try {
    report = await verifyImage(opts);
  } catch (e) {
    // A script reading --json gets JSON for a registry it could not read too (usage errors, exit
    // 2, stay on stderr alone); the sentence still goes to stderr and the exit code is the same.
    if (opts.json && e instanceof UserError && e.exitCode !== 2) opts.out(safeJson({ ok: false, error: e.message }));
    throw e;
  }
  // Colour only for a terminal, as is usual; NO_COLOR / FORCE_COLOR override.
  const color = env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : !env.NO_COLOR && !!process.stdout.isTTY;
  opts.out(opts.json ? renderJson(report) : renderTable(report, color));
  return report.summary.ok ? 0 : 1;
}
