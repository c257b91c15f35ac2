import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fastGradientSign } from '../src/index.js';
import { read } from './helpers.js';

describe('fastGradientSign', () => {
  it('moves each input by eps in the direction of the sign of the loss gradient', async () => {
    // loss(x) = sum(w * x) + sum(x^2) has gradient w + 2x; its sign is known per entry.
    const w = tf.tensor2d([[3, -1, 0.5]]);
    const x = tf.tensor2d([[-2, 0.25, 1]]);
    const loss = (input: tf.Tensor) =>
      tf.add(tf.sum(tf.mul(w, input)), tf.sum(tf.square(input))) as tf.Scalar;
    const adv = fastGradientSign(loss, x, 0.1);
    // gradient: 3 - 4 = -1 (sign -1), -1 + 0.5 = -0.5 (sign -1), 0.5 + 2 = 2.5 (sign +1)
    const got = await read(adv);
    [-2.1, 0.15, 1.1].forEach((v, i) => {
      expect(got[i]).toBeCloseTo(v, 6);
    });
    // eps = 0 leaves x unchanged.
    const same = fastGradientSign(loss, x, 0);
    expect(await read(same)).toEqual(await read(x));
    tf.dispose([w, x, adv, same]);
  });

  it('rejects a negative or non-finite eps and a non-function loss', () => {
    const x = tf.zeros([1, 2]);
    const loss = (input: tf.Tensor) => tf.sum(input) as tf.Scalar;
    expect(() => fastGradientSign(loss, x, -0.1)).toThrow(
      'fastGradientSign: eps must be >= 0, got -0.1',
    );
    expect(() => fastGradientSign(loss, x, Number.NaN)).toThrow(
      'fastGradientSign: eps must be a finite number, got NaN',
    );
    expect(() => fastGradientSign(null as unknown as typeof loss, x, 0.1)).toThrow(
      'fastGradientSign: loss must be a function from the input tensor to a scalar loss, got null',
    );
    x.dispose();
  });

  it('does not leak tensors', () => {
    const x = tf.ones([2, 2]);
    const loss = (input: tf.Tensor) => tf.sum(tf.square(input)) as tf.Scalar;
    fastGradientSign(loss, x, 0.1).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) fastGradientSign(loss, x, 0.1).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
