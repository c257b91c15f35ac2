import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { crpsGaussian, crpsLaplace } from '../src/index.js';
import { referenceNormalCdf, simpson } from './regression-reference.js';

/**
 * `∫ (F(x) - 1{x >= y})^2 dx` by Simpson on [loc - 40 scale, y] and [y, loc + 40 scale]
 * (the integrand is smooth on each side of the jump at y; beyond 40 scales it is below 1e-30).
 */
function numericCrps(cdf: (x: number) => number, loc: number, scale: number, y: number): number {
  const lo = Math.min(loc - 40 * scale, y - 1);
  const hi = Math.max(loc + 40 * scale, y + 1);
  const panels = 8000;
  return (
    simpson((x) => cdf(x) ** 2, lo, y, panels) + simpson((x) => (1 - cdf(x)) ** 2, y, hi, panels)
  );
}

const cases: [number, number, number][] = [
  [0, 1, 0],
  [0, 1, 1.3],
  [2, 0.5, -1],
  [-3, 4, 5],
  [1, 0.01, 1.02],
  [0, 2, 12],
];

describe('crpsGaussian', () => {
  it('matches numeric integration of (F(x) - 1{x >= y})^2 with an independent normal CDF', () => {
    for (const [mu, sigma, y] of cases) {
      const cdf = (x: number) => referenceNormalCdf((x - mu) / sigma);
      const numeric = numericCrps(cdf, mu, sigma, y);
      expect(Math.abs(crpsGaussian([mu], [sigma], [y]) - numeric)).toBeLessThan(
        1e-8 * Math.max(1, numeric),
      );
    }
  });

  it('known values: (sqrt 2 - 1) / sqrt pi at the mean of N(0, 2), and |y - mu| far out', () => {
    // At z = 0: sigma (2 phi(0) - 1/sqrt pi) = sigma (sqrt 2 - 1) / sqrt pi.
    expect(crpsGaussian([0], [2], [0])).toBeCloseTo(
      (2 * (Math.SQRT2 - 1)) / Math.sqrt(Math.PI),
      14,
    );
    // Far in the tail, CRPS -> |y - mu| - sigma / sqrt pi.
    expect(crpsGaussian([0], [1], [40])).toBeCloseTo(40 - 1 / Math.sqrt(Math.PI), 12);
  });

  it('averages over examples; tensors and typed arrays read the same; no tensors created', () => {
    const each = cases.map(([m, s, y]) => crpsGaussian([m], [s], [y]));
    const mean = cases.map((c) => c[0]);
    const std = cases.map((c) => c[1]);
    const y = cases.map((c) => c[2]);
    const expected = each.reduce((a, b) => a + b, 0) / each.length;
    expect(crpsGaussian(mean, std, y)).toBeCloseTo(expected, 14);
    expect(
      crpsGaussian(Float64Array.from(mean), Float64Array.from(std), Float64Array.from(y)),
    ).toBeCloseTo(expected, 14);
    const t = [tf.tensor1d(mean), tf.tensor1d(std), tf.tensor1d(y)] as const;
    const before = tf.memory().numTensors;
    expect(crpsGaussian(t[0], t[1], t[2])).toBeCloseTo(expected, 5); // float32 inputs
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...t]);
  });
});

describe('crpsLaplace', () => {
  it('matches numeric integration of (F(x) - 1{x >= y})^2', () => {
    for (const [loc, b, y] of cases) {
      const cdf = (x: number) => {
        const z = (x - loc) / b;
        return z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z);
      };
      const numeric = numericCrps(cdf, loc, b, y);
      expect(Math.abs(crpsLaplace([loc], [b], [y]) - numeric)).toBeLessThan(
        1e-8 * Math.max(1, numeric),
      );
    }
  });

  it('known value at the median: b / 4', () => {
    expect(crpsLaplace([3], [2], [3])).toBeCloseTo(0.5, 15);
  });
});

describe('crps: named errors', () => {
  it('NaN, non-positive scales, mismatched lengths, empty input', () => {
    expect(() => crpsGaussian([Number.NaN], [1], [0])).toThrow(InvalidArgumentError);
    expect(() => crpsGaussian([Number.NaN], [1], [0])).toThrow(
      'crpsGaussian: mean[0] must be a finite number, got NaN',
    );
    expect(() => crpsGaussian([0], [0], [0])).toThrow(
      'crpsGaussian: std[0] must be a finite number > 0, got 0',
    );
    expect(() => crpsLaplace([0], [-1], [0])).toThrow(
      'crpsLaplace: scale[0] must be a finite number > 0, got -1',
    );
    expect(() => crpsLaplace([0], [1], [Number.POSITIVE_INFINITY])).toThrow(
      'crpsLaplace: targets[0] must be a finite number',
    );
    expect(() => crpsGaussian([0, 1], [1], [0, 1])).toThrow(ShapeError);
    expect(() => crpsGaussian([0, 1], [1, 1], [0])).toThrow(
      'crpsGaussian: targets must be of shape [2] (one per entry of mean)',
    );
    expect(() => crpsGaussian([], [], [])).toThrow('crpsGaussian: mean must be a non-empty vector');
    expect(() => crpsGaussian(['0'] as never, [1], [0])).toThrow(InvalidArgumentError);
  });
});
