import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { miscalibrationArea, regressionCalibration, sharpness } from '../src/index.js';
import {
  gaussianData,
  normalDensity,
  referenceNormalCdf,
  simpson,
} from './regression-reference.js';

/**
 * MC tolerance: the observed curve is the empirical CDF F_N of N iid levels t_i with CDF F,
 * and |area(F_N) - area(F)| <= sup_p |F_N(p) - F(p)|, which the Dvoretzky-Kiefer-Wolfowitz
 * inequality bounds by eps = sqrt(ln(2 / delta) / (2 N)) except with probability delta.
 */
function dkw(n: number, delta = 1e-4): number {
  return Math.sqrt(Math.log(2 / delta) / (2 * n));
}

const N = 20_000;

/**
 * Population miscalibration area of central intervals when the predicted std is c times the
 * true one: z = (y - mu) / (c s) ~ N(0, 1/c^2), so P(t <= p) = 2 Phi(c q) - 1 at
 * p = 2 Phi(q) - 1, and area = ∫_0^inf |2 Phi(c q) - 2 Phi(q)| 2 phi(q) dq.
 */
function scaledStdArea(c: number): number {
  return simpson(
    (q) =>
      Math.abs(2 * referenceNormalCdf(c * q) - 2 * referenceNormalCdf(q)) * 2 * normalDensity(q),
    0,
    12,
    2000,
  );
}

/** The same for one-sided intervals: area = ∫ |Phi(c q) - Phi(q)| phi(q) dq over the line. */
function scaledStdQuantileArea(c: number): number {
  return simpson(
    (q) => Math.abs(referenceNormalCdf(c * q) - referenceNormalCdf(q)) * normalDensity(q),
    -12,
    12,
    4000,
  );
}

describe('regressionCalibration: by hand', () => {
  it('targets at the mean are inside every central interval: curve 1, area 1/2', () => {
    const curve = regressionCalibration([1, 2], [1, 3], [1, 2]);
    expect([...curve.observed].every((v) => v === 1)).toBe(true);
    expect(curve.miscalibrationArea).toBeCloseTo(0.5, 15);
    expect(curve.levels.length).toBe(99);
    expect(curve.meanAbsoluteError).toBeCloseTo(0.5, 12); // mean of 1 - p over 0.01..0.99
  });

  it('Laplace PITs 0.25 and 0.75: area 1/32 + 1/16 + 1/32 = 1/8', () => {
    // z = -ln 2: F = e^z / 2 = 0.25; z = ln 2: F = 1 - e^{-z} / 2 = 0.75.
    const opts = { distribution: 'laplace', kind: 'quantile', levels: [0.2, 0.5, 0.8] } as const;
    const curve = regressionCalibration([0, 0], [1, 2], [-Math.LN2, 2 * Math.LN2], opts);
    expect([...curve.observed]).toEqual([0, 0.5, 1]);
    expect(curve.miscalibrationArea).toBeCloseTo(1 / 8, 15);
    expect(curve.meanAbsoluteError).toBeCloseTo((0.2 + 0 + 0.2) / 3, 15);
    expect(miscalibrationArea([0, 0], [1, 2], [-Math.LN2, 2 * Math.LN2], opts)).toBe(
      curve.miscalibrationArea,
    );
  });

  it('the curve is the fraction inside each interval, by an independent normal CDF', () => {
    const { mean, std, y } = gaussianData(3, 500);
    const levels = [0.1, 0.3, 0.5, 0.68, 0.9, 0.95];
    const curve = regressionCalibration(mean, std, y, { levels });
    const central = Array.from(
      y,
      (v, i) => 2 * referenceNormalCdf(Math.abs((v - mean[i]!) / std[i]!)) - 1,
    );
    levels.forEach((p, l) => {
      const inside = central.filter((t) => t <= p).length / y.length;
      expect(curve.observed[l]).toBeCloseTo(inside, 12);
    });
  });
});

