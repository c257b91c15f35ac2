import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { probabilityVariance, probsFromLogits } from '../src/probability-variance.js';
import { expectAllClose, normals } from './helpers.js';

/** sum_j s_j (dp_k / dz_j)^2 with the Jacobian from tf.grad, one (example, class) at a time. */
async function deltaMethod(
  z: number[],
  s: number[],
  probs: (z: tf.Tensor) => tf.Tensor,
): Promise<number[]> {
  const result: number[] = [];
  for (let k = 0; k < z.length; k++) {
    // p_k as <p, e_k> (gather's gradient has no wasm kernel).
    const select = tf.oneHot(k, z.length);
    const gradient = tf.grad((zz) => tf.sum(tf.mul(probs(zz), select)))(tf.tensor1d(z));
    const grad = await gradient.data();
    tf.dispose([select, gradient]);
    result.push(Array.from(grad).reduce((acc, g, j) => acc + s[j]! * g * g, 0));
  }
  return result;
}

describe('probabilityVariance (delta method)', () => {
  it('matches sum_j s_j (dp_k/dz_j)^2 from autodiff for softmax, shared and per-class s', async () => {
    const logits = tf.tensor2d(normals(12, 4, 2), [3, 4]);
    const shared = tf.tensor1d([0.1, 1, 3]);
    const perClass = tf.tensor2d(normals(12, 5).map(Math.abs), [3, 4]);
    for (const variance of [shared, perClass]) {
      const out = await probabilityVariance(logits, variance).array();
      const s = variance.rank === 1 ? ((await variance.array()) as number[]) : null;
      const perClassValues = await perClass.array();
      const rows = await logits.array();
      for (let b = 0; b < rows.length; b++) {
        const z = rows[b]!;
        const sb = s !== null ? z.map(() => s[b]!) : perClassValues[b]!;
        const expected = await deltaMethod(z, sb, (zz) => tf.softmax(zz));
        expectAllClose(out[b]!, expected, 6);
      }
    }
  });

  it('gives both columns s (p (1 - p))^2 for a single logit', async () => {
    const out = await probabilityVariance(
      tf.tensor2d([[0.7], [-2]]),
      tf.tensor1d([0.5, 2]),
    ).array();
    [
      [0.7, 0.5],
      [-2, 2],
    ].forEach(([z, s], b) => {
      const p = 1 / (1 + Math.exp(-z!));
      expect(out[b]![0]).toBeCloseTo(s! * (p * (1 - p)) ** 2, 6);
      expect(out[b]![1]).toBeCloseTo(s! * (p * (1 - p)) ** 2, 6);
    });
  });
});

describe('probsFromLogits', () => {
  it('is softmax for K >= 2 and [1 - sigmoid, sigmoid] for one logit', async () => {
    const logits = tf.tensor2d([[1, 2, 3]]);
    expect(Array.from(await probsFromLogits(logits).data())).toEqual(
      Array.from(await tf.softmax(logits).data()),
    );
    const binary = await probsFromLogits(tf.tensor2d([[0.3]])).data();
    const p = 1 / (1 + Math.exp(-0.3));
    expect(binary[0]).toBeCloseTo(1 - p, 6);
    expect(binary[1]).toBeCloseTo(p, 6);
  });
});
