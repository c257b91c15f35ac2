import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RandomFeatureGaussianProcess } from '../src/index.js';
import { inverseCholeskyFactor } from '../src/inverse-cholesky-factor.js';
import { inverseCholeskyFactorOnDevice } from '../src/inverse-cholesky-factor-on-device.js';
import { expectAllClose, normals } from './helpers.js';

// Spy on the factorizations (host: one call per precision; webgpu: one call for the stack of
// them), keeping their implementations, to count how often they run.
vi.mock(import('../src/inverse-cholesky-factor.js'), { spy: true });
vi.mock(import('../src/inverse-cholesky-factor-on-device.js'), { spy: true });

/** The factorization the layer uses on this backend (host float64, or on the device on webgpu). */
function factorization() {
  return tf.getBackend() === 'webgpu'
    ? vi.mocked(inverseCholeskyFactorOnDevice)
    : vi.mocked(inverseCholeskyFactor);
}

describe('the Cholesky factor of the precision', () => {
  beforeEach(() => {
    vi.mocked(inverseCholeskyFactor).mockClear();
    vi.mocked(inverseCholeskyFactorOnDevice).mockClear();
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
    expect(factorization()).toHaveBeenCalledTimes(1);
  });

  it('is recomputed after a training call, a reset, or new weights', async () => {
    const gp = trainedGp();
    const x = tf.tensor2d(normals(8, 2), [4, 2]);
    const variance = async () => {
      const { logits, variance } = gp.predictWithCovariance(x);
      logits.dispose();
      const values = Array.from(await variance.data());
      variance.dispose();
      return values;
    };
    const first = await variance();
    tf.dispose(gp.apply(x, { training: true }) as tf.Tensor);
    const afterTraining = await variance();
    expect(afterTraining).not.toEqual(first);
    gp.resetCovariance();
    const afterReset = await variance();
    expect(afterReset).not.toEqual(afterTraining);
    gp.setWeights(gp.getWeights().map((w, i) => (i === 4 ? tf.mul(w, 2) : w)));
    const afterSetWeights = await variance();
    // Doubling P halves phi^T P^{-1} phi.
    expectAllClose(
      afterSetWeights,
      afterReset.map((v) => v / 2),
      6,
    );
    expect(factorization()).toHaveBeenCalledTimes(4);
  });

  it('runs once for the one output under binary_logistic', () => {
    const gp = trainedGp('binary_logistic');
    tf.dispose(gp.predictWithCovariance(tf.ones([2, 2])));
    expect(factorization()).toHaveBeenCalledTimes(1);
  });
});
