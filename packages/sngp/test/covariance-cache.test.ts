import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RandomFeatureGaussianProcess } from '../src/index.js';
import { inverseCholeskyFactor } from '../src/inverse-cholesky-factor.js';
import { expectAllClose, normals } from './helpers.js';

// Spy on the factorization, keeping its implementation, to count how often it runs.
vi.mock(import('../src/inverse-cholesky-factor.js'), { spy: true });

describe('the Cholesky factor of the precision', () => {
  beforeEach(() => {
    vi.mocked(inverseCholeskyFactor).mockClear();
  });

  function trainedGp(likelihood: 'gaussian' | 'binary_logistic' = 'gaussian') {
    const units = likelihood === 'gaussian' ? 3 : 1;
    const gp = new RandomFeatureGaussianProcess({ units, numInducing: 16, likelihood, seed: 2 });
    gp.build([null, 2]);
    tf.dispose(gp.apply(tf.tensor2d(normals(20, 1), [10, 2]), { training: true }) as tf.Tensor);
    return gp;
  }

  it('is computed once and reused while the precision is unchanged', () => {
    const gp = trainedGp();
    const x = tf.tensor2d(normals(8, 2), [4, 2]);
    for (let i = 0; i < 3; i++) tf.dispose(gp.predictWithCovariance(x));
    expect(inverseCholeskyFactor).toHaveBeenCalledTimes(1);
  });

  it('is recomputed after a training call, a reset, or new weights', () => {
    const gp = trainedGp();
    const x = tf.tensor2d(normals(8, 2), [4, 2]);
    const variance = () => {
      const { logits, variance } = gp.predictWithCovariance(x);
      logits.dispose();
      const values = Array.from(variance.dataSync());
      variance.dispose();
      return values;
    };
    const first = variance();
    tf.dispose(gp.apply(x, { training: true }) as tf.Tensor);
    const afterTraining = variance();
    expect(afterTraining).not.toEqual(first);
    gp.resetCovariance();
    const afterReset = variance();
    expect(afterReset).not.toEqual(afterTraining);
    gp.setWeights(gp.getWeights().map((w, i) => (i === 4 ? tf.mul(w, 2) : w)));
    const afterSetWeights = variance();
    // Doubling P halves phi^T P^{-1} phi.
    expectAllClose(
      afterSetWeights,
      afterReset.map((v) => v / 2),
      6,
    );
    expect(inverseCholeskyFactor).toHaveBeenCalledTimes(4);
  });

  it('runs once for the one output under binary_logistic', () => {
    const gp = trainedGp('binary_logistic');
    tf.dispose(gp.predictWithCovariance(tf.ones([2, 2])));
    expect(inverseCholeskyFactor).toHaveBeenCalledTimes(1);
  });
});
