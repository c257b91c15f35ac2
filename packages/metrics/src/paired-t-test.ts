import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { checkAllFinite, ShapeError } from '@uqjs/core';
import { checkLength, readVector, type VectorInput } from './inputs.js';
import { meanStdOf } from './mean-std.js';

/**
 * What {@link pairedTTest} returns.
 *
 * @since 0.1.0
 */
export interface PairedTTest {
  /** `mean(d) / (sd(d) / sqrt(n))`, `d = a - b`. */
  readonly t: number;
  /** Degrees of freedom, `n - 1`. */
  readonly df: number;
  /** Two-tailed p-value, `2 P(T_df <= -|t|)`. */
  readonly pValue: number;
  /** `mean(a - b)`. */
  readonly meanDifference: number;
  /** Sample standard deviation of `a - b` (divides by `n - 1`). */
  readonly sdDifference: number;
}

/**
 * Paired two-tailed Student t-test of `mean(a - b) = 0`, e.g. two methods' metric on the same
 * seeds or splits. The t CDF comes from `@stdlib/stats-base-dists-t-cdf`.
 *
 * `t = mean(d) / (sd(d) / sqrt(n))`, `df = n - 1`, `pValue = 2 F_df(-|t|)`.
 * When every difference is equal: `t = ±Infinity, pValue = 0` if the mean is not 0, and
 * `t = NaN, pValue = NaN` if all differences are 0 (as in SciPy).
 *
 * @param a `[n]` finite values, `n >= 2`.
 * @param b `[n]` finite values paired with `a`.
 * @example
 * ```ts
 * // Student's sleep data (Cushny & Peebles): t = -4.0621, df = 9, p = 0.002833.
 * pairedTTest([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
 *             [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]);
 * ```
 * @since 0.1.0
 */
export function pairedTTest(a: VectorInput, b: VectorInput): PairedTTest {
  const fn = 'pairedTTest';
  const x = readVector(a, 'a', fn);
  const y = readVector(b, 'b', fn);
  if (x.length < 2) {
    throw new ShapeError({
      fn,
      argument: 'a',
      expected: 'an array of at least 2 values',
      given: [x.length],
    });
  }
  checkLength(y, x.length, 'b', fn, 'paired with a');
  checkAllFinite(x, 'a', fn);
  checkAllFinite(y, 'b', fn);
  const d = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = x[i]! - y[i]!;
  const { mean, std, n } = meanStdOf(d, 1, 'a - b', fn);
  const df = n - 1;
  const t = mean / (std / Math.sqrt(n));
  const pValue = Number.isNaN(t) ? Number.NaN : 2 * tCdf(-Math.abs(t), df);
  return { t, df, pValue, meanDifference: mean, sdDifference: std };
}
