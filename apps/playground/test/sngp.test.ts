import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { gpLogitDraws } from '../src/methods/sngp.js';

test('gpLogitDraws: [S, N, K] draws with the posterior mean and variance, seeded, no leak', async () => {
  const before = tf.memory().numTensors;
  const logits = tf.tensor2d([1, -1, 0, 2], [2, 2]);
  const variance = tf.tensor1d([0.25, 4]);
  const s = 4000;
  const draws = gpLogitDraws({ logits, variance }, s, 7);
  expect(draws.shape).toEqual([s, 2, 2]);
  const values = await draws.data();
  const again = gpLogitDraws({ logits, variance }, s, 7);
  expect(await again.data()).toEqual(values);
  const means = [1, -1, 0, 2];
  const variances = [0.25, 0.25, 4, 4];
  for (let j = 0; j < 4; j++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < s; i++) {
      const v = values[i * 4 + j]!;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / s;
    const sampleVariance = sumSq / s - mean * mean;
    // The sample mean's SE is sqrt(var / S); 5 SE. The sample variance of a normal has SE
    // var * sqrt(2 / S) (2.2% of var at S = 4000); 5 SE is 11% of it.
    expect(Math.abs(mean - means[j]!)).toBeLessThan(5 * Math.sqrt(variances[j]! / s));
    expect(Math.abs(sampleVariance - variances[j]!)).toBeLessThan(
      5 * variances[j]! * Math.sqrt(2 / s),
    );
  }
  tf.dispose([logits, variance, draws, again]);
  expect(tf.memory().numTensors).toBe(before);
});
