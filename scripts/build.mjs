// Bundles src/ and its libraries into one ESM file, so the published package has no dependencies.
import { build } from 'esbuild';

await build({
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
  logLevel: 'warning',
});
