import { checkAllFinite, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { readOptions } from './inputs.js';

/**
 * Weighted isotonic (non-decreasing) least squares by pool-adjacent-violators, and the
 * monotone piecewise-linear map it defines over scores with ties.
 */

/**
 * Options of {@link isotonicRegression}.
 *
 * @since 0.1.0
 */
export interface IsotonicRegressionOptions {
  /** `[n]` weights, each finite and `> 0` (default: all 1). */
  readonly weights?: ArrayLike<number>;
}

/** Checks `[n]` weights (finite, > 0); `undefined` gives ones. Internal. */
export function readWeights(
  weights: ArrayLike<number> | undefined,
  n: number,
  argument: string,
  fn: string,
): Float64Array {
  if (weights === undefined) return new Float64Array(n).fill(1);
  if (!(Array.isArray(weights) || ArrayBuffer.isView(weights)) || weights.length !== n) {
    throw new ShapeError({
      fn,
      argument,
      expected: `an array of ${n} weights (one per value)`,
      given: weights,
    });
  }
  checkAllFinite(weights, argument, fn);
  for (let i = 0; i < n; i++) {
    if (!(weights[i]! > 0)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a weight > 0',
        given: weights[i],
      });
    }
  }
  return Float64Array.from(weights);
}

/** The blocks of a PAV fit: block `j` covers `[start[j], start[j + 1])` with value `value[j]`. */
interface Blocks {
  readonly start: Int32Array;
  readonly value: Float64Array;
  readonly count: number;
}

/** Pool-adjacent-violators on `y` in its order, weights `w > 0`. O(n). */
function pav(y: Float64Array, w: Float64Array): Blocks {
  const n = y.length;
  const start = new Int32Array(n + 1);
  const value = new Float64Array(n);
  const weight = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    start[count] = i;
    value[count] = y[i]!;
    weight[count] = w[i]!;
    count++;
    // Merge while the last two blocks violate monotonicity: the merged value is their
    // weighted mean, which minimizes the weighted squared error of the pooled block.
    while (count > 1 && value[count - 2]! > value[count - 1]!) {
      const a = count - 2;
      const b = count - 1;
      const total = weight[a]! + weight[b]!;
      value[a] = (weight[a]! * value[a]! + weight[b]! * value[b]!) / total;
      weight[a] = total;
      count--;
    }
  }
  start[count] = n;
  return { start, value, count };
}

/**
 * Isotonic regression: the non-decreasing `f` minimizing `sum_i w_i (y_i - f_i)^2`, by
 * pool-adjacent-violators (Ayer et al. 1955; Barlow et al. 1972). The values `y` are taken in
 * the order given (sort them by their covariate first).
 *
 * @param y `[n]` finite values, `n >= 1`.
 * @param opts `weights` `[n]` (default all 1).
 * @returns `[n]` fitted values, non-decreasing.
 * @example
 * ```ts
 * isotonicRegression([1, 3, 2, 4]); // Float64Array [1, 2.5, 2.5, 4]
 * ```
 * @since 0.1.0
 */
export function isotonicRegression(
  y: ArrayLike<number>,
  opts: IsotonicRegressionOptions = {},
): Float64Array {
  const fn = 'isotonicRegression';
  const options = readOptions(opts, fn);
  if (!(Array.isArray(y) || ArrayBuffer.isView(y)) || y.length < 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'y',
      expected: 'a non-empty array of numbers',
      given: y,
    });
  }
  checkAllFinite(y, 'y', fn);
  const w = readWeights(options.weights, y.length, 'opts.weights', fn);
  const blocks = pav(Float64Array.from(y), w);
  const out = new Float64Array(y.length);
  for (let j = 0; j < blocks.count; j++) {
    out.fill(blocks.value[j]!, blocks.start[j]!, blocks.start[j + 1]!);
  }
  return out;
}

/**
 * A monotone piecewise-linear map through knots `(x[j], y[j])`, `x` strictly increasing and
 * `y` non-decreasing; constant beyond the first and last knot. Internal.
 */
export interface Knots {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/**
 * Fits the isotonic map of targets on scores: sorts by score, pools tied scores into one point
 * (weighted mean target, summed weight), runs PAV, and keeps the first and last score of every
 * constant block as knots (interpolating inside a block gives its value either way).
 */
export function fitIsotonicKnots(
  scores: Float64Array,
  targets: Float64Array,
  weights: Float64Array,
): Knots {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  for (const i of order) {
    const last = ux.length - 1;
    if (last >= 0 && ux[last] === scores[i]) {
      const total = uw[last]! + weights[i]!;
      uy[last] = (uw[last]! * uy[last]! + weights[i]! * targets[i]!) / total;
      uw[last] = total;
    } else {
      ux.push(scores[i]!);
      uy.push(targets[i]!);
      uw.push(weights[i]!);
    }
  }
  const blocks = pav(Float64Array.from(uy), Float64Array.from(uw));
  const kx: number[] = [];
  const ky: number[] = [];
  for (let j = 0; j < blocks.count; j++) {
    const first = blocks.start[j]!;
    const last = blocks.start[j + 1]! - 1;
    kx.push(ux[first]!);
    ky.push(blocks.value[j]!);
    if (last > first) {
      kx.push(ux[last]!);
      ky.push(blocks.value[j]!);
    }
  }
  return { x: Float64Array.from(kx), y: Float64Array.from(ky) };
}

/** The largest `j` with `sorted[j] <= v` (`-1` when `v < sorted[0]`). */
export function lastAtMost(sorted: ArrayLike<number>, v: number): number {
  let lo = -1;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Evaluates the piecewise-linear map of `knots` at `v` (clamped beyond the ends). */
export function interpolate(knots: Knots, v: number): number {
  const { x, y } = knots;
  const j = lastAtMost(x, v);
  if (j < 0) return y[0]!;
  if (j >= x.length - 1) return y[x.length - 1]!;
  const t = (v - x[j]!) / (x[j + 1]! - x[j]!);
  return y[j]! + t * (y[j + 1]! - y[j]!);
}
