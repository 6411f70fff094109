import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the CLI once and starts the shared local registry with per-arch base images.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // 2 cores: real builds under QEMU are CPU-bound, more workers only thrash.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
