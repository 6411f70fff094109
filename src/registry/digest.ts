/** sha256, the one hash of the project: content hashes of generated files and registry digests. */
import { createHash } from 'node:crypto';

/** Hex sha256 of some bytes: content hashes of files, and (with the prefix) registry digests. */
export function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The registry digest of some bytes: `sha256:<hex>`. */
export function digestOf(b: Buffer): string {
  return `sha256:${sha256Hex(b)}`;
}
