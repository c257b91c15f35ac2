import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mixtureMoments } from '../src/index.js';
import { expectValueCheck, read } from './helpers.js';

describe('mixtureMoments', () => {
  // Two members, two points. Hand computation with var* = mean(v + mu^2) - mu*^2:
  //   point 0: mu = (1, 3) -> mu* = 2; v = (1, 1) -> mean(1 + 1, 1 + 9) - 4 = 6 - 4 = 2
  //   point 1: mu = (0, 2) -> mu* = 1; v = (4, 2) -> mean(4 + 0, 2 + 4) - 1 = 5 - 1 = 4
  const means = [
    [1, 0],
    [3, 2],
  ];

  it('gives the Gaussian mixture mean and variance computed by hand', () => {
    const out = mixtureMoments(
      means,
      [
        [1, 4],
        [1, 2],
      ],
      'gaussian',
    );
    expect(out.mean).toEqual([2, 1]);
    expect(out.variance[0]).toBeCloseTo(2, 12);
    expect(out.variance[1]).toBeCloseTo(4, 12);
  });

  it('takes Laplace member variances (2 b^2), matching the mixture density integrated numerically', () => {
    // Laplace members with locations mu and scales b: member variance 2 b^2 (closed form).
    const mu = [
      [1, 0],
      [3, 2],
    ];
    const b = [
      [1, 2],
      [0.5, 1],
    ];
    const v = b.map((row) => row.map((s) => 2 * s * s));
    const out = mixtureMoments(mu, v, 'laplace');
    // Point 0: v = (2, 0.5): mean(2 + 1, 0.5 + 9) - 4 = 2.25; point 1: v = (8, 2): 7 - 1 = 6.
    expect(out.variance[0]).toBeCloseTo(2.25, 12);
    expect(out.variance[1]).toBeCloseTo(6, 12);
    // Independent check: E[x^2] - E[x]^2 of the mixture density sum_m Laplace(mu_m, b_m) / M
    // by the trapezoid rule on [-80, 80] (tails beyond are < e^-38 of the mass).
    for (let n = 0; n < 2; n++) {
      const density = (x: number) =>
        (0.5 * Math.exp(-Math.abs(x - mu[0]![n]!) / b[0]![n]!)) / (2 * b[0]![n]!) +
        (0.5 * Math.exp(-Math.abs(x - mu[1]![n]!) / b[1]![n]!)) / (2 * b[1]![n]!);
      let [m0, m1, m2] = [0, 0, 0];
      const h = 1e-3;
      for (let x = -80; x <= 80; x += h) {
        const p = density(x) * h;
        [m0, m1, m2] = [m0 + p, m1 + p * x, m2 + p * x * x];
      }
      expect(m0).toBeCloseTo(1, 5);
      expect(out.mean[n]).toBeCloseTo(m1, 4);
      expect(out.variance[n]).toBeCloseTo(m2 - m1 * m1, 3);
    }
    // The kind names the family; the moments depend only on means and variances.
    expect(mixtureMoments(mu, v, 'gaussian')).toEqual(out);
  });

  it('returns tensors for tensors, with the same values', async () => {
    const mu = tf.tensor2d(means);
    const v = tf.tensor2d([
      [2, 8],
      [0.5, 2],
    ]);
    const out = mixtureMoments(mu, v, 'laplace');
    expect(out.mean.shape).toEqual([2]);
    expect(await read(out.mean)).toEqual([2, 1]);
    const values = await read(out.variance);
    expect(values[0]).toBeCloseTo(2.25, 5);
    expect(values[1]).toBeCloseTo(6, 5);
    tf.dispose([mu, v, out.mean, out.variance]);
  });

  it('keeps the law of total variance: var* = mean(v) + var(mu) >= mean(v), equality iff members agree', () => {
    const member = fc.array(
      fc.tuple(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
      ),
      {
        minLength: 1,
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(member, (pairs) => {
        const mu = pairs.map(([m]) => [m]);
        const v = pairs.map(([, s]) => [s]);
        const out = mixtureMoments(mu, v, 'gaussian');
        const meanV = v.reduce((a, [s]) => a + s!, 0) / v.length;
        const muStar = mu.reduce((a, [m]) => a + m!, 0) / mu.length;
        // The formula, evaluated directly.
        const direct =
          pairs.reduce((a, [m, s]) => a + s + m * m, 0) / pairs.length - muStar * muStar;
        expect(out.mean[0]).toBeCloseTo(muStar, 9);
        expect(out.variance[0]).toBeGreaterThanOrEqual(meanV - 1e-9);
        expect(Math.abs(out.variance[0]! - direct)).toBeLessThan(1e-9 * (1 + 2500));
        const sameMeans = mixtureMoments(
          mu.map(() => [mu[0]![0]!]),
          v,
          'gaussian',
        );
        expect(sameMeans.variance[0]).toBeCloseTo(meanV, 9);
      }),
    );
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => mixtureMoments([], [], 'gaussian')).toThrow(
      'mixtureMoments: means must be at least one member row, got []',
    );
    expect(() => mixtureMoments([[1, 2], [3]], [[1, 1], [1]], 'gaussian')).toThrow(
      'mixtureMoments: means[1] must be of length 2, got [1]',
    );
    expect(() => mixtureMoments([[1]], [[1], [1]], 'gaussian')).toThrow(
      'mixtureMoments: variances must be 1 member rows, like means, got [2]',
    );
    expect(() => mixtureMoments([[1]], [[-1]], 'gaussian')).toThrow(
      'mixtureMoments: variances[0][0] must be >= 0, got -1',
    );
    expect(() => mixtureMoments([[Number.NaN]], [[1]], 'gaussian')).toThrow(
      'mixtureMoments: means[0][0] must be finite, got NaN',
    );
    expect(() => mixtureMoments([[1]], [[1]], 'cauchy' as 'gaussian')).toThrow(
      "mixtureMoments: kind must be one of 'gaussian', 'laplace', got \"cauchy\"",
    );
    const t = tf.tensor2d([[1, 2]]);
    const wrong = tf.tensor2d([[1], [2]]);
    const negative = tf.tensor2d([[1, -2]]);
    const nan = tf.tensor2d([[1, Number.NaN]]);
    expect(() => mixtureMoments(t, wrong, 'gaussian')).toThrow(
      'mixtureMoments: variances must be of the same shape as means ([1, 2]), got [2, 1]',
    );
    expectValueCheck(
      () => mixtureMoments(t, negative, 'gaussian'),
      'mixtureMoments: variances must be all >= 0, got -2',
    );
    expectValueCheck(() => mixtureMoments(t, nan, 'gaussian'), 'must be finite, got NaN');
    expect(() => mixtureMoments(t, [[1, 2]] as never, 'gaussian')).toThrow(
      'mixtureMoments: variances must be a tensor, like means',
    );
    tf.dispose([t, wrong, negative, nan]);
  });

  it('does not leak tensors', () => {
    const mu = tf.tensor2d(means);
    const v = tf.tensor2d(means);
    const run = () => {
      const out = mixtureMoments(mu, v, 'gaussian');
      tf.dispose([out.mean, out.variance]);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mu, v]);
  });
});
