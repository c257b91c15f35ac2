// Gradients of every op (tfjs-layers registers them in the app; this test imports only tfjs-core).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { softmaxNll } from '../src/methods/losses.js';

const logits = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, 0.3],
  [-3.0, 4.0, 1.0],
  [50.0, -50.0, 0.0],
];
const labels = [0, 2, 1, 1];

/** Mean NLL of softmax(z / tau), computed in float64 with the log-sum-exp shift. */
function reference(tau: number): number {
  let total = 0;
  logits.forEach((row, i) => {
    const z = row.map((v) => v / tau);
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - z[labels[i]!]!;
  });
  return total / logits.length;
}

describe('softmaxNll', () => {
  it.each([1, 0.1, 3, 10])('matches the closed form at tau = %s', async (tau) => {
    const loss = tf.tidy(() => softmaxNll(tf.tensor1d(labels, 'int32'), tf.tensor2d(logits), tau));
    const [value] = await loss.data();
    loss.dispose();
    // float32 log-softmax of logits up to 500 in magnitude: relative error ~1e-6.
    expect(value).toBeCloseTo(reference(tau), 4);
  });

  it('has gradient (softmax(z / tau) - onehot) / (tau B)', async () => {
    const tau = 2;
    const gradient = tf.tidy(() =>
      tf.grad((z: tf.Tensor) => softmaxNll(tf.tensor1d(labels, 'int32'), z, tau))(
        tf.tensor2d(logits),
      ),
    );
    const grad = (await gradient.array()) as number[][];
    gradient.dispose();
    logits.forEach((row, i) => {
      const z = row.map((v) => v / tau);
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((s, v) => s + v, 0);
      row.forEach((_, k) => {
        const expected = (e[k]! / sum - (k === labels[i] ? 1 : 0)) / (tau * logits.length);
        expect(grad[i]![k]).toBeCloseTo(expected, 6);
      });
    });
  });

  it('accepts labels shaped [B, 1] and frees its intermediates', async () => {
    const y = tf.tensor2d(labels, [4, 1], 'int32');
    const z = tf.tensor2d(logits);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) softmaxNll(y, z, 2).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const loss = softmaxNll(y, z, 2);
    expect((await loss.data())[0]).toBeCloseTo(reference(2), 4);
    tf.dispose([y, z, loss]);
  });
});
