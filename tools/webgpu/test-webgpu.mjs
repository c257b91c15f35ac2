// The webgpu part of `npm test`: runs test suites with UQJS_TEST_BACKEND=webgpu on Dawn's
// adapter. Start it through tools/webgpu/lavapipe-run.sh (which installs Mesa lavapipe when
// missing and sets its environment). On this 2-core CI machine lavapipe is slow, so it runs a
// subset that fits in about 5 minutes: the bench end to end on webgpu against wasm (moons and
// mnist: training, MC heads, fused Adam, every metric, the outputs), resolveBackend, fusedAdam
// over a CNN's 12 weights against tf.train.adam, and the
// metrics suite; `--all` runs every package's suite (minus tools/webgpu/test-exclusions.json).
// Reports: <package>/reports/vitest-webgpu.json (summed by tools/scripts/check.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../scripts/workspace.mjs';

const SUBSET = [
  ['apps/bench', ['test/webgpu.e2e.webgpu.test.ts']],
  ['packages/backend', ['test/resolve-backend.test.ts', 'test/fused-adam.webgpu.test.ts']],
  ['packages/metrics', []],
];
const all = process.argv.includes('--all');
const suites = all
  ? ['packages', 'apps'].flatMap((group) =>
      readdirSync(join(root, group))
        .filter((name) => name !== 'playground')
        .map((name) => [`${group}/${name}`, []]),
    )
  : SUBSET;

const failed = [];
for (const [dir, files] of suites) {
  const started = Date.now();
  const result = spawnSync(
    'npx',
    ['vitest', 'run', '--config', '../../vitest.config.ts', ...files],
    {
      cwd: join(root, dir),
      stdio: 'inherit',
      env: { ...process.env, UQJS_TEST_BACKEND: 'webgpu' },
    },
  );
  console.log(
    `--- webgpu ${dir}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) failed.push(dir);
}
if (failed.length > 0) {
  console.error(`webgpu tests failed in: ${failed.join(', ')}`);
  process.exit(1);
}
