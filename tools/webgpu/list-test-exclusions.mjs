// Rewrites tools/webgpu/test-exclusions.json: every test file of packages/* and apps/* whose own
// code, or a local module it imports (test helpers), reads tensors synchronously, which throws on
// webgpu for data on the device, and, for other reasons, the files in WHY_NOT_ON_WEBGPU, those that
// make no tensor (BACKEND_FREE_TESTS) and the tests of the wasm kernels (WASM_KERNEL_TESTS) below.
// `*.webgpu.test.ts` files are written for webgpu and never listed.
// Run it after converting tests to `await t.data()`: node tools/webgpu/list-test-exclusions.mjs
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { root } from '../scripts/workspace.mjs';

const PATTERN = /\.(dataSync|arraySync|bufferSync)\s*\(/g;
const count = (path) =>
  existsSync(path) ? (readFileSync(path, 'utf8').match(PATTERN) ?? []).length : 0;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') && !name.endsWith('.webgpu.test.ts') ? [path] : [];
  });
}

/** Test files that cannot run on webgpu for reasons other than their own synchronous reads. */
const WHY_NOT_ON_WEBGPU = {
  'apps/playground/test/e2e.test.ts':
    "drives the built page in headless Chromium, where tfjs runs on the browser's own backend, not on " +
    'UQJS_TEST_BACKEND; the unit tests run it once',
  'apps/playground/test/run.test.ts':
    "runs the browser playground's evaluation, whose regression path reads synchronously " +
    '(src/evaluate-regressor.ts, allowed: the page runs on webgl or cpu, never on webgpu)',
  'packages/metrics/test/tensors.test.ts':
    'checks that the synchronous metrics read tensor arguments on the JS side without leaking; on webgpu ' +
    'a tensor on the device cannot be read synchronously, and that refusal (a BackendError that says to ' +
    'pass `await t.data()`) is what test/sync-read.test.ts checks there',
};

/**
 * Tests of uqjs's own wasm kernels (`enableFastWasmTraining`, `fusedAdam`'s fused update): each
 * selects `wasm`, with `cpu` as the reference, whatever UQJS_TEST_BACKEND says, so on the webgpu
 * pass it would repeat the wasm pass and check nothing of webgpu. What of @uqjs/backend runs on
 * webgpu is tested there: `resolveBackend`, `fusedAdam` (test/fused-adam.webgpu.test.ts) and the
 * dilated conv2d gradient.
 */
const WASM_KERNEL_TESTS = [
  'packages/backend/test/fast-wasm-training.test.ts',
  'packages/backend/test/fused-adam.test.ts',
  ...readdirSync(join(root, 'packages/backend/test/kernels'))
    .filter((name) => name.endsWith('.test.ts') && name !== 'dilated-conv2d-grad.test.ts')
    .map((name) => `packages/backend/test/kernels/${name}`),
];
const WASM_KERNEL_REASON =
  "tests uqjs's wasm kernels: it selects wasm (cpu as the reference) itself, so on the webgpu pass " +
  'it would repeat the wasm pass; fused-adam.webgpu.test.ts and dilated-conv2d-grad.test.ts cover ' +
  "@uqjs/backend's device paths there";

/**
 * Test files that make no tensor (they import no tfjs package), so the backend cannot change what
 * they run and the webgpu pass would only repeat the unit pass. Listed where that repeat is long;
 * checked below to import no tfjs.
 */
const BACKEND_FREE_TESTS = {
  'packages/noise/test/fill-rows.test.ts':
    "makes no tensor: it compares @uqjs/noise's JavaScript row fills with their WebAssembly module " +
    'bit for bit, the same on every backend, so the webgpu pass would repeat the unit pass (~45 s)',
};
for (const file of Object.keys(BACKEND_FREE_TESTS)) {
  if (/from '@tensorflow\//.test(readFileSync(join(root, file), 'utf8'))) {
    throw new Error(
      `${file} imports tfjs: it is not backend-free, take it out of BACKEND_FREE_TESTS`,
    );
  }
}

const files = {
  ...WHY_NOT_ON_WEBGPU,
  ...BACKEND_FREE_TESTS,
  ...Object.fromEntries(WASM_KERNEL_TESTS.sort().map((file) => [file, WASM_KERNEL_REASON])),
};
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group)).sort()) {
    for (const path of testFiles(join(root, group, name, 'test')).sort()) {
      if (relative(root, path) in files) continue;
      const source = readFileSync(path, 'utf8');
      const parts = [];
      const own = (source.match(PATTERN) ?? []).length;
      if (own > 0) parts.push(`${own} in the file`);
      for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const helper = join(dirname(path), spec.replace(/\.js$/, '.ts'));
        const n = count(helper.endsWith('.ts') ? helper : `${helper}.ts`);
        if (n > 0) parts.push(`${n} in ${relative(dirname(path), helper)}`);
      }
      if (parts.length > 0) {
        files[relative(root, path)] =
          `the test code reads tensors synchronously (dataSync/arraySync/bufferSync: ${parts.join(', ')}), ` +
          'which throws on webgpu for data on the device; it runs there once those read with await t.data()';
      }
    }
  }
}
const about =
  'Test files not run with UQJS_TEST_BACKEND=webgpu (vitest.config.ts excludes them there), each with why; ' +
  'written by tools/webgpu/list-test-exclusions.mjs. Library code must not read synchronously ' +
  "(tools/scripts/check-sync-reads.mjs); these tests' own code still does.";
writeFileSync(
  join(root, 'tools', 'webgpu', 'test-exclusions.json'),
  `${JSON.stringify({ about, files }, null, 2)}\n`,
);
console.log(`${Object.keys(files).length} test files listed`);
