// The webgpu part of `npm test`: every package's and app's test suite again with
// UQJS_TEST_BACKEND=webgpu on Dawn's adapter, every op on the device (UQJS_TEST_WEBGPU_STRICT=1:
// WEBGPU_CPU_FORWARD off, so a synchronous read of a computed tensor throws as on a GPU). Start it
// through tools/webgpu/lavapipe-run.sh (which installs Mesa lavapipe when missing and sets its
// environment). The test files that cannot run there are listed, each with why, in
// tools/webgpu/test-exclusions.json (vitest.config.ts leaves them out).
//   node tools/webgpu/test-webgpu.mjs [dir ...]   # e.g. packages/metrics apps/bench; default: all
// Reports: <package>/reports/vitest-webgpu.json (summed by tools/scripts/check.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../scripts/workspace.mjs';

const named = process.argv.slice(2);
const suites =
  named.length > 0
    ? named
    : ['packages', 'apps'].flatMap((group) =>
        readdirSync(join(root, group))
          .sort()
          .map((name) => `${group}/${name}`),
      );

const failed = [];
const started = Date.now();
for (const dir of suites) {
  const start = Date.now();
  // A suite whose files are all in the exclusion list runs nothing (vitest says so).
  const args = ['vitest', 'run', '--config', '../../vitest.config.ts', '--passWithNoTests'];
  const result = spawnSync('npx', args, {
    cwd: join(root, dir),
    stdio: 'inherit',
    env: { ...process.env, UQJS_TEST_BACKEND: 'webgpu', UQJS_TEST_WEBGPU_STRICT: '1' },
  });
  console.log(
    `--- webgpu ${dir}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - start) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) failed.push(dir);
}
console.log(
  `--- webgpu: ${suites.length} suites in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
if (failed.length > 0) {
  console.error(`webgpu tests failed in: ${failed.join(', ')}`);
  process.exit(1);
}
