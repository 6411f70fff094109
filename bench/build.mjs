// Bundles bench/main.ts (and the test/support helpers it imports) into .bench/bench.mjs.
// Node 20 cannot run TypeScript itself (no --experimental-strip-types before Node 22.6), and
// esbuild is already a devDependency. Each source file keeps its own import.meta.url, because
// the helpers find files next to themselves (test/support/docker-shim, the repo root).
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['bench/main.ts'],
  outfile: '.bench/bench.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  plugins: [keepImportMetaUrl],
  logLevel: 'warning',
});
