// Measures mcDropoutPredict against the same number of plain forward passes (model.predict),
// in one run, on the backend named by UQJS_BACKEND (default wasm). Run after building:
//   node scripts/bench.mjs
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { MCDropout, mcDropoutPredict } from '@uqjs/mc-dropout';

await tf.setBackend(process.env.UQJS_BACKEND ?? 'wasm');
const [n, d, h, k, samples] = [1000, 784, 256, 10, 50];
const model = sequential();
model.add(layers.dense({ inputShape: [d], units: h, activation: 'relu' }));
model.add(new MCDropout({ rate: 0.5 }));
model.add(layers.dense({ units: k, activation: 'softmax' }));
const x = tf.randomNormal([n, d], 0, 1, 'float32', 1);

const plainPasses = () => {
  for (let s = 0; s < samples; s++) tf.dispose(model.predict(x, { batchSize: 128 }));
};
const mcPasses = () => {
  const p = mcDropoutPredict(model, x, { numSamples: samples, seed: 1 });
  tf.dispose([p.probs, p.members, p.variance]);
};
// Alternate the two, three rounds after a warm-up, and keep each one's fastest round: the
// machine is shared, so the minimum is the least disturbed measurement.
plainPasses();
mcPasses();
const best = { plain: Infinity, mc: Infinity };
for (let round = 0; round < 3; round++) {
  for (const [key, fn] of [
    ['plain', plainPasses],
    ['mc', mcPasses],
  ]) {
    const start = performance.now();
    fn();
    best[key] = Math.min(best[key], performance.now() - start);
  }
}
console.log(`${samples} x model.predict [${n}, ${d}], batchSize 128: ${best.plain.toFixed(0)} ms`);
console.log(`mcDropoutPredict S=${samples}, N=${n}, batchSize 128: ${best.mc.toFixed(0)} ms`);
console.log(
  `backend ${tf.getBackend()}: mcDropoutPredict / plain passes = ${(best.mc / best.plain).toFixed(2)}`,
);
