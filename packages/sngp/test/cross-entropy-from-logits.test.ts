import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyFromLogits } from '../src/index.js';
import { expectAllClose, expectNoLeak, normals, onWebgpu, SKIPPED_ON_WEBGPU } from './helpers.js';

describe('crossEntropyFromLogits', () => {
  const values = normals(12, 7, 5);
  const logits = tf.tensor2d(values, [4, 3]);
  const labels = [2, 0, 1, 2];

  /** -log(exp(z_y) / sum_k exp(z_k)) in float64, from the logits' values. */
  function expected(): number[] {
    return labels
      .map((_, b) => Array.from(values.subarray(3 * b, 3 * b + 3)))
      .map((z, b) => {
        const max = Math.max(...z);
        const logSum = max + Math.log(z.reduce((acc, v) => acc + Math.exp(v - max), 0));
        return logSum - z[labels[b]!]!;
      });
  }

  it('is -log softmax(logits)[y] for sparse labels [B] and [B, 1] and one-hot [B, K]', async () => {
    const forms = [
      tf.tensor1d(labels),
      tf.tensor2d(labels, [4, 1]),
      tf.oneHot(tf.tensor1d(labels, 'int32'), 3),
    ];
    for (const y of forms) {
      const loss = crossEntropyFromLogits(y, logits);
      expectAllClose(await loss.data(), expected(), 4);
      loss.dispose();
    }
  });

  it('stays finite for huge logits', async () => {
    const huge = tf.tensor2d([[1000, -1000]]);
    const out = await crossEntropyFromLogits(tf.tensor1d([0]), huge).data();
    expect(out[0]).toBeCloseTo(0, 6);
    const wrong = await crossEntropyFromLogits(tf.tensor1d([1]), huge).data();
    expect(wrong[0]).toBeCloseTo(2000, 0);
  });

  it('has the gradient softmax(z) - onehot(y)', async () => {
    const grad = tf.grad((z: tf.Tensor) => tf.sum(crossEntropyFromLogits(tf.tensor1d(labels), z)))(
      logits,
    );
    const p = await tf.softmax(logits).array();
    const residual = p.flatMap((row, b) => row.map((pk, k) => pk - (k === labels[b] ? 1 : 0)));
    expectAllClose(await grad.data(), residual, 5);
  });

  it('rejects bad shapes, naming the argument', () => {
    expect(() => crossEntropyFromLogits(tf.tensor1d([0, 1]), logits)).toThrow(
      'crossEntropyFromLogits: labels must be of shape [4, 3], [4] or [4, 1], got [2]',
    );
    expect(() => crossEntropyFromLogits(tf.tensor1d(labels), tf.ones([4]))).toThrow(
      'crossEntropyFromLogits: logits must be of rank 2, got [4]',
    );
  });

  it('rejects bad label values, naming the argument', (ctx) => {
    ctx.skip(onWebgpu(), SKIPPED_ON_WEBGPU);
    expect(() => crossEntropyFromLogits(tf.tensor1d([0, 1, 3, 0]), logits)).toThrow(
      'crossEntropyFromLogits: labels[2] must be an integer class label in [0, 2], got 3',
    );
    expect(() => crossEntropyFromLogits(tf.fill([4, 3], 0.5), logits)).toThrow(
      'crossEntropyFromLogits: labels[0] must be a row summing to 1',
    );
    expect(() => crossEntropyFromLogits(tf.tensor1d([0, 2]), tf.zeros([2, 1]))).toThrow(
      'crossEntropyFromLogits: labels[1] must be a probability of class 1 in [0, 1] (one logit), got 2',
    );
  });

  it('is the binary cross-entropy for one logit, stable and with gradient sigmoid(z) - t', async () => {
    const z = [-800, -3, -0.5, 0, 0.7, 4, 900];
    const t = [0, 1, 0.25, 1, 0, 1, 0];
    // -t log s - (1 - t) log(1 - s) with s = sigmoid(z), in float64; log sigmoid(z) =
    // -log(1 + exp(-z)), written so that it does not overflow for |z| large.
    const logSigmoid = (v: number) =>
      v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v));
    const expected = z.map((v, i) => -t[i]! * logSigmoid(v) - (1 - t[i]!) * logSigmoid(-v));
    const zs = tf.tensor2d(z, [7, 1]);
    for (const y of [tf.tensor1d(t), tf.tensor2d(t, [7, 1])]) {
      const loss = crossEntropyFromLogits(y, zs);
      expectAllClose(await loss.data(), expected, 4);
      loss.dispose();
    }
    const grad = tf.grad((x: tf.Tensor) => tf.sum(crossEntropyFromLogits(tf.tensor1d(t), x)))(zs);
    const residual = z.map((v, i) => 1 / (1 + Math.exp(-v)) - t[i]!);
    expectAllClose(await grad.data(), residual, 5);
    expect(() => crossEntropyFromLogits(tf.zeros([2, 2]), tf.zeros([2, 1]))).toThrow(
      'crossEntropyFromLogits: labels must be of shape [2] or [2, 1] (one logit: probabilities of class 1), got [2, 2]',
    );
    expect(() => crossEntropyFromLogits(null as never, zs)).toThrow(
      'crossEntropyFromLogits: labels must be a tensor, got null',
    );
  });

  it('does not leak tensors', () => {
    const y = tf.tensor1d(labels);
    expectNoLeak(() => crossEntropyFromLogits(y, logits));
    const [t, z] = [tf.tensor1d([1, 0]), tf.ones([2, 1])];
    expectNoLeak(() => crossEntropyFromLogits(t, z));
  });
});
