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

export function parseRecord(text: string, path: string): GeneratorRecord | { error: string } {
  try {
    const r = JSON.parse(text) as GeneratorRecord;
    if (r.generator !== 'create-multiarch-hooks' || typeof r.files !== 'object' || !Array.isArray(r.arches)) {
      return { error: `${path} is not a create-multiarch-hooks record` };
    }
    return r;
  } catch {
    return { error: `${path} is not valid JSON` };
  }
}
