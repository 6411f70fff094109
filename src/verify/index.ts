/**
 * `create-multiarch-hooks verify [image]`: reads the published tag from its registry and says
 * whether it is the multi-arch list it should be (src/check/ does the reading and judging).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type CheckOptions, findSpecDirs, renderJson, renderTable, SPEC_FILE, verifyImage, type VerifyReport } from '../check/index.js';
import { UserError } from '../errors.js';
import { safeJson } from '../registry/printable.js';

export type { VerifyReport } from '../check/index.js';

export interface VerifyOptions extends CheckOptions {
  /**
   * `dir` was not chosen (--dir): when it holds no multi-arch-manifest.yaml and no image is given,
   * every one below it is verified (a repo root with Dockerfiles in subfolders).
   */
  searchBelow?: boolean;
  json: boolean;
  out: (text: string) => void;
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
