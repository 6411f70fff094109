// Bundles src/ and its libraries into one ESM file, so the published package has no dependencies.
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  // `verify` and `simulate` are imported lazily: as separate chunks, the generator never parses them.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Whitespace and syntax only: identifiers stay, so the stack a bug prints names real functions
  // without shipping a source map.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  // yargs and friends are CommonJS-aware ESM; a require shim lets bundled CJS (handlebars) load builtins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

// Chunk names carry a hash, so every change leaves the previous chunks behind and `npm pack` would
// ship them. Remove whatever this build did not write; afterwards, not before, so a CLI that is
// running (tests, another terminal) never finds dist/cli.js missing.
const written = new Set(Object.keys(result.metafile.outputs).map((p) => relative('dist', p)));
for (const e of readdirSync('dist', { withFileTypes: true, recursive: true })) {
  const rel = relative('dist', join(e.parentPath, e.name));
  if (e.isFile() && !written.has(rel)) rmSync(join('dist', rel));
}
