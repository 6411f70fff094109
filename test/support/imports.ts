/**
 * The import graph of src/, read from the sources (a regex over import/export ... from lines; the
 * codebase writes every import on such lines). `import type` and `export type` are left out: they
 * are erased when compiled and load nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const SRC = resolve(import.meta.dirname, '../../src');

/** Every .ts file under src/, relative to src/ with POSIX separators. */
export function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(SRC, join(e.parentPath, e.name)).split('\\').join('/'));
}

/**
 * What `file` (relative to src/) imports at run time: other src files (relative to src/, `.ts`)
 * and packages or builtins as written (`node:fs`, `yaml`). Dynamic `import('...')` counts too.
 */
export function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specs: string[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) {
    if (m[1]) continue;
    const spec = (m[2] ?? m[3])!;
    if (spec.startsWith('.'))
      specs.push(
        relative(SRC, resolve(dirname(join(SRC, file)), spec))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts'),
      );
    else specs.push(spec);
  }
  return specs;
}

/** Every src file `file` loads, directly or through others (itself included). */
export function reachableFrom(file: string): Set<string> {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const s of importsOf(f)) if (s.endsWith('.ts')) todo.push(s);
  }
  return seen;
}
