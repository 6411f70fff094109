import { defineConfig } from 'vitest/config';

// The whole suite but the serial tier: run through `npm test` (scripts/test.sh), which installs
// the test bed and runs this inside its network namespace. `npm run test:unit` is the fast tier.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/serial/**', '**/node_modules/**'],
    // Builds the CLI once, starts the shared local registry with per-arch base images and the test
    // bed's Docker engine with the same images loaded.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // 2 cores: real builds under QEMU are CPU-bound, more workers only thrash.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
