import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyFromLogits } from '../src/index.js';
import { expectAllClose, expectNoLeak, normals } from './helpers.js';

describe('crossEntropyFromLogits', () => {
  const logits = tf.tensor2d(normals(12, 7, 5), [4, 3]);
  const labels = [2, 0, 1, 2];

  /** -log(exp(z_y) / sum_k exp(z_k)) in float64. */
  function expected(): number[] {
    return (logits.arraySync() as number[][]).map((z, b) => {
      const max = Math.max(...z);
      const logSum = max + Math.log(z.reduce((acc, v) => acc + Math.exp(v - max), 0));
      return logSum - z[labels[b]!]!;
    });
  }

  it('is -log softmax(logits)[y] for sparse labels [B] and [B, 1] and one-hot [B, K]', () => {
    const forms = [
      tf.tensor1d(labels),
      tf.tensor2d(labels, [4, 1]),
      tf.oneHot(tf.tensor1d(labels, 'int32'), 3),
    ];
    for (const y of forms) {
      const out = crossEntropyFromLogits(y, logits).dataSync();
      expectAllClose(out, expected(), 4);
    }
  });

  it('stays finite for huge logits', () => {
    const out = crossEntropyFromLogits(tf.tensor1d([0]), tf.tensor2d([[1000, -1000]])).dataSync();
    expect(out[0]).toBeCloseTo(0, 6);
    const wrong = crossEntropyFromLogits(tf.tensor1d([1]), tf.tensor2d([[1000, -1000]])).dataSync();
    expect(wrong[0]).toBeCloseTo(2000, 0);
  });

  it('has the gradient softmax(z) - onehot(y)', () => {
    const grad = tf.grad((z: tf.Tensor) => tf.sum(crossEntropyFromLogits(tf.tensor1d(labels), z)))(
      logits,
    );
    const p = tf.softmax(logits).arraySync();
    const residual = p.flatMap((row, b) => row.map((pk, k) => pk - (k === labels[b] ? 1 : 0)));
    expectAllClose(grad.dataSync(), residual, 5);
  });

  it('rejects bad labels and shapes, naming the argument', () => {
    expect(() => crossEntropyFromLogits(tf.tensor1d([0, 1, 3, 0]), logits)).toThrow(
      'crossEntropyFromLogits: labels[2] must be an integer class label in [0, 2], got 3',
    );
    expect(() => crossEntropyFromLogits(tf.tensor1d([0, 1]), logits)).toThrow(
      'crossEntropyFromLogits: labels must be of shape [4, 3], [4] or [4, 1], got [2]',
    );
    expect(() => crossEntropyFromLogits(tf.fill([4, 3], 0.5), logits)).toThrow(
      'crossEntropyFromLogits: labels[0] must be a row summing to 1',
    );
    expect(() => crossEntropyFromLogits(tf.tensor1d(labels), tf.ones([4]))).toThrow(
      'crossEntropyFromLogits: logits must be of rank 2, got [4]',
    );
  });

  it('does not leak tensors', () => {
    const y = tf.tensor1d(labels);
    expectNoLeak(() => crossEntropyFromLogits(y, logits));
  });
});
