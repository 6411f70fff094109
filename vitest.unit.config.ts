import { defineConfig } from 'vitest/config';

// The fast tier (`npm run test:unit`): the rewriter, rendering, plans, the registry client and
// verify's parsing, against in-process servers. No root, no Docker engine, no registry, no QEMU:
// seconds on any machine with Node, git and openssl. `npm test` runs these too, with the rest.
export const UNIT_TESTS = [
  'test/layout.test.ts',
  'test/dockerfile/**/*.test.ts',
  'test/hooks/**/*.test.ts',
  'test/generate/**/*.test.ts',
  'test/registry/**/*.test.ts',
  'test/runtime/context.test.ts',
  'test/simulate/rules.test.ts',
  'test/verify/hostile.test.ts',
  'test/verify/usage.test.ts',
];

export default defineConfig({
  test: { include: UNIT_TESTS, testTimeout: 30_000, reporters: ['default'] },
});
