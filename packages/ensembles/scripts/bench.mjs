// Measures DeepEnsemble.fit against tfjs's own model.fit for the same members, epochs and
// batch size, in one run, on the backend named by UQJS_BACKEND (default wasm). Run after
// building:   node scripts/bench.mjs
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { DeepEnsemble } from '@uqjs/ensembles';

await tf.setBackend(process.env.UQJS_BACKEND ?? 'wasm');
const [n, d, size, epochs, batchSize] = [2048, 32, 5, 5, 64];
const build = () => {
  const m = sequential();
  m.add(layers.dense({ inputShape: [d], units: 64, activation: 'relu' }));
  m.add(layers.dense({ units: 64, activation: 'relu' }));
  m.add(layers.dense({ units: 4, activation: 'softmax' }));
  return m;
};
const x = tf.randomNormal([n, d], 0, 1, 'float32', 1);
const labels = tf.tidy(() => tf.cast(tf.argMax(tf.slice(x, [0, 0], [-1, 4]), 1), 'int32'));
const oneHot = tf.oneHot(labels, 4);
const steps = size * epochs * Math.ceil(n / batchSize);

const ensemble = DeepEnsemble.create(build, { size, seed: 1 });
let start = performance.now();
await ensemble.fit(x, labels, { epochs, batchSize, learningRate: 1e-3 });
const ours = performance.now() - start;

const models = Array.from({ length: size }, build);
start = performance.now();
for (const m of models) {
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  await m.fit(x, oneHot, { epochs, batchSize, shuffle: true, verbose: 0 });
}
const reference = performance.now() - start;

start = performance.now();
const p = ensemble.predict(x);
const predictMs = performance.now() - start;
tf.dispose([p.probs, p.members, p.variance]);
console.log(
  `DeepEnsemble.fit: ${ours.toFixed(0)} ms for ${steps} steps (${(ours / steps).toFixed(2)} ms/step)`,
);
console.log(
  `model.fit x ${size}: ${reference.toFixed(0)} ms (${(reference / steps).toFixed(2)} ms/step)`,
);
console.log(`DeepEnsemble.predict N=${n}, M=${size}: ${predictMs.toFixed(0)} ms`);
console.log(
  `backend ${tf.getBackend()}: DeepEnsemble.fit / model.fit = ${(ours / reference).toFixed(2)}`,
);
