import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, Rng } from '@uqjs/core';
import { ImageDataset } from '@uqjs/datasets';
import { nll } from '@uqjs/metrics';
import { describe, expect, it } from 'vitest';
import { predictProbs } from '../src/evaluate.js';
import { homoscedasticEnsemble } from '../src/methods/ensemble.js';
import { softmaxNll } from '../src/methods/losses.js';
import type { MethodContext, MethodModel } from '../src/methods/method.js';
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

describe('trainWithEarlyStopping hooks', () => {
  /**
   * Rows whose first feature is their index, so a batch tells which rows it holds; labels
   * cycle through the classes, or are all class 0.
   */
  function indexed(n: number, zeros = false): ImageDataset {
    const x = Float32Array.from({ length: 4 * n }, (_, i) => (i % 4 === 0 ? i / 4 : 0));
    const labels = Int32Array.from({ length: n }, (_, i) => (zeros ? 0 : i % 3));
    return new ImageDataset({ images: x, shape: [n, 1, 1, 4], labels, numClasses: 3 });
  }

  it("trains each model on its trainingRows and feeds trainingBatch's tensors, seeded per batch", async () => {
    const before = tf.memory().numTensors;
    const base = homoscedasticEnsemble(context);
    // Model 0: the even rows, model 1: the rows 0..9.
    const subsets = [
      Array.from({ length: 10 }, (_, i) => 2 * i),
      Array.from({ length: 10 }, (_, i) => i),
    ];
    const seen: { rows: tf.Tensor; seed: number }[] = [];
    const method: MethodModel = {
      models: base.members,
      loss: (labels, logits) => softmaxNll(labels, logits),
      trainingRows: (m) => subsets[m]!,
      // Keeps each batch's row indices (its first feature) and replaces every label by
      // class 0, in new tensors the trainer must dispose.
      trainingBatch: (x, labels, seed) => {
        seen.push({ rows: tf.tidy(() => tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1])), seed });
        return { x: tf.clone(x), labels: tf.zerosLike(labels) };
      },
      predict: (x) => base.predict(x),
      dispose: () => base.dispose(),
    };
    const opts = { maxEpochs: 3, patience: 3, batchSize: 4, learningRate: 0.05, seed: 9 };
    const progress: number[] = [];
    await trainWithEarlyStopping(
      method,
      { train: indexed(30), validation: indexed(12, true) },
      { ...opts, flatten: true, onProgress: (p) => progress.push(p.batches) },
    );
    // 10 rows in batches of 4: 3 batches per model, 6 per epoch.
    expect(new Set(progress)).toEqual(new Set([6]));
    expect(seen).toHaveLength(3 * 6);
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (const m of [0, 1]) {
        const batches = seen.slice((epoch - 1) * 6 + 3 * m, (epoch - 1) * 6 + 3 * m + 3);
        expect(batches.map((b) => b.seed)).toEqual(
          [0, 1, 2].map((i) => deriveSeed(9, 'batch', m, epoch, i)),
        );
        const rows = (await Promise.all(batches.map((b) => b.rows.data()))).flatMap((r) => [...r]);
        expect(rows.sort((a, b) => a - b)).toEqual(subsets[m]);
      }
    }
    // Trained on class-0 labels only (and stopped on class-0 validation labels): every row
    // now predicts class 0 (chance is 1/3).
    const probs = predictProbs(method, indexed(12), true, 1);
    const values = await probs.data();
    for (let i = 0; i < 12; i++) expect(values[3 * i]!).toBeGreaterThan(0.5);
    tf.dispose([probs, ...seen.map((s) => s.rows)]);
    method.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
