import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  type LayersModel,
  layers,
  type SymbolicTensor,
  input as symbolicInput,
} from '@tensorflow/tfjs-layers';
import { checkPredictive, DataError, disposePredictive, InvalidArgumentError } from '@uqjs/core';
import { inverse, Matrix } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildSngpClassifier,
  crossEntropyFromLogits,
  type RandomFeatureGaussianProcess,
  resetCovarianceCallback,
  sngpPredictive,
} from '../src/index.js';
import {
  expectAllClose,
  expectNoLeak,
  normals,
  onWebgpu,
  roundTrip,
  SKIPPED_ON_WEBGPU,
} from './helpers.js';

const K = 3;
const L = 16;
const n = 30;

async function trained(gaussianProcess = true): Promise<LayersModel> {
  const model = buildSngpClassifier({
    inputShape: [2],
    numClasses: K,
    hidden: 8,
    numLayers: 2,
    numInducing: L,
    gaussianProcess,
    seed: 5,
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: crossEntropyFromLogits });
  const x = tf.tensor2d(normals(2 * n, 1), [n, 2]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % K),
      'int32',
    ),
    K,
  );
  await model.fit(x, y, {
    epochs: 2,
    batchSize: 10,
    verbose: 0,
    callbacks: gaussianProcess ? [resetCovarianceCallback()] : [],
  });
  return model;
}

