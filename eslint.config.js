// ESLint's and typescript-eslint's recommended sets, without type information (a type-aware run
// would re-do what `tsc --noEmit` already checks, several times slower). Formatting is prettier's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', '.bench/', 'bench/results/', 'coverage/', 'hooks-fixtures/', 'templates/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  // CommonJS files (bench/lib/verdaccio-server.cjs) load modules the CommonJS way.
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
