/**
 * The check of a published tag: reads it from its registry (registry/inspect.ts) and judges it
 * against what multi-arch-manifest.yaml (or the arches asked for) says it should be
 * (findings.ts). Used by `verify` and by `simulate`, which verifies what it pushed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_ARCHES, archNames, resolveArch, type Platform } from '../arch.js';
import { UserError } from '../errors.js';
import { inspectTag } from '../registry/inspect.js';
import { resolveImageRef } from '../registry/reference.js';
import { buildReport, expectedFromPlatforms, type VerifyReport } from './findings.js';
import { readIncludes } from './include.js';

export type { VerifyReport } from './findings.js';
export { renderJson, renderTable } from './findings-text.js';

export interface CheckOptions {
  /** IMAGE[:TAG]; default: `image` of DIR/multi-arch-manifest.yaml (its tag, else latest). */
  image?: string;
  dir: string;
  /** Plain HTTP / no TLS verification for this registry (loopback registries count as insecure automatically, like Docker). */
  insecure: boolean;
  /** The whole read of the tag must finish within this long; default DEFAULT_TIMEOUT_S. */
  timeoutMs?: number;
  /** Expected arch names from src/arch.ts; default: the platforms listed in the yaml, else the table's default set. */
  arches?: string[];
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
export async function verifyImage(opts: CheckOptions): Promise<VerifyReport> {
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
  // --include (the generator's record): the images built elsewhere, read with the tag.
  const [facts, include] = await Promise.all([inspectTag(ref, inspect), readIncludes(opts.dir, ref, inspect)]);
  return buildReport(ref, facts, expectedFromPlatforms(platforms), include);
}
