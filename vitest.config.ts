import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const repoRoot = new URL('.', import.meta.url).pathname;

/**
 * With UQJS_TEST_BACKEND=webgpu, this package's test files listed in
 * tools/webgpu/test-exclusions.json (each with why), relative to the package.
 * UQJS_WEBGPU_EXCLUSIONS names another list of the same shape (to try excluded files).
 */
function webgpuExclusions(): string[] {
  // `*.webgpu.test.ts`: tests of the webgpu backend itself, run only there.
  if (process.env.UQJS_TEST_BACKEND !== 'webgpu') return ['test/**/*.webgpu.test.ts'];
  const list = JSON.parse(
    readFileSync(
      process.env.UQJS_WEBGPU_EXCLUSIONS ??
        new URL('./tools/webgpu/test-exclusions.json', import.meta.url),
      'utf8',
    ),
  ) as { files: Record<string, string> };
  const here = relative(repoRoot, process.cwd());
  return Object.keys(list.files)
    .filter((file) => file.startsWith(`${here}/`))
    .map((file) => file.slice(here.length + 1));
}

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
    exclude: [...configDefaults.exclude, ...webgpuExclusions()],
    setupFiles: [new URL('./tools/scripts/test-setup.ts', import.meta.url).pathname],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: {
      json:
        process.env.UQJS_TEST_BACKEND === 'webgpu'
          ? 'reports/vitest-webgpu.json'
          : 'reports/vitest.json',
    },
    pool: 'forks',
    fileParallelism: false,
  },
});
