import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@uqjs/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LikelihoodLink, mcDiagonal, mcSoftmax, softmaxLink } from '../src/index.js';
import { expectValueCheck, read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

/**
 * A link written here, independent of the package's: one Bernoulli outcome per latent,
 * `P(y_u = 1 | z) = sigmoid(z_u)`, so `logLik = -softplus(-z)` and `d logLik / dz = 1 - sigmoid(z)`.
 */
const bernoulliLink: LikelihoodLink = {
  forward(x) {
    return { logLik: tf.neg(tf.softplus(tf.neg(x))), saved: [tf.sigmoid(x)] };
  },
  backward([p], dLogLik) {
    return tf.mul(dLogLik, tf.sub(1, p!));
  },
  hardOutcomes(latents) {
    return tf.step(latents);
  },
};

/**
 * `E[sigmoid(m + s u)]`, `u ~ N(0, 1)`, by the midpoint rule on `[-10, 10]` with 20,000
 * cells: the integrand is smooth and the tails beyond 10 sd weigh < 1e-22, so this is exact
 * to ~1e-9, far below the Monte Carlo tolerance.
 */
function expectedSigmoid(m: number, s: number): number {
  const cells = 20_000;
  const h = 20 / cells;
  let sum = 0;
  for (let i = 0; i < cells; i++) {
    const u = -10 + (i + 0.5) * h;
    sum += (Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI)) * (1 / (1 + Math.exp(-(m + s * u))));
  }
  return sum * h;
}

describe('mcDiagonal: the Monte Carlo estimate of any link over diagonal latents', () => {
  it('with a link of its own, matches the Gaussian integral of that link', async () => {
    const m = [1.5, -0.4, 0.2, -2];
    const s = [0.5, 2, 1, 3];
    const loc = tf.tensor2d(m, [2, 2]);
    const scale = tf.tensor2d(s, [2, 2]);
    const numSamples = 20_000;
    const { probs } = mcDiagonal(
      loc,
      scale,
      { numSamples, maxSamplesInMemory: 5000, seed: 7 },
      bernoulliLink,
      'test',
      '[B, U]',
    );
    // probs [1, B, U]: the one outcome per latent. Each sample of sigmoid(.) is in [0, 1], so
    // its sd is <= 0.5 and the estimate's standard error <= 0.5 / sqrt(20000) = 0.0035: 4 SE.
    const got = await read(probs);
    got.forEach((p, i) => {
      expect(Math.abs(p - expectedSigmoid(m[i]!, s[i]!))).toBeLessThan(4 * 0.0035);
    });
  });

  it('with zero scale every sample is the location: the link of loc / tau, exactly', async () => {
    const loc = tf.tensor2d([[0.3, -1.2, 2]]);
    const { probs } = mcDiagonal(
      loc,
      tf.zerosLike(loc),
      { numSamples: 5, temperature: 0.5, seed: 1 },
      bernoulliLink,
      'test',
      '[B, U]',
    );
    const expected = [0.3, -1.2, 2].map((z) => 1 / (1 + Math.exp(-z / 0.5)));
    // float32 sigmoid and mean of 5 equal values: within a few float32 ulps.
    const got = await read(probs);
    for (const [i, p] of got.entries()) expect(p).toBeCloseTo(expected[i]!, 6);
  });

  it('is the body of mcSoftmax (same numbers for the softmax link)', async () => {
    const loc = tf.tensor2d([[2, 0, -1]]);
    const scale = tf.tensor2d([[1, 3, 0.5]]);
    const opts = { temperature: 0.5, numSamples: 64, maxSamplesInMemory: 16, seed: 3 };
    const a = mcDiagonal(loc, scale, opts, softmaxLink, 'mcSoftmax', '[B, ..., K]');
    const b = mcSoftmax(loc, scale, opts);
    expect(await read(a.logProbs)).toEqual(await read(b.logProbs));
  });

  it('names fn and the axes in its errors, and keeps only its results', () => {
    const loc = tf.tensor2d([[0.5, 1]]);
    expect(() => mcDiagonal(tf.zeros([3]), loc, {}, bernoulliLink, 'myHead', '[B, U]')).toThrow(
      new ShapeError({
        fn: 'myHead',
        argument: 'loc',
        expected: 'of rank >= 2 ([B, U])',
        given: [3],
      }),
    );
    // The value check (one synchronous read-back) is skipped on webgpu: see expectValueCheck.
    expectValueCheck(
      () => mcDiagonal(loc, tf.neg(loc), {}, bernoulliLink, 'myHead', '[B, U]'),
      'myHead: scale must be >= 0 everywhere, got -',
    );
    expect(() =>
      mcDiagonal(loc, loc, { noise: 'cauchy' as 'normal' }, bernoulliLink, 'myHead', '[B, U]'),
    ).toThrow(/myHead: opts\.noise/);
    const before = tf.memory().numTensors;
    const result = mcDiagonal(loc, loc, { numSamples: 10, seed: 2 }, bernoulliLink, 'x', '[B, U]');
    tf.dispose(Object.values(result));
    expect(tf.memory().numTensors).toBe(before);
  });
});
