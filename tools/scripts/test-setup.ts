// Runs before every test file of every project (see vitest.config.ts): loads the JS
// backends and activates the one named by UQJS_TEST_BACKEND (default: wasm), so tests never
// depend on a GPU or on native TensorFlow.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const backend = process.env.UQJS_TEST_BACKEND ?? 'wasm';
if (!(await tf.setBackend(backend)))
  throw new Error(`test setup: backend '${backend}' did not load`);
await tf.ready();
