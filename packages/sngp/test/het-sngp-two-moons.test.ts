import * as tf from '@tensorflow/tfjs-core';
import { CustomCallback, initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { disposePredictive } from '@uqjs/core';
import { makeMoons } from '@uqjs/datasets';
import { logProbNll } from '@uqjs/mc-softmax';
import { describe, expect, it } from 'vitest';
import { HetSNGPHead, hetSngpPredictive, resetCovarianceCallback } from '../src/index.js';

describe('HetSNGPHead on two moons', () => {
  it('trains (loss decreases, test accuracy > 0.85) and is unsure far from the data', async () => {
    const train = makeMoons({ n: 320, noise: 0.1, seed: 1 });
    const test = makeMoons({ n: 200, noise: 0.1, seed: 2 });
    const dense = (units: number, seed: number, inputShape?: number[]) =>
      layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: initializers.glorotUniform({ seed }),
        ...(inputShape === undefined ? {} : { inputShape }),
      });
    const model = sequential({
      layers: [
        dense(32, 1, [2]),
        dense(32, 2),
        new HetSNGPHead({
          units: 2,
          numInducing: 128,
          trainSamples: 16,
          testSamples: 500,
          seed: 3,
          // Far from the data the GP variance tends to 1 / ridge = 10 (training ignores it).
          gpCovRidgePenalty: 0.1,
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: logProbNll });
    const x = tf.tensor2d(train.x, [320, 2]);
    const y = tf.oneHot(tf.tensor1d(train.y, 'int32'), 2);
    const losses: number[] = [];
    // Reads the epoch's loss; the read also waits for the queued kernels (on webgpu / lavapipe
    // an unbounded queue of kernels holds memory mappings until they run).
    const record = new CustomCallback({
      onEpochEnd: async (_epoch, logs) => {
        losses.push(logs!.loss as number);
      },
    });
    await model.fit(x, y, {
      epochs: 30,
      batchSize: 32,
      shuffle: false, // no dropout, seeded weights and noise: deterministic per backend
      verbose: 0,
      callbacks: [resetCovarianceCallback(), record],
    });
    // From ln 2 = 0.69 (a flat start) to well below: a fit, not noise.
    expect(losses[0]!).toBeGreaterThan(losses[losses.length - 1]! + 0.2);
    const xTest = tf.tensor2d(test.x, [200, 2]);
    const predictive = hetSngpPredictive(model, xTest);
    const probs = (await predictive.probs.array()) as number[][];
    const correct = probs.filter((p, i) => Number(p[1]! > 0.5) === test.y[i]).length;
    expect(correct / 200).toBeGreaterThan(0.85);
    disposePredictive(predictive);

    // Distance awareness: far from the moons (within [-1.2, 2.2] x [-0.8, 1.2]) the GP variance
    // pushes the predictive towards [0.5, 0.5]. Spread = mean of p (1 - p), 0.25 at most.
    const spread = async (inputs: tf.Tensor, gpVarianceWeight: number) => {
      const { probs } = hetSngpPredictive(model, inputs, { gpVarianceWeight });
      const p = (await probs.array()) as number[][];
      probs.dispose();
      return p.reduce((acc, row) => acc + row[1]! * (1 - row[1]!), 0) / p.length;
    };
    const far = tf.tensor2d(
      [10, 10, -10, 10, 10, -10, -10, -10, 0, 8, 6, 0, 3, -5, -4, -4],
      [8, 2],
    );
    // Measured on wasm: 0.241 with the GP variance, 0.198 without it, 0.0045 on the test set.
    const farSpread = await spread(far, 1);
    expect(farSpread).toBeGreaterThan(0.22);
    expect(farSpread).toBeGreaterThan((await spread(far, 0)) + 0.02);
    expect(await spread(xTest, 1)).toBeLessThan(0.05);
    far.dispose();
    tf.dispose([x, y, xTest]);
    model.dispose();
  });
});
