import { checkOneOf, InvalidArgumentError } from '@uqjs/core';
import type { VectorInput } from './inputs.js';
import { readOptions } from './options.js';
import type { PredictiveDistribution } from './predictive-distribution.js';
import {
  centralProbability,
  readDistribution,
  readFinite,
  readRegressionInputs,
  standardCdf,
} from './predictive-distribution.js';

/**
 * Options of {@link regressionCalibration} and {@link miscalibrationArea}.
 *
 * @since 0.1.0
 */
export interface RegressionCalibrationOptions {
  /** The predictive family (default `'gaussian'`: `scale` is the standard deviation). */
  readonly distribution?: PredictiveDistribution;
  /**
   * Which prediction interval of probability `p` is checked (default `'interval'`):
   * `'interval'` the central one, `[F^{-1}((1 - p)/2), F^{-1}((1 + p)/2)]`;
   * `'quantile'` the one-sided `(-inf, F^{-1}(p)]`.
   */
  readonly kind?: 'interval' | 'quantile';
  /**
   * Expected proportions `p` in `(0, 1)` at which the curve is reported (default the 99
   * levels `0.01, 0.02, ..., 0.99`). The area does not depend on them.
   */
  readonly levels?: ArrayLike<number>;
}

/**
 * The calibration curve of predictive intervals (Kuleshov et al. 2018).
 *
 * @since 0.1.0
 */
export interface RegressionCalibrationCurve {
  /** The expected proportions `p` `[L]`. */
  readonly levels: Float64Array;
  /** The observed proportions `[L]`: the fraction of targets inside the interval of probability `p`. */
  readonly observed: Float64Array;
  /** `∫_0^1 |observed(p) - p| dp`, exactly, over the whole curve (0: calibrated; at most 1/2). */
  readonly miscalibrationArea: number;
  /** The mean of `|observed(p) - p|` over `levels`. */
  readonly meanAbsoluteError: number;
}

/** The 99 default levels `0.01 ... 0.99`. */
function defaultLevels(): Float64Array {
  return Float64Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
}

function readLevels(levels: unknown, fn: string): Float64Array {
  if (levels === undefined) return defaultLevels();
  const l = readFinite(levels as VectorInput, 'opts.levels', fn);
  for (let i = 0; i < l.length; i++) {
    if (!(l[i]! > 0 && l[i]! < 1)) {
      throw new InvalidArgumentError({
        fn,
        argument: `opts.levels[${i}]`,
        expected: 'a proportion in the open interval (0, 1)',
        given: l[i],
      });
    }
  }
  return Float64Array.from(l);
}

/**
 * `∫_a^b |c - p| dp` for a constant `c`: the area between a flat piece of the curve and the
 * diagonal.
 */
function flatPieceArea(c: number, a: number, b: number): number {
  if (c <= a) return ((b - c) ** 2 - (a - c) ** 2) / 2;
  if (c >= b) return ((c - a) ** 2 - (c - b) ** 2) / 2;
  return ((c - a) ** 2 + (b - c) ** 2) / 2;
}

/**
 * The level at which each target enters its prediction intervals, sorted ascending: target `i`
 * is inside the interval of probability `p` exactly when `t_i <= p`, so the observed curve is
 * the empirical CDF of the `t_i` (`2 F(|z_i|) - 1` for central intervals, the PIT `F(z_i)` for
 * one-sided ones, `z_i = (y_i - loc_i) / scale_i`).
 */
function entryLevels(
  loc: VectorInput,
  scale: VectorInput,
  targets: VectorInput,
  opts: RegressionCalibrationOptions | undefined,
  fn: string,
): { t: Float64Array; levels: Float64Array } {
  const options = readOptions(opts, fn);
  const distribution = readDistribution(options.distribution, fn);
  const kind =
    options.kind === undefined
      ? 'interval'
      : checkOneOf(options.kind, ['interval', 'quantile'], 'opts.kind', fn);
  const levels = readLevels(options.levels, fn);
  const r = readRegressionInputs(loc, scale, targets, 'loc', 'scale', fn);
  const t = new Float64Array(r.targets.length);
  for (let i = 0; i < t.length; i++) {
    const z = (r.targets[i]! - r.loc[i]!) / r.scale[i]!;
    t[i] = kind === 'interval' ? centralProbability(distribution, z) : standardCdf(distribution, z);
  }
  return { t: t.sort(), levels };
}

/** `∫_0^1 |F_N(p) - p| dp` for the empirical CDF `F_N` of the sorted `t` (in [0, 1]). */
function areaOfSorted(t: Float64Array): number {
  const n = t.length;
  let area = 0;
  let previous = 0;
  // On [t_(j), t_(j+1)) the curve is j / n (t_(0) = 0, t_(n+1) = 1); ties give empty pieces.
  for (let j = 0; j <= n; j++) {
    const next = j < n ? t[j]! : 1;
    area += flatPieceArea(j / n, previous, next);
    previous = next;
  }
  return area;
}

/**
 * The calibration curve of a regressor's predictive intervals: at each expected proportion
 * `p`, the observed fraction of targets inside the interval of probability `p`, and the
 * miscalibration area between the curve and the diagonal.
 *
 * @param loc predictive locations `[N]` (Gaussian mean, Laplace median).
 * @param scale predictive scales `[N]`, each > 0 (Gaussian standard deviation, Laplace `b`).
 * @param targets observed targets `[N]`.
 * @param opts `distribution` (`'gaussian'`), `kind` (`'interval'`), `levels` (0.01 ... 0.99).
 * @example
 * ```ts
 * const curve = regressionCalibration(mean, std, y);
 * curve.miscalibrationArea; // 0 for calibrated predictives, up to about 1/2
 * ```
 * @since 0.1.0
 */
export function regressionCalibration(
  loc: VectorInput,
  scale: VectorInput,
  targets: VectorInput,
  opts?: RegressionCalibrationOptions,
): RegressionCalibrationCurve {
  const { t, levels } = entryLevels(loc, scale, targets, opts, 'regressionCalibration');
  const observed = new Float64Array(levels.length);
  let error = 0;
  for (let l = 0; l < levels.length; l++) {
    const p = levels[l]!;
    // Entries with t <= p: the upper bound of p in the sorted t.
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid]! <= p) lo = mid + 1;
      else hi = mid;
    }
    observed[l] = lo / t.length;
    error += Math.abs(observed[l]! - p);
  }
  return {
    levels,
    observed,
    miscalibrationArea: areaOfSorted(t),
    meanAbsoluteError: error / levels.length,
  };
}

/**
 * The miscalibration area of a regressor's predictive intervals:
 * `∫_0^1 |observed(p) - p| dp` (see {@link regressionCalibration}).
 *
 * @since 0.1.0
 */
export function miscalibrationArea(
  loc: VectorInput,
  scale: VectorInput,
  targets: VectorInput,
  opts?: RegressionCalibrationOptions,
): number {
  return areaOfSorted(entryLevels(loc, scale, targets, opts, 'miscalibrationArea').t);
}
