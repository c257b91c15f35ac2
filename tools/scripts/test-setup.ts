// Runs before every test file of every project (see vitest.config.ts): loads the JS
// backends and activates the one named by UQJS_TEST_BACKEND (default: wasm), so tests never
// depend on a GPU or on native TensorFlow. UQJS_TEST_BACKEND=webgpu runs on Dawn's adapter
// (Mesa lavapipe here: tools/webgpu/lavapipe-run.sh sets it up), with every op on the device
// (WEBGPU_CPU_FORWARD off) so that a synchronous read of a computed tensor fails as on a GPU;
// the tests that cannot run there are listed in tools/webgpu/test-exclusions.json.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const backend = process.env.UQJS_TEST_BACKEND ?? 'wasm';
if (backend === 'webgpu') {
  const { resolveBackend } = await import('@uqjs/backend');
  await resolveBackend({ prefer: 'webgpu', env: {}, log: false });
  if (process.env.UQJS_TEST_WEBGPU_STRICT === '1') tf.env().set('WEBGPU_CPU_FORWARD', false);
} else if (!(await tf.setBackend(backend))) {
  throw new Error(`test setup: backend '${backend}' did not load`);
}
await tf.ready();
