import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { probabilityVariance, probsFromLogits } from '../src/probability-variance.js';
import { expectAllClose, normals } from './helpers.js';

/** sum_j s_j (dp_k / dz_j)^2 with the Jacobian from tf.grad, one (example, class) at a time. */
function deltaMethod(z: number[], s: number[], probs: (z: tf.Tensor) => tf.Tensor): number[] {
  return z.map((_, k) => {
    // p_k as <p, e_k> (gather's gradient has no wasm kernel).
    const select = tf.oneHot(k, z.length);
    const grad = tf
      .grad((zz) => tf.sum(tf.mul(probs(zz), select)))(tf.tensor1d(z))
      .dataSync();
    return Array.from(grad).reduce((acc, g, j) => acc + s[j]! * g * g, 0);
  });
}

describe('probabilityVariance (delta method)', () => {
  it('matches sum_j s_j (dp_k/dz_j)^2 from autodiff for softmax, shared and per-class s', () => {
    const logits = tf.tensor2d(normals(12, 4, 2), [3, 4]);
    const shared = tf.tensor1d([0.1, 1, 3]);
    const perClass = tf.tensor2d(normals(12, 5).map(Math.abs), [3, 4]);
    for (const variance of [shared, perClass]) {
      const out = probabilityVariance(logits, variance).arraySync();
      const s = variance.rank === 1 ? (variance.arraySync() as number[]) : null;
      logits.arraySync().forEach((z, b) => {
        const sb = s !== null ? z.map(() => s[b]!) : (perClass.arraySync()[b] as number[]);
        const expected = deltaMethod(z, sb, (zz) => tf.softmax(zz));
        expectAllClose(out[b]!, expected, 6);
      });
    }
  });

  it('gives both columns s (p (1 - p))^2 for a single logit', () => {
    const out = probabilityVariance(tf.tensor2d([[0.7], [-2]]), tf.tensor1d([0.5, 2])).arraySync();
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
  it('is softmax for K >= 2 and [1 - sigmoid, sigmoid] for one logit', () => {
    const logits = tf.tensor2d([[1, 2, 3]]);
    expect(Array.from(probsFromLogits(logits).dataSync())).toEqual(
      Array.from(tf.softmax(logits).dataSync()),
    );
    const binary = probsFromLogits(tf.tensor2d([[0.3]])).dataSync();
    const p = 1 / (1 + Math.exp(-0.3));
    expect(binary[0]).toBeCloseTo(1 - p, 6);
    expect(binary[1]).toBeCloseTo(p, 6);
  });
});
