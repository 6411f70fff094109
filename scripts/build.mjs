// Bundles src/ and its libraries into one ESM file, so the published package has no dependencies.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * src/handlebars-env.ts compiles templates at run time with the full Handlebars (what tests use);
 * the bundle gets this module instead: the templates under templates/ precompiled now, with the
 * options src/handlebars-env.ts exports, and only `handlebars/runtime` to run them. The compiler and
 * its source-map library (150 kB) are then neither shipped nor loaded, and no template is compiled
 * while a user waits.
 */
async function precompiledTemplatesModule() {
  // The source module itself, bundled to plain JS, so its COMPILE_OPTIONS and Handlebars are the ones used here.
  const tmp = join('node_modules', '.cache', 'create-multiarch-hooks-build');
  mkdirSync(tmp, { recursive: true });
  const envFile = join(tmp, 'handlebars-env.mjs');
  await build({
    entryPoints: ['src/handlebars-env.ts'],
    outfile: envFile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  const { COMPILE_OPTIONS } = await import(pathToFileURL(envFile).href);
  const { default: Handlebars } = await import('handlebars');
  const specs = [];
  for (const e of readdirSync('templates', { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.hbs')) continue;
    const name = relative('templates', join(e.parentPath, e.name)).split(/[\\/]/).join('/');
    // As src/templates.ts reads it: LF line endings whatever the checkout did.
    const text = readFileSync(join(e.parentPath, e.name), 'utf8').replace(/\r\n/g, '\n');
    specs.push(`${JSON.stringify(name)}: ${Handlebars.precompile(text, COMPILE_OPTIONS)}`);
  }
  return `import Handlebars from 'handlebars/runtime';
export const COMPILE_OPTIONS = ${JSON.stringify(COMPILE_OPTIONS)};
const specs = {
${specs.join(',\n')}
};
export function newHandlebars() {
  return Handlebars.create();
}
export function compileTemplate(hbs, name) {
  const spec = specs[name];
  if (!spec) throw new Error(\`bug: the template \${name} was not precompiled by scripts/build.mjs\`);
  return hbs.template(spec);
}
`;
}
const precompiled = {
  name: 'precompiled-templates',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]handlebars-env\.ts$/ }, async () => ({
      contents: await precompiledTemplatesModule(),
      loader: 'js',
      resolveDir: resolve('src'),
    }));
  },
};

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
  plugins: [precompiled],
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
