// Peak tensor memory of MCSoftmaxPixelHead on a 128x128 map with K = 21 classes and S = 100
// Monte Carlo samples, per chunk size, sampling resolution and noise model: one inference
// call (`predict`) and one training step (forward and backward, `tf.variableGrads`).
//
//   npm run build -w @uqjs/segmentation && node packages/segmentation/bench/peak-memory.mjs [--backend wasm]
//
// "peak" is the largest value `tf.memory().numBytes` (the total size of the live tensors that
// tfjs's engine tracks) takes during the call, watched on every change of the counter (the
// backend's own scratch space and the JS heap are not counted). It includes the input
// features and weights allocated before the call (1.0 MiB).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { enableFastWasmTraining } from '@uqjs/backend';
import { MCSoftmaxPixelHead } from '@uqjs/segmentation';

const backendFlag = process.argv.indexOf('--backend');
const backend = backendFlag > 0 ? process.argv[backendFlag + 1] : 'wasm';
if (backend === 'wasm') enableFastWasmTraining();
await tf.setBackend(backend);
await tf.ready();

const [height, width, numFeatures, numClasses, numSamples] = [128, 128, 16, 21, 100];
// Watch the engine's byte counter (the number behind tf.memory().numBytes) for its maximum.
const state = tf.engine().state;
let liveBytes = state.numBytes;
let peakBytes = liveBytes;
Object.defineProperty(state, 'numBytes', {
  get: () => liveBytes,
  set: (value) => {
    liveBytes = value;
    peakBytes = Math.max(peakBytes, value);
  },
});
/** The peak of tf.memory().numBytes while `f` runs. */
function peakOf(f) {
  peakBytes = liveBytes;
  f();
  return peakBytes;
}

const features = tf.randomNormal([1, height, width, numFeatures], 0, 1, 'float32', 1);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

const rows = [];
for (const numFactors of [0, 4]) {
  for (const sampleDownsample of [1, 2]) {
    for (const maxSamplesInMemory of [100, 25, 10]) {
      const head = new MCSoftmaxPixelHead({
        numClasses,
        numFactors,
        sampleDownsample,
        numSamples,
        maxSamplesInMemory,
        checkValues: false,
        seed: 1,
      });
      head.build([null, height, width, numFeatures]);
      const start = performance.now();
      const inference = peakOf(() => {
        tf.dispose(head.apply(features));
      });
      const trainStep = peakOf(() => {
        const { value, grads } = tf.variableGrads(() =>
          tf.mean(head.apply(features, { training: true })),
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      rows.push({
        noise: numFactors === 0 ? 'diagonal' : `factor R=${numFactors}`,
        f: sampleDownsample,
        chunk: maxSamplesInMemory,
        'predict peak MiB': mib(inference),
        'train step peak MiB': mib(trainStep),
        's (both)': ((performance.now() - start) / 1000).toFixed(1),
      });
      for (const weight of head.weights) weight.dispose();
    }
  }
}
console.log(
  `MCSoftmaxPixelHead, map [1, ${height}, ${width}, ${numClasses}], D = ${numFeatures}, S = ${numSamples}, backend ${tf.getBackend()}`,
);
console.table(rows);
console.log(
  `one [S, 1, ${height}, ${width}, ${numClasses}] float32 tensor: ${mib(4 * numSamples * height * width * numClasses)} MiB`,
);
