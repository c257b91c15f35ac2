import { checkAlpha, conformalQuantile } from './conformal-quantile.js';
import type { VectorInput } from './inputs.js';
import { checkLength, readOptions, readVector } from './inputs.js';

/**
 * Prediction intervals `[lower_i, upper_i]`, one per example (`[N]` each).
 *
 * @since 0.1.0
 */
export interface Intervals {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * Options of {@link calibrateResidual} and {@link calibrateCqr}.
 *
 * @since 0.1.0
 */
export interface RegressionCalibrateOptions {
  /** Miscoverage level in `(0, 1)`: intervals contain the target with probability >= `1 - alpha`. */
  readonly alpha: number;
}

/**
 * Absolute-residual split conformal regression, calibrated.
 *
 * @since 0.1.0
 */
export interface ResidualConformal {
  readonly alpha: number;
  readonly numCalibration: number;
  /** `qhat`, the `ceil((n + 1)(1 - alpha))`-th smallest calibration residual `|y - mu|`. */
  readonly threshold: number;
  /** Intervals `[mu - qhat, mu + qhat]` for point predictions `mu` `[N]`. */
  predictIntervals(predictions: VectorInput): Promise<Intervals>;
}

/**
 * Conformalized quantile regression, calibrated.
 *
 * @since 0.1.0
 */
export interface CqrConformal {
  readonly alpha: number;
  readonly numCalibration: number;
  /**
   * `qhat`, the `ceil((n + 1)(1 - alpha))`-th smallest calibration score
   * `max(lo - y, y - hi)`; negative when the quantile band is too wide (the intervals shrink).
   */
  readonly threshold: number;
  /** Intervals `[lo - qhat, hi + qhat]` for predicted lower / upper quantiles `[N]`. */
  predictIntervals(lower: VectorInput, upper: VectorInput): Promise<Intervals>;
}

async function readPairedVectors(
  a: VectorInput,
  b: VectorInput,
  nameA: string,
  nameB: string,
  fn: string,
): Promise<[ArrayLike<number>, ArrayLike<number>]> {
  const va = await readVector(a, nameA, fn);
  const vb = await readVector(b, nameB, fn);
  checkLength(vb, va.length, nameB, fn, `one per entry of ${nameA}`);
  return [va, vb];
}

/**
 * Calibrates absolute-residual split conformal intervals (Lei et al. 2018) from held-out point
 * predictions and targets: score `|y - mu|`, interval `mu ± qhat`.
 *
 * @param predictionsCal calibration point predictions `mu` `[n]`.
 * @param targetsCal calibration targets `y` `[n]`.
 * @example
 * ```ts
 * const cp = await calibrateResidual(muCal, yCal, { alpha: 0.1 });
 * const { lower, upper } = await cp.predictIntervals(muTest);
 * ```
 * @since 0.1.0
 */
export async function calibrateResidual(
  predictionsCal: VectorInput,
  targetsCal: VectorInput,
  opts: RegressionCalibrateOptions,
): Promise<ResidualConformal> {
  const fn = 'calibrateResidual';
  const alpha = checkAlpha(readOptions<RegressionCalibrateOptions>(opts, 'opts', fn).alpha, fn);
  const [mu, y] = await readPairedVectors(
    predictionsCal,
    targetsCal,
    'predictionsCal',
    'targetsCal',
    fn,
  );
  const scores = Float64Array.from(mu, (m, i) => Math.abs(y[i]! - m));
  const { threshold } = conformalQuantile(scores, alpha, 'targetsCal', fn);
  return {
    alpha,
    numCalibration: mu.length,
    threshold,
    async predictIntervals(predictions) {
      const m = await readVector(predictions, 'predictions', 'predictIntervals');
      return {
        lower: Float64Array.from(m, (v) => v - threshold),
        upper: Float64Array.from(m, (v) => v + threshold),
      };
    },
  };
}

/**
 * Calibrates conformalized quantile regression (Romano, Patterson & Candès 2019) from held-out
 * lower / upper quantile predictions (e.g. of levels `alpha / 2` and `1 - alpha / 2`) and
 * targets: score `max(lo - y, y - hi)`, interval `[lo - qhat, hi + qhat]`.
 *
 * @param lowerCal calibration lower-quantile predictions `[n]`.
 * @param upperCal calibration upper-quantile predictions `[n]`.
 * @param targetsCal calibration targets `[n]`.
 * @since 0.1.0
 */
export async function calibrateCqr(
  lowerCal: VectorInput,
  upperCal: VectorInput,
  targetsCal: VectorInput,
  opts: RegressionCalibrateOptions,
): Promise<CqrConformal> {
  const fn = 'calibrateCqr';
  const alpha = checkAlpha(readOptions<RegressionCalibrateOptions>(opts, 'opts', fn).alpha, fn);
  const [lo, hi] = await readPairedVectors(lowerCal, upperCal, 'lowerCal', 'upperCal', fn);
  const y = await readVector(targetsCal, 'targetsCal', fn);
  checkLength(y, lo.length, 'targetsCal', fn, 'one per entry of lowerCal');
  const scores = Float64Array.from(lo, (l, i) => Math.max(l - y[i]!, y[i]! - hi[i]!));
  const { threshold } = conformalQuantile(scores, alpha, 'targetsCal', fn);
  return {
    alpha,
    numCalibration: lo.length,
    threshold,
    async predictIntervals(lower, upper) {
      const [l, h] = await readPairedVectors(lower, upper, 'lower', 'upper', 'predictIntervals');
      return {
        lower: Float64Array.from(l, (v) => v - threshold),
        upper: Float64Array.from(h, (v) => v + threshold),
      };
    },
  };
}
