import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, Rng } from '@uqjs/core';
import { ImageDataset } from '@uqjs/datasets';
import { nll } from '@uqjs/metrics';
import { describe, expect, it } from 'vitest';
import { predictProbs } from '../src/evaluate.js';
import type { MethodContext } from '../src/methods/method.js';
import { homoscedastic } from '../src/methods/tempered-softmax.js';
import { trainWithEarlyStopping } from '../src/train.js';

/** `n` points in 4-D with labels: a linear rule, or uniformly random (pure noise). */
function dataset(n: number, seed: number, random: boolean): ImageDataset {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: 4 * n }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) =>
    random ? rng.int(3) : (x[4 * i]! > 0 ? 1 : 0) + (x[4 * i + 1]! > 0.5 ? 1 : 0),
  );
  return new ImageDataset({ images: x, shape: [n, 1, 1, 4], labels, numClasses: 3 });
}

const context: MethodContext = {
  body: { kind: 'mlp', hidden: [16] },
  inputShape: [4],
  numClasses: 3,
  temperature: 1,
  trainSamples: 1,
  evalSamples: 1,
  noise: 'normal',
  ensembleSize: 2,
  seed: 5,
};

async function train(random: boolean, learningRate: number) {
  const data = { train: dataset(64, 1, random), validation: dataset(64, 2, random) };
  const method = homoscedastic.create(context);
  const opts = { maxEpochs: 30, patience: 2, batchSize: 16, learningRate, seed: 9, flatten: true };
  const result = await trainWithEarlyStopping(method, data, opts);
  const probs = predictProbs(method, data.validation, true, deriveSeed(9, 'validation'));
  // Read asynchronously (metrics read tensors synchronously, which a GPU backend refuses).
  const restored = nll({ data: await probs.data(), numClasses: 3 }, data.validation.labels);
  probs.dispose();
  method.dispose();
  return { result, restored };
}

describe('trainWithEarlyStopping', () => {
  it('stops `patience` epochs after the best validation NLL and restores that epoch', async () => {
    // Random labels: the network can only overfit, so validation NLL soon rises.
    const { result, restored } = await train(true, 0.05);
    const { bestEpoch, epochs, validationNll } = result;
    expect(epochs).toBeLessThan(30);
    expect(epochs - bestEpoch).toBe(2);
    expect(validationNll).toHaveLength(epochs);
    expect(bestEpoch).toBe(validationNll.indexOf(Math.min(...validationNll)) + 1);
    // The weights left behind are the best epoch's: same validation NLL (same MC seed).
    expect(restored).toBeCloseTo(validationNll[bestEpoch - 1]!, 5);
  });

  it('learns a learnable rule, deterministically, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const first = await train(false, 0.01);
    expect(tf.memory().numTensors).toBe(before);
    const second = await train(false, 0.01);
    expect(second.result).toEqual(first.result);
    const { validationNll, trainLoss } = first.result;
    // Chance is log 3 = 1.0986; the linear rule is learnable, so both losses fall well below it.
    expect(Math.min(...validationNll)).toBeLessThan(0.9);
    expect(trainLoss[trainLoss.length - 1]!).toBeLessThan(trainLoss[0]!);
  });
});
