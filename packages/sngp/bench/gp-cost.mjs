// What the GP head costs, on the wasm backend (one thread). Run after building:
//   (cd packages/sngp && npx tsc -p tsconfig.build.json && node bench/gp-cost.mjs [--json FILE])
// 1. predictWithCovariance on 256 examples, L = 1024: first call (Cholesky of the 1024 x 1024
//    precision in float64 + L^{-1}, then the variances) against later calls (cached factor).
// 2. Training: one epoch of model.fit (2048 examples, batch 128) of the tutorial's network
//    (hidden 128, 6 residual blocks, L = 1024) as SNGP, against the same network as the
//    deterministic ResNet (no spectral norm, Dense head). Median of 3 epochs after a warm-up.
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel } from '@tensorflow/tfjs-layers';
import { Rng } from '@uqjs/core';
import { buildSngpClassifier, crossEntropyFromLogits, resetCovarianceCallback } from '@uqjs/sngp';
import { median, writeJson } from '../../../tools/perf/bench-kit.mjs';

const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });

await tf.setBackend('wasm');
await tf.ready();
const rng = new Rng(1);
const n = 2048;
const x = tf.tensor2d(
  Float32Array.from({ length: 2 * n }, () => rng.normal()),
  [n, 2],
);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: n }, (_, i) => i % 2),
    'int32',
  ),
  2,
);
const options = { inputShape: [2], numClasses: 2, hidden: 128, numLayers: 6, numInducing: 1024 };

async function epochSeconds(model, callbacks) {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: crossEntropyFromLogits });
  const times = [];
  for (let rep = 0; rep < 4; rep++) {
    const start = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, callbacks });
    if (rep > 0) times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

const sngp = buildSngpClassifier(options);
const sngpEpoch = await epochSeconds(sngp, [resetCovarianceCallback()]);
const resnet = buildSngpClassifier({
  ...options,
  spectralNormalization: false,
  gaussianProcess: false,
});
const resnetEpoch = await epochSeconds(resnet, []);

const gp = sngp.layers.at(-1);
const features = functionalModel({
  inputs: sngp.inputs,
  outputs: sngp.outputs[0].inputs[0],
}).predict(tf.slice(x, 0, 256));
const time = (fn) => {
  const start = performance.now();
  tf.dispose(fn());
  return (performance.now() - start) / 1000;
};
const first = time(() => gp.predictWithCovariance(features));
const cached = median([0, 1, 2, 3, 4].map(() => time(() => gp.predictWithCovariance(features))));

console.log(`backend ${tf.getBackend()}`);
console.log(
  `predictWithCovariance, 256 x L=1024: first call ${first.toFixed(3)} s (Cholesky + L^-1), ` +
    `cached ${cached.toFixed(4)} s (median of 5): ratio ${(first / cached).toFixed(0)}x`,
);
console.log(
  `fit, one epoch of 2048 (batch 128), hidden 128 x 6 blocks: SNGP ${sngpEpoch.toFixed(2)} s, ` +
    `ResNet ${resnetEpoch.toFixed(2)} s (median of 3): ratio ${(sngpEpoch / resnetEpoch).toFixed(2)}x`,
);
writeJson(flags.json, {
  backend: tf.getBackend(),
  predictWithCovariance: { firstSeconds: first, cachedSeconds: cached },
  epoch: { sngpSeconds: sngpEpoch, resnetSeconds: resnetEpoch, ratio: sngpEpoch / resnetEpoch },
});
