// End-to-end check of `resolveBackend({ prefer: 'webgpu' })` where a WebGPU adapter exists (a GPU
// with a Vulkan driver, on Linux): picks the backend, then runs a matrix product and five
// `fusedAdam` steps of a small MLP on it and on `cpu` from the same seeded numbers, and compares.
// Reads are asynchronous (`await t.data()`): `dataSync()` throws on tfjs-backend-webgpu in Node.
//
//   node tools/webgpu/resolve-check.mjs      # needs `webgpu` and `@tensorflow/tfjs-backend-webgpu`
//
// Exit status 0 when every value matches cpu to 1e-4 relative, 1 otherwise; 2 when webgpu cannot load.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients (tfjs-core alone does not)
import { fusedAdam, resolveBackend } from '@uqjs/backend';

let resolved;
try {
  resolved = await resolveBackend({ prefer: 'webgpu' });
} catch (error) {
  console.error(String(error.message));
  process.exit(2);
}
console.log('resolved:', JSON.stringify(resolved));

/** A product and five Adam steps of a 32-64-10 MLP on the active backend; values as arrays. */
async function workload() {
  const draw = (shape, seed, scale = 1) =>
    tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
  const a = draw([128, 256], 1);
  const b = draw([256, 192], 2);
  const product = tf.matMul(a, b);
  const x = draw([64, 32], 3);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 4), 10));
  const params = [
    tf.variable(draw([32, 64], 5, 0.2)),
    tf.variable(tf.zeros([64])),
    tf.variable(draw([64, 10], 6, 0.2)),
    tf.variable(tf.zeros([10])),
  ];
  const [w1, b1, w2, b2] = params;
  const optimizer = fusedAdam(0.01);
  const losses = [];
  for (let step = 0; step < 5; step++) {
    const loss = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
        ),
      true,
    );
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  const out = {
    product: await product.data(),
    weights: await Promise.all(params.map((p) => p.data())),
    losses,
  };
  optimizer.dispose();
  tf.dispose([a, b, product, x, labels, ...params]);
  return out;
}

/** max |got - want| / max |want|. */
function relativeError(got, want) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

const onGpu = await workload();
await tf.setBackend('cpu');
const onCpu = await workload();
const errors = {
  product: relativeError(onGpu.product, onCpu.product),
  weights: Math.max(...onGpu.weights.map((w, i) => relativeError(w, onCpu.weights[i]))),
  losses: relativeError(onGpu.losses, onCpu.losses),
};
console.log('losses on', resolved.name, onGpu.losses.map((l) => l.toFixed(4)).join(' '));
console.log('losses on cpu', onCpu.losses.map((l) => l.toFixed(4)).join(' '));
console.log('relative errors against cpu:', JSON.stringify(errors));
const ok = Object.values(errors).every((e) => e < 1e-4) && onGpu.losses[4] < onGpu.losses[0];
console.log(ok ? 'OK' : 'MISMATCH');
process.exit(ok ? 0 : 1);
