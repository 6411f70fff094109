/**
 * The record the generator keeps next to each Dockerfile (.multiarch-hooks.json): its model, how it
 * is read and checked, and the hashes of what was generated. Read by generate (re-runs),
 * simulate and the CI targets.
 */
import { sha256Hex } from '../registry/digest.js';
import type { CiChoice, Publisher, QemuStrategy, Strategy } from '../strategies.js';

/** One Docker Hub build rule, as entered under Builds > Configure Automated Builds. */
export interface BuildRule {
  arch: string;
  sourceType: 'Branch' | 'Tag';
  source: string;
  dockerTag: string;
  /** Dockerfile location, relative to the build context (as Docker Hub takes it). */
  dockerfile: string;
  context: string;
}

/** The `arch` of a rule that builds every platform in one build (`--strategy buildx`). */
export const EVERY_ARCH = 'all';

export const RECORD_FILE = '.multiarch-hooks.json';

/** What the generator wrote and why: read by re-runs (user edits), `simulate` and `verify`. */
export interface GeneratorRecord {
  generator: 'create-multiarch-hooks';
  version: string;
  repository: string;
  dockerfile: string;
  branch: string;
  arches: string[];
  qemu: QemuStrategy;
  publisher: Publisher;
  context: string;
  tagRegex: string;
  ci?: CiChoice;
  /** Absent: per-arch. */
  strategy?: Strategy;
  /** Absent: true (the per-arch tags are published). */
  archTags?: boolean;
  /** The Docker Hub hooks were removed for the CI pipeline (--retire-hooks). */
  retired?: boolean;
  /** Arches tagged under another name than the table's (`{"arm32v7": "armhf"}`), kept from a hand-made setup. */
  archTagNames?: Record<string, string>;
  /** --include: images built elsewhere that every list names by digest; absent: none. */
  include?: string[];
  /** --include-revision; absent: same. */
  includeRevision?: 'same' | 'any';
  buildRules: BuildRule[];
  /** contentHash (sha256 of the LF form) of each generated file, by path relative to the Dockerfile's folder. */
  files: Record<string, string>;
}

/** CRLF -> LF: what git's autocrlf / eol attributes change in a checkout, and nothing else. */
export function toLF(content: string | Buffer): string {
  return (typeof content === 'string' ? content : content.toString('utf8')).replace(/\r\n/g, '\n');
}

/**
 * The hash a record keeps for a generated file: of its LF form, so a checkout that turned LF into
 * CRLF (core.autocrlf, `eol=crlf`) still matches, and so does one that generated from a CRLF copy.
 */
export function contentHash(content: string | Buffer): string {
  return sha256Hex(toLF(content));
}

/** Whether `current` is what was recorded, line endings aside (older records hashed the raw bytes). */
export function matchesRecorded(current: Buffer, hash: string): boolean {
  return contentHash(current) === hash || sha256Hex(current) === hash;
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
