import { createHash } from 'node:crypto';
import type { BuildRule } from './build-rules.js';
import type { Choices } from './options.js';

export const RECORD_FILE = '.multiarch-hooks.json';

/** What the generator wrote and why: read by re-runs (user edits), `simulate` and `verify`. */
export interface GeneratorRecord {
  generator: 'create-multiarch-hooks';
  version: string;
  repository: string;
  dockerfile: string;
  branch: string;
  arches: string[];
  qemu: Choices['qemu'];
  publisher: Choices['publisher'];
  context: string;
  tagRegex: string;
  ci?: Choices['ci'];
  buildRules: BuildRule[];
  /** sha256 of each generated file's content, by path relative to the Dockerfile's folder. */
  files: Record<string, string>;
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

// What a re-run relies on: a record without one of these cannot say what was generated, or for which Dockerfile.
const REQUIRED: Record<string, (v: unknown) => boolean> = {
  repository: (v) => typeof v === 'string',
  dockerfile: (v) => typeof v === 'string' && v !== '',
  branch: (v) => typeof v === 'string',
  arches: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'),
  qemu: (v) => typeof v === 'string',
  publisher: (v) => typeof v === 'string',
  context: (v) => typeof v === 'string',
  tagRegex: (v) => typeof v === 'string',
  buildRules: (v) => Array.isArray(v),
  files: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((h) => typeof h === 'string'),
};

export function parseRecord(text: string, path: string): GeneratorRecord | { error: string } {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: `${path} is not valid JSON` };
  }
  if (typeof r !== 'object' || r === null || r.generator !== 'create-multiarch-hooks') {
    return { error: `${path} is not a create-multiarch-hooks record` };
  }
  const bad = Object.keys(REQUIRED).filter((k) => !REQUIRED[k]!(r[k]));
  if (bad.length > 0) return { error: `${path} is incomplete (${bad.map((k) => `"${k}"`).join(', ')} missing or invalid)` };
  return r as unknown as GeneratorRecord;
}
