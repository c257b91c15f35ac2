import { defineConfig } from 'vitest/config';

/**
 * One vitest configuration for every package: each package's `test` script runs
 * `vitest run --config ../../vitest.config.ts` from its own directory, so `root` is the
 * package and the JSON report lands in `<package>/reports/vitest.json`, where
 * `tools/scripts/check.mjs` reads it to print the closing `Tests:` line.
 */
export default defineConfig({
  test: {
    root: process.cwd(),
    include: ['test/**/*.test.ts'],
    setupFiles: [new URL('./tools/scripts/test-setup.ts', import.meta.url).pathname],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
    pool: 'forks',
    fileParallelism: false,
  },
});
