import { execFileSync } from 'node:child_process';
import { relative, sep } from 'node:path';

// git is run directly with argument arrays, not through shelljs.exec: the paths are the user's
// (any character a file name may hold) and must never pass through a shell.

/** What the index held for `paths` (absolute, inside `top`): one `--index-info` line each, for putting it back. */
export interface IndexSnapshot {
  top: string;
  lines: string[];
}

const ZERO_SHA = '0'.repeat(40);

/**
 * The index entries of `paths` before a run stages them, so a cancelled run can put the index
 * back: an entry that was there gets its mode and blob again, one that was not is removed (mode 0
 * in `git update-index --index-info`). Undefined when git cannot say.
 */
export function snapshotIndex(top: string, paths: readonly string[]): IndexSnapshot | undefined {
  if (paths.length === 0) return { top, lines: [] };
  const rel = paths.map((p) => relative(top, p).split(sep).join('/'));
  let out: string;
  try {
    out = execFileSync('git', ['--literal-pathspecs', 'ls-files', '-s', '-z', '--full-name', '--', ...rel], {
      cwd: top,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  const known = new Map<string, string>();
  for (const entry of out.split('\0')) {
    const m = /^(\d+) ([0-9a-f]+) 0\t(.*)$/s.exec(entry);
    if (m) known.set(m[3]!, `${m[1]} ${m[2]}\t${m[3]}`);
  }
  return { top, lines: rel.map((p) => known.get(p) ?? `0 ${ZERO_SHA}\t${p}`) };
}

/** Puts the entries of `snap` back into the index; throws if git refuses. */
export function restoreIndex(snap: IndexSnapshot): void {
  if (snap.lines.length === 0) return;
  execFileSync('git', ['update-index', '-z', '--index-info'], {
    cwd: snap.top,
    input: snap.lines.join('\0') + '\0',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}
