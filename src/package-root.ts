import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder holding package.json and templates/: found by walking up from this module, so it
 * works from src/ (tests), from the bundled dist/cli.js, and from an installed package.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`bug: cannot find the package's templates/ above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function templatePath(...parts: string[]): string {
  return join(packageRoot(), 'templates', ...parts);
}
