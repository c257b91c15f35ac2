// Training steps of the paper's MNIST MLP with an MCSoftmaxDense head as it grows confident:
// one fixed batch trained over and over, so that within a few dozen steps the model rules out
// most classes with log-probabilities far below -60, where the fused MC softmax kernels of
// @uqjs/backend (on wasm) leave their fast float32 form for an exact one. Prints the wall time
// of every --every-th step and the lowest log predictive probability the head gave then; a step
// time that jumps once that falls below -60 is the exact path's cost.
//
//   npx nx run-many -t build        # the script imports the packages' dist/
//   node packages/mc-softmax/bench/confident-steps.mjs [--samples 1000] [--steps 150] [--every 15]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { logProbNll, MCSoftmaxDense } from '@uqjs/mc-softmax';
import { useBackend } from '../../../tools/perf/bench-kit.mjs';
import { adam, mlp, randomBatch } from '../../backend/bench/models.mjs';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    samples: { type: 'string', default: '1000' },
    steps: { type: 'string', default: '150' },
    every: { type: 'string', default: '15' },
  },
});
const [samples, steps, every] = ['samples', 'steps', 'every'].map((name) => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a positive integer`);
  return value;
});

const backend = await useBackend(flags.backend);
const base = mlp();
const features = base.layers[base.layers.length - 2].output;
const head = new MCSoftmaxDense({ numClasses: 10, trainSamples: samples, seed: 30 });
const model = tfl.model({ inputs: base.inputs, outputs: head.apply(features) });
model.compile({ optimizer: adam(), loss: logProbNll });
const { x, y } = randomBatch(128, [784], 5);
console.log(
  `${backend.name}: MNIST MLP + MCSoftmaxDense S=${samples}, batch 128, one fixed batch, ${steps} steps`,
);
for (let step = 0; step < steps; step++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  const ms = performance.now() - start;
  if (step % every === 0 || step === steps - 1) {
    // The log predictive probabilities of the same batch (the training samples' seed stream).
    const min = tf.tidy(() => tf.min(model.predict(x)));
    const [lowest] = await min.data();
    min.dispose();
    console.log(
      `  step ${String(step).padStart(4)}: ${ms.toFixed(1).padStart(6)} ms, lowest log p ${lowest.toFixed(1)}`,
    );
  }
}
tf.dispose([x, y]);
model.dispose();
