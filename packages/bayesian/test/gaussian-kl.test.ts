import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { gaussianKl } from '../src/index.js';
import { klTerm, read, readOf } from './helpers.js';

describe('gaussianKl', () => {
  it('equals the closed form summed over weights, and is 0 where posterior = prior', async () => {
    const means = [0.3, -1.2, 0, 2.5, -0.01, 0.7];
    const stds = [0.05, 0.5, 1.3, 0.2, 1, 0.9];
    for (const p of [0.5, 1, 3]) {
      const [kl] = await readOf(() =>
        gaussianKl(tf.tensor2d(means, [2, 3]), tf.tensor2d(stds, [2, 3]), p),
      );
      const expected = means.reduce((acc, m, i) => acc + klTerm(m, stds[i]!, p), 0);
      // float32 sums of six O(10) terms: a relative 1e-5 holds with room.
      expect(kl).toBeCloseTo(expected, 4);
    }
    const [zero] = await readOf(() => gaussianKl(tf.zeros([4]), tf.fill([4], 2), 2));
    expect(Math.abs(zero!)).toBeLessThan(1e-6);
  });

  it('has the gradients mean / p^2 and 1 / p^2 * std - 1 / std', async () => {
    const p = 0.8;
    const m = tf.tensor1d([0.4, -0.9]);
    const s = tf.tensor1d([0.3, 1.1]);
    const [gm, gs] = tf.grads((a: tf.Tensor, b: tf.Tensor) => gaussianKl(a, b, p))([m, s]);
    const gmv = await read(gm!);
    const gsv = await read(gs!);
    [0.4, -0.9].forEach((mi, i) => {
      expect(gmv[i]).toBeCloseTo(mi / (p * p), 5);
    });
    [0.3, 1.1].forEach((si, i) => {
      expect(gsv[i]).toBeCloseTo(si / (p * p) - 1 / si, 4);
    });
    tf.dispose([m, s, gm!, gs!]);
  });

  it('names bad arguments', () => {
    const a = tf.zeros([2]);
    const b = tf.ones([3]);
    expect(() => gaussianKl(a, b, 1)).toThrow(ShapeError);
    expect(() => gaussianKl(a, b, 1)).toThrow(/std/);
    expect(() => gaussianKl(a, a, 0)).toThrow(InvalidArgumentError);
    expect(() => gaussianKl(a, a, -1)).toThrow(/priorStd/);
    tf.dispose([a, b]);
  });
});