describe('sngpPredictive', () => {
  let model: LayersModel;
  const x = tf.tensor2d(normals(14, 2, 2), [7, 2]);
  beforeAll(async () => {
    model = await trained();
  });

  it('gives softmax(logits / sqrt(1 + pi/8 var)) with var = phi^T P^{-1} phi (LU inverse)', async () => {
    const gp = model.layers.at(-1) as RandomFeatureGaussianProcess;
    // The GP's input, through an independently built sub-model.
    const features = functionalModel({
      inputs: model.inputs,
      outputs: model.outputs[0]!.inputs[0] as SymbolicTensor,
    }).predict(x) as tf.Tensor;
    const phi = Matrix.from1DArray(7, L, Array.from(await gp.randomFeatures(features).data()));
    const precision = gp.weights.find((w) => w.originalName.endsWith('gp_precision'))!.read();
    const pInv = inverse(Matrix.from1DArray(L, L, Array.from(await precision.data())));
    const logits = (await (model.predict(x) as tf.Tensor).array()) as number[][];
    const predictive = checkPredictive(sngpPredictive(model, x), 'predictive', 'test');
    const probs = (await predictive.probs.array()) as number[][];
    logits.forEach((z, b) => {
      const row = phi.getRowVector(b);
      const variance = row.mmul(pInv).mmul(row.transpose()).get(0, 0);
      const adjusted = z.map((v) => v / Math.sqrt(1 + (Math.PI / 8) * variance));
      const total = adjusted.reduce((acc, v) => acc + Math.exp(v), 0);
      expectAllClose(
        probs[b]!,
        adjusted.map((v) => Math.exp(v) / total),
        5,
      );
    });
    expect(predictive.variance?.shape).toEqual([7, K]);
  });

  it('gives the same numbers in any batch size, and softmax(logits) with lambda = 0', async () => {
    const whole = sngpPredictive(model, x);
    const chunked = sngpPredictive(model, x, { batchSize: 3 });
    expectAllClose(await chunked.probs.data(), await whole.probs.data(), 6);
    expectAllClose(await chunked.variance!.data(), await whole.variance!.data(), 6);
    const off = await sngpPredictive(model, x, { lambda: 0 }).probs.data();
    const softmax = await tf.softmax(model.predict(x) as tf.Tensor).data();
    expectAllClose(off, softmax, 6);
  });

  it('gives softmax(logits) and no variance for a model without the GP head', async () => {
    const resnet = await trained(false);
    const predictive = sngpPredictive(resnet, x);
    expect(predictive.variance).toBeUndefined();
    const softmax = await tf.softmax(resnet.predict(x) as tf.Tensor).data();
    expectAllClose(await predictive.probs.data(), softmax, 6);
  });

  it('round-trips with the model: identical probabilities and variances after save / load', async () => {
    const loaded = await roundTrip(model);
    const a = sngpPredictive(model, x);
    const b = sngpPredictive(loaded, x);
    expect(Array.from(await b.probs.data())).toEqual(Array.from(await a.probs.data()));
    expect(Array.from(await b.variance!.data())).toEqual(Array.from(await a.variance!.data()));
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => sngpPredictive(model, tf.ones([2, 3]))).toThrow(
      'sngpPredictive: x must be of shape [*, 2], got [2, 3]',
    );
    expect(() => sngpPredictive({} as LayersModel, x)).toThrow(InvalidArgumentError);
    expect(() => sngpPredictive({} as LayersModel, x)).toThrow(
      'sngpPredictive: model must be a tf.LayersModel',
    );
    expect(() => sngpPredictive(model, x, { batchSize: 0 })).toThrow(
      'sngpPredictive: options.batchSize must be an integer >= 1, got 0',
    );
    expect(() => sngpPredictive(model, x, { lambda: Number.POSITIVE_INFINITY })).toThrow(
      'sngpPredictive: options.lambda must be a finite number, got Infinity',
    );
    expect(() => sngpPredictive(model, x, { lambda: -1 })).toThrow(
      'sngpPredictive: options.lambda must be a finite number >= 0 (0 turns the mean-field adjustment off), got -1',
    );
    expect(() => sngpPredictive(model, x, null as never)).toThrow(
      'sngpPredictive: options must be an object',
    );
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [[{ lambda: 1 }], x]) {
      expect(() => sngpPredictive(model, x, bad as never)).toThrow(
        /^sngpPredictive: options must be an object \{ lambda\?, batchSize\? \}, got /,
      );
    }
    expect(() => sngpPredictive(model, null as never)).toThrow(
      'sngpPredictive: x must be a tensor, got null',
    );
  });

  it('rejects a model whose last layer is not the GP (a softmax after it)', () => {
    const softmaxed = functionalModel({
      inputs: model.inputs,
      outputs: layers
        .activation({ activation: 'softmax' })
        .apply(model.outputs[0]!) as SymbolicTensor,
    });
    expect(() => sngpPredictive(softmaxed, x)).toThrow(InvalidArgumentError);
    expect(() => sngpPredictive(softmaxed, x)).toThrow(
      'sngpPredictive: model must be a model whose output is produced by its RandomFeatureGaussianProcess layer',
    );
  });

  it('rejects a GP-free model whose output is already softmax probabilities', () => {
    const input = symbolicInput({ shape: [2] });
    const probsModel = functionalModel({
      inputs: input,
      outputs: layers.dense({ units: K, activation: 'softmax' }).apply(input) as SymbolicTensor,
    });
    expect(() => sngpPredictive(probsModel, x)).toThrow(
      'sngpPredictive: model must be a model that outputs logits (no softmax or sigmoid on the output layer)',
    );
  });

  it('fails with a DataError on NaN inputs instead of returning NaN probabilities', async (ctx) => {
    ctx.skip(onWebgpu(), SKIPPED_ON_WEBGPU);
    const bad = tf.tensor2d([
      [0, 1],
      [Number.NaN, 0],
    ]);
    const before = tf.memory().numTensors;
    expect(() => sngpPredictive(model, bad)).toThrow(DataError);
    expect(() => sngpPredictive(model, bad)).toThrow('not finite');
    const resnet = await trained(false);
    const afterBuild = tf.memory().numTensors;
    expect(() => sngpPredictive(resnet, bad)).toThrow(
      "sngpPredictive: the model's logits are not finite",
    );
    expect(tf.memory().numTensors).toBe(afterBuild);
    expect(afterBuild).toBeGreaterThan(before);
  });

  it('does not leak tensors', () => {
    expectNoLeak(() => {
      const predictive = sngpPredictive(model, x, { batchSize: 4 });
      disposePredictive(predictive);
      return undefined;
    });
  });
});
