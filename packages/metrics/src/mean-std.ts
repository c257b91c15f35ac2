import { checkAllFinite, checkInteger, ShapeError } from '@uqjs/core';
import { readVector, type VectorInput } from './inputs.js';
import { readOptions } from './options.js';

/**
 * Options of {@link meanStd}.
 *
 * @since 0.1.0
 */
export interface MeanStdOptions {
  /** Delta degrees of freedom: the variance divides by `n - ddof` (default 1, the sample std). */
  readonly ddof?: number;
}

/**
 * What {@link meanStd} returns.
 *
 * @since 0.1.0
 */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** Mean and std of finite values, with a check that there are more than `ddof`. Internal. */
export function meanStdOf(
  values: ArrayLike<number>,
  ddof: number,
  argument: string,
  fn: string,
): MeanStd {
  const n = values.length;
  if (n <= ddof) {
    throw new ShapeError({
      fn,
      argument,
      expected: `an array of more than ${ddof} value(s)`,
      given: [n],
    });
  }
  checkAllFinite(values, argument, fn);
  // Values beyond 2^±500 are divided by a power of 2 first (exact), so that sums and squares
  // neither overflow (1e308) nor underflow (1e-310); others are used as they are.
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(values[i]!));
  const scale =
    largest > 2 ** 500 || (largest > 0 && largest < 2 ** -500)
      ? 2 ** Math.floor(Math.log2(largest))
      : 1;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / scale;
  mean /= n;
  // Two-pass variance: sum of squared deviations from the mean (no cancellation).
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! / scale - mean) ** 2;
  return { mean: mean * scale, std: Math.sqrt(ss / (n - ddof)) * scale, n };
}

/**
 * Mean and standard deviation, `std = sqrt(sum_i (x_i - mean)^2 / (n - ddof))`, e.g. to
 * report a metric over seeds as `mean ± std`. Huge (`1e308`) or tiny (`1e-310`) values are
 * rescaled by a power of 2 first, so the result is `±Infinity` only when it is beyond float64.
 *
 * @param values `[n]` finite numbers, `n > ddof`.
 * @param opts `ddof` (default 1: the sample standard deviation).
 * @example
 * ```ts
 * meanStd([1, 2, 3, 4]); // { mean: 2.5, std: 1.2910 (sqrt(5/3)), n: 4 }
 * ```
 * @since 0.1.0
 */
export function meanStd(values: VectorInput, opts: MeanStdOptions = {}): MeanStd {
  const fn = 'meanStd';
  const options = readOptions(opts, fn);
  const ddof = options.ddof === undefined ? 1 : checkInteger(options.ddof, 'opts.ddof', fn);
  return meanStdOf(readVector(values, 'values', fn), ddof, 'values', fn);
}
