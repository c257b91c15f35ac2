import { checkAllFinite, ShapeError } from '@uqjs/core';
import { checkLength, readVector, type VectorInput } from './inputs.js';
import { meanStdOf } from './mean-std.js';
import { studentTTwoTailed } from './student-t.js';

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
 * seeds or splits. The t distribution's tail is this package's own regularized incomplete
 * beta function (`P(|T_df| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2)`, a continued fraction;
 * relative accuracy about 1e-14 for `df <= 1000`).
 *
 * `t = mean(d) / (sd(d) / sqrt(n))`, `df = n - 1`, `pValue = 2 F_df(-|t|)`.
 * When every difference is equal: `t = ±Infinity, pValue = 0` if the mean is not 0, and
 * `t = NaN, pValue = NaN` if all differences are 0 (as in SciPy).
 *
 * Any finite inputs give a defined result: `t` is scale-free, so it is computed on the
 * differences divided by their largest magnitude, which neither underflows (denormal inputs
 * such as `1e-310`) nor overflows (`1e308`); a difference beyond the float64 range is halved
 * first. `meanDifference` and `sdDifference` are then scaled back and are `±Infinity` only
 * when their true values exceed the float64 range (e.g. the sd of `[1e308, -1e308]`).
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
  const n = x.length;
  // d = (a - b) / factor, factor 2 when some a_i - b_i overflows (|a_i|, |b_i| <= MAX_VALUE,
  // so every a_i / 2 - b_i / 2 is finite).
  const d = new Float64Array(n);
  let factor = 1;
  for (let i = 0; i < n; i++) d[i] = x[i]! - y[i]!;
  if (d.some((v) => !Number.isFinite(v))) {
    factor = 2;
    for (let i = 0; i < n; i++) d[i] = x[i]! / 2 - y[i]! / 2;
  }
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  if (scale === 0) {
    return { t: Number.NaN, df: n - 1, pValue: Number.NaN, meanDifference: 0, sdDifference: 0 };
  }
  // u = d / scale lies in [-1, 1]: its mean and two-pass variance neither under- nor overflow.
  for (let i = 0; i < n; i++) d[i]! /= scale;
  const { mean, std } = meanStdOf(d, 1, 'a - b', fn);
  const df = n - 1;
  const t = mean / (std / Math.sqrt(n));
  const pValue = Number.isNaN(t) ? Number.NaN : studentTTwoTailed(t, df);
  return {
    t,
    df,
    pValue,
    meanDifference: mean * scale * factor,
    sdDifference: std * scale * factor,
  };
}
