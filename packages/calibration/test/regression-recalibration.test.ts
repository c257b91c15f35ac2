import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { RegressionRecalibration } from '../src/index.js';
import { normalCdf, normalQuantile } from '../src/normal.js';

/**
 * `n` examples of a miscalibrated Gaussian regressor: it predicts N(mean, std^2) but the target
 * is mean + bias + scale * std * eps, eps ~ N(0, 1).
 */
function miscalibrated(seed: number, n: number, scale: number, bias: number) {
  const rng = new Rng(seed);
  const mean = Float64Array.from({ length: n }, () => 3 * rng.normal());
  const std = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const targets = mean.map((m, i) => m + bias + scale * std[i]! * rng.normal());
  return { mean, std, targets };
}

const fractionBelow = (y: Float64Array, q: Float64Array) =>
  y.reduce((s, v, i) => s + (v <= q[i]! ? 1 : 0), 0) / y.length;

describe('normal CDF and quantile (float64)', () => {
  it('match reference values and invert each other', () => {
    // References from CPython 3: 0.5 * math.erfc(-x / math.sqrt(2)) and
    // statistics.NormalDist().inv_cdf(p) (Wichura's AS241), an independent implementation.
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(-6) / 9.865876450377012e-10).toBeCloseTo(1, 10);
    const quantiles: [number, number][] = [
      [1e-12, -7.034483825301132],
      [1e-6, -4.753424308822899],
      [0.01, -2.3263478740408408],
      [0.3, -0.5244005127080407],
      [0.8, 0.8416212335729144],
      [0.999, 3.090232306167813],
    ];
    for (const [p, x] of quantiles) expect(normalQuantile(p)).toBeCloseTo(x, 11);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 15);
    for (const p of [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.8, 0.999]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 10);
    }
  });
});

describe('RegressionRecalibration', () => {
  // Calibration set 3000, test set 4000: the coverage of a level-tau quantile has MC std
  // sqrt(tau (1 - tau) (1/3000 + 1/4000)) (the fitted map's error plus the test sample's);
  // the tests allow 4 of them.
  const nFit = 3000;
  const nTest = 4000;
  const tolerance = (tau: number) => 4 * Math.sqrt(tau * (1 - tau) * (1 / nFit + 1 / nTest));

  for (const [scale, bias, what] of [
    [2, 0, 'overconfident'],
    [0.5, 0.3, 'underconfident and biased'],
  ] as const) {
    it(`gives nominal quantile levels and interval coverage (${what} Gaussians)`, async () => {
      const fit = miscalibrated(1, nFit, scale, bias);
      const test = miscalibrated(2, nTest, scale, bias);
      const recal = await RegressionRecalibration.fit(fit.mean, fit.std, fit.targets);
      for (const tau of [0.05, 0.25, 0.5, 0.75, 0.95]) {
        const q = await recal.quantile(test.mean, test.std, tau);
        expect(Math.abs(fractionBelow(test.targets, q) - tau)).toBeLessThan(tolerance(tau));
      }
      const { lower, upper } = await recal.interval(test.mean, test.std, 0.9);
      const covered =
        test.targets.reduce((s, y, i) => s + (y >= lower[i]! && y <= upper[i]! ? 1 : 0), 0) / nTest;
      expect(Math.abs(covered - 0.9)).toBeLessThan(tolerance(0.9));
      // Before: the raw 90% interval mean ± 1.645 std covers 2 Phi(1.645 / scale) - 1 (without bias).
      const raw =
        test.targets.reduce(
          (s, y, i) =>
            s + (Math.abs(y - test.mean[i]!) <= 1.6448536269514722 * test.std[i]! ? 1 : 0),
          0,
        ) / nTest;
      expect(Math.abs(raw - 0.9)).toBeGreaterThan(0.05); // ~0.59 and ~0.99: far from nominal
      // The recalibrated CDF of the test targets is close to uniform: its mean is near 1/2.
      const u = await recal.cdf(test.mean, test.std, test.targets);
      expect(Math.abs(u.reduce((s, v) => s + v, 0) / nTest - 0.5)).toBeLessThan(
        4 * Math.sqrt(1 / 12 / nTest + 1 / 12 / nFit),
      );
    });
  }

  it('leaves a calibrated predictive nearly unchanged', async () => {
    const fit = miscalibrated(3, nFit, 1, 0);
    const recal = await RegressionRecalibration.fit(fit.mean, fit.std, fit.targets);
    const q = await recal.quantile([0], [1], 0.9);
    // The 0.9-quantile of N(0, 1) is 1.2816; the fitted map moves its level by MC error only.
    expect(Math.abs(normalCdf(q[0]!) - 0.9)).toBeLessThan(tolerance(0.9));
  });

  it('takes tensors, returns tensors, leaks none, and round-trips through JSON', async () => {
    const fit = miscalibrated(4, 200, 2, 0);
    const recal = await RegressionRecalibration.fit(
      tf.tensor1d(Float32Array.from(fit.mean)),
      tf.tensor1d(Float32Array.from(fit.std)),
      tf.tensor1d(Float32Array.from(fit.targets)),
    );
    const m = tf.tensor1d([0, 1]);
    const s = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    const { lower, upper } = await recal.interval(m, s, 0.8);
    expect(lower.shape).toEqual([2]);
    const [lo, hi] = [await lower.data(), await upper.data()];
    expect(hi[0]! - lo[0]!).toBeGreaterThan(2 * 1.2816); // wider than the overconfident raw interval
    tf.dispose([lower, upper]);
    expect(tf.memory().numTensors).toBe(before);
    const back = RegressionRecalibration.fromJSON(JSON.parse(JSON.stringify(recal)));
    expect(await back.quantile([0, 1], [1, 2], 0.3)).toEqual(
      await recal.quantile([0, 1], [1, 2], 0.3),
    );
    tf.dispose([m, s]);
  });
});
