import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The serial tier: tests that change what the whole machine shares (the host's binfmt handlers),
// run alone after the rest of the suite (scripts/test.sh), one file at a time.
export default defineConfig({
  test: { ...base.test, include: ['test/serial/**/*.test.ts'], exclude: ['**/node_modules/**'], maxWorkers: 1, fileParallelism: false },
});
