/**
 * The host's QEMU binfmt_misc handlers, saved and put back exactly. A test that lets pre_build
 * re-register them (a privileged container writing /proc/sys/fs/binfmt_misc) changes what every
 * other QEMU build on the machine runs: it saves them first and restores them whatever happens.
 */
import fs from 'node:fs';
import path from 'node:path';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export interface Handler {
  name: string;
  /** The handler file as the kernel shows it (enabled, interpreter, flags, offset, magic, mask). */
  text: string;
}

/** Every `qemu-*` handler registered now. */
export function saveHandlers(): Handler[] {
  return fs
    .readdirSync(BINFMT_DIR)
    .filter((n) => n.startsWith('qemu-'))
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(BINFMT_DIR, name), 'utf8') }));
}

function field(text: string, key: string): string {
  const line = text.split('\n').find((l) => l === key || l.startsWith(`${key} `) || l.startsWith(`${key}:`));
  return line === undefined ? '' : line.slice(key.length).replace(/^:?\s*/, '');
}

/** `aabb` -> `\xaa\xbb`: the kernel's escape for bytes in a registration string. */
const escaped = (hex: string) => hex.replace(/(..)/g, '\\x$1');

/** The `:name:type:offset:magic:mask:interpreter:flags` line that registers `h` again. */
export function registration(h: Handler): string {
  const t = h.text;
  const magic = field(t, 'magic');
  const type = magic ? 'M' : 'E';
  const match = magic ? escaped(magic) : field(t, 'extension').replace(/^\./, '');
  return `:${h.name}:${type}:${field(t, 'offset')}:${match}:${escaped(field(t, 'mask'))}:${field(t, 'interpreter')}:${field(t, 'flags')}`;
}

/** Removes every `qemu-*` handler, then registers `saved` again as they were (enabled or not). */
export function restoreHandlers(saved: readonly Handler[]): void {
  for (const name of fs.readdirSync(BINFMT_DIR).filter((n) => n.startsWith('qemu-'))) {
    fs.writeFileSync(path.join(BINFMT_DIR, name), '-1');
  }
  for (const h of saved) {
    fs.writeFileSync(path.join(BINFMT_DIR, 'register'), registration(h));
    if (h.text.startsWith('disabled')) fs.writeFileSync(path.join(BINFMT_DIR, h.name), '0');
  }
  const now = saveHandlers();
  if (JSON.stringify(now) !== JSON.stringify(saved)) {
    throw new Error(`binfmt handlers were not restored exactly:\nwas ${JSON.stringify(saved)}\nnow ${JSON.stringify(now)}`);
  }
}

/** Runs `fn` and puts the host's qemu handlers back as they were, whether it passes or throws. */
export async function withHandlersRestored<T>(fn: () => Promise<T>): Promise<T> {
  const saved = saveHandlers();
  try {
    return await fn();
  } finally {
    restoreHandlers(saved);
  }
}