describe('regressionCalibration: simulated predictives', () => {
  const { mean, std, y } = gaussianData(11, N);

  it('correctly specified Gaussians: area 0 within the DKW bound, central and one-sided', () => {
    expect(miscalibrationArea(mean, std, y)).toBeLessThan(dkw(N));
    expect(miscalibrationArea(mean, std, y, { kind: 'quantile' })).toBeLessThan(dkw(N));
  });

  it('correctly specified Laplace predictives: area 0 within the DKW bound', () => {
    const rng = new Rng(12);
    const loc = new Float64Array(N);
    const b = new Float64Array(N);
    const t = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      loc[i] = rng.normal();
      b[i] = 0.2 + rng.uniform();
      const u = rng.uniform() - 0.5;
      t[i] = loc[i]! - b[i]! * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    }
    expect(miscalibrationArea(loc, b, t, { distribution: 'laplace' })).toBeLessThan(dkw(N));
    // Read as Gaussians with the same scale, the same data is miscalibrated.
    expect(miscalibrationArea(loc, b, t)).toBeGreaterThan(2 * dkw(N));
  });

  for (const c of [0.5, 2]) {
    it(`std scaled by ${c}: the population area, within the DKW bound`, () => {
      const scaled = std.map((s) => c * s);
      const expected = scaledStdArea(c);
      expect(expected).toBeGreaterThan(5 * dkw(N));
      expect(Math.abs(miscalibrationArea(mean, scaled, y) - expected)).toBeLessThan(dkw(N));
      const expectedQuantile = scaledStdQuantileArea(c);
      expect(
        Math.abs(miscalibrationArea(mean, scaled, y, { kind: 'quantile' }) - expectedQuantile),
      ).toBeLessThan(dkw(N));
      // Too narrow (c < 1) under-covers: observed below the diagonal; too wide over-covers.
      const curve = regressionCalibration(mean, scaled, y, { levels: [0.5] });
      expect(Math.sign(curve.observed[0]! - 0.5)).toBe(Math.sign(c - 1));
    });
  }

  it('tensors read like arrays and leave no tensors behind', () => {
    const t = [tf.tensor1d([0, 1, 2]), tf.tensor1d([1, 1, 2]), tf.tensor1d([0.5, 0, 4])] as const;
    const before = tf.memory().numTensors;
    expect(miscalibrationArea(t[0], t[1], t[2])).toBeCloseTo(
      miscalibrationArea([0, 1, 2], [1, 1, 2], [0.5, 0, 4]),
      6,
    );
    expect(sharpness(t[1])).toBeCloseTo(Math.sqrt(2), 6);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...t]);
  });
});

describe('sharpness', () => {
  it('root mean variance by default, mean std on request', () => {
    expect(sharpness([1, 3])).toBeCloseTo(Math.sqrt(5), 15);
    expect(sharpness([1, 3], { reduction: 'mean' })).toBe(2);
    expect(sharpness([0, 0])).toBe(0);
    // Huge stds neither overflow when squared nor lose the result.
    expect(sharpness([1e200, 1e200])).toBeCloseTo(1e200, -190);
  });
});

describe('regression calibration and sharpness: named errors', () => {
  it('NaN, non-positive scales, bad levels and options, shapes', () => {
    expect(() => miscalibrationArea([0], [1], [Number.NaN])).toThrow(
      'miscalibrationArea: targets[0] must be a finite number, got NaN',
    );
    expect(() => regressionCalibration([0], [0], [0])).toThrow(
      'regressionCalibration: scale[0] must be a finite number > 0, got 0',
    );
    expect(() => regressionCalibration([0], [1], [0], { levels: [0.5, 1] })).toThrow(
      'regressionCalibration: opts.levels[1] must be a proportion in the open interval (0, 1), got 1',
    );
    expect(() => regressionCalibration([0], [1], [0], { distribution: 'cauchy' } as never)).toThrow(
      /opts\.distribution must be one of 'gaussian', 'laplace'/,
    );
    expect(() => regressionCalibration([0], [1], [0], { kind: 'both' } as never)).toThrow(
      InvalidArgumentError,
    );
    expect(() => regressionCalibration([0], [1], [0], null as never)).toThrow(
      /opts must be an options object/,
    );
    expect(() => miscalibrationArea([0, 1], [1, 1], [0])).toThrow(ShapeError);
    expect(() => sharpness([1, -1])).toThrow(
      'sharpness: std[1] must be a finite number >= 0, got -1',
    );
    expect(() => sharpness([Number.NaN])).toThrow(
      'sharpness: std[0] must be a finite number, got NaN',
    );
    expect(() => sharpness([1], { reduction: 'max' } as never)).toThrow(
      /opts\.reduction must be one of 'rms', 'mean'/,
    );
  });
});
