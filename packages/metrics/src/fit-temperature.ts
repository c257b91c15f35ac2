import { checkInRange, checkPositive, InvalidArgumentError } from '@uqjs/core';
import { type LogitsTransform, makeLogitsTransform, readLogits } from './calibrated-logits.js';
import { type LabelsInput, type Matrix, type MatrixInput, readLabels } from './inputs.js';
import { readOptions } from './options.js';

/**
 * Options of {@link fitTemperature}.
 *
 * @since 0.1.0
 */
export interface FitTemperatureOptions {
  /** Smallest temperature searched, in `[1e-300, 1e300]` (default `0.01`). */
  readonly minTemperature?: number;
  /** Largest temperature searched, in `[1e-300, 1e300]` (default `100`). */
  readonly maxTemperature?: number;
  /**
   * The search stops when the bracket on `log T` is narrower than this (default `1e-7`).
   * Values below what float64 resolves at the bracket (`4 * Number.EPSILON * max(1, |log T|)`,
   * about `1e-15` near `T = 1`) are raised to that floor, and the search also stops when no
   * float64 lies strictly inside the bracket, so any tolerance > 0 returns.
   */
  readonly tolerance?: number;
}

/**
 * What {@link fitTemperature} returns.
 *
 * @since 0.1.0
 */
export interface TemperatureFit {
  /** The fitted temperature T; calibrated logits are `logits / T`. */
  readonly temperature: number;
  /**
   * `'lower'` or `'upper'` when the NLL still decreases at that end of
   * `[minTemperature, maxTemperature]` (the optimum lies at or beyond it), else `null`.
   */
  readonly hitBound: 'lower' | 'upper' | null;
  /** Mean NLL of the fitting data at T = 1. */
  readonly nllBefore: number;
  /** Mean NLL of the fitting data at the fitted T. */
  readonly nllAfter: number;
  /** Number of bisection steps taken. */
  readonly iterations: number;
  /** `logits / temperature`, `[N, K]` in the form given (see {@link LogitsTransform}). */
  readonly apply: LogitsTransform;
}

/** Temperatures searched stay in `[1e-300, 1e300]`, so `1 / T` and `log T` are finite and exact enough. */
const TEMPERATURE_RANGE = [1e-300, 1e300] as const;

/**
 * The most bisection steps (a safety net; the floored tolerance already bounds them: halving a
 * bracket of at most `log(1e600) ≈ 1382` down to `4 * Number.EPSILON ≈ 8.9e-16` takes 61 steps).
 */
const MAX_BISECTIONS = 200;

/** Per-row maxima and label logits, so that every evaluation works on `z - max <= 0`. */
interface Prepared {
  readonly m: Matrix;
  readonly rowMax: Float64Array;
  readonly labelLogit: Float64Array;
}

function prepare(m: Matrix, labels: ArrayLike<number>): Prepared {
  const { data, rows, cols } = m;
  const rowMax = new Float64Array(rows);
  const labelLogit = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < cols; k++) max = Math.max(max, data[i * cols + k]!);
    rowMax[i] = max;
    labelLogit[i] = data[i * cols + labels[i]!]!;
  }
  return { m, rowMax, labelLogit };
}

/** Mean NLL of `softmax(beta z)`: `mean_i log sum_k exp(beta (z_ik - max_i)) + beta (max_i - z_iy)`. */
function nllAt(p: Prepared, beta: number): number {
  const { data, rows, cols } = p.m;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const max = p.rowMax[i]!;
    let s = 0;
    for (let k = 0; k < cols; k++) s += Math.exp(beta * (data[i * cols + k]! - max));
    sum += Math.log(s) + beta * (max - p.labelLogit[i]!);
  }
  return sum / rows;
}

/**
 * `d NLL / d beta = mean_i (E_{softmax(beta z_i)}[z_i] - z_iy)`, increasing in beta since the NLL
 * is convex in beta (its second derivative is the mean variance of z under the softmax).
 */
function slopeAt(p: Prepared, beta: number): number {
  const { data, rows, cols } = p.m;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const max = p.rowMax[i]!;
    let s = 0;
    let sz = 0;
    for (let k = 0; k < cols; k++) {
      const d = data[i * cols + k]! - max;
      const e = Math.exp(beta * d);
      s += e;
      // e = 0 where beta d underflows (or d overflows to -Infinity for logits near ±1e308):
      // its term is 0, not 0 * -Infinity = NaN.
      if (e > 0) sz += e * d;
    }
    sum += sz / s - (p.labelLogit[i]! - max);
  }
  return sum / rows;
}

/**
 * Temperature scaling (Guo et al. 2017): the T > 0 minimizing the mean NLL of
 * `softmax(logits / T)` on held-out (validation) logits.
 *
 * The NLL is convex in `beta = 1 / T`, so its slope in `beta` changes sign once; the fit
 * bisects on that sign over `log T` in `[log minTemperature, log maxTemperature]` until the
 * bracket is narrower than `tolerance` (default `1e-7`, well inside the `1e-4` accuracy on
 * `log T` asked of it; floored at the float64 resolution of `log T`, so at most 61 steps).
 * When the NLL still decreases at an end of the range, that end is
 * returned and `hitBound` says which (e.g. separable data, where T -> 0).
 *
 * @param logits `[N, K]` finite logits of held-out examples.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * const { temperature, apply, hitBound } = fitTemperature(valLogits, valLabels);
 * const calibrated = apply(testLogits); // testLogits / temperature, same form as given
 * ```
 * @since 0.1.0
 */
export function fitTemperature(
  logits: MatrixInput,
  labels: LabelsInput,
  opts: FitTemperatureOptions = {},
): TemperatureFit {
  const fn = 'fitTemperature';
  const options = readOptions(opts, fn);
  const [lowest, highest] = TEMPERATURE_RANGE;
  const minT = checkInRange(
    options.minTemperature ?? 0.01,
    'opts.minTemperature',
    fn,
    lowest,
    highest,
  );
  const maxT = checkInRange(
    options.maxTemperature ?? 100,
    'opts.maxTemperature',
    fn,
    lowest,
    highest,
  );
  if (!(maxT > minT)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.maxTemperature',
      expected: `greater than opts.minTemperature (${minT})`,
      given: maxT,
    });
  }
  const tolerance = checkPositive(options.tolerance ?? 1e-7, 'opts.tolerance', fn);
  const m = readLogits(logits, 'logits', fn);
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const p = prepare(m, y);

  // In u = log T, dNLL/du = -beta * dNLL/dbeta: the NLL decreases in u where the slope in beta is > 0.
  let lo = Math.log(minT);
  let hi = Math.log(maxT);
  let hitBound: TemperatureFit['hitBound'] = null;
  let iterations = 0;
  let temperature: number;
  if (slopeAt(p, 1 / minT) <= 0) {
    temperature = minT;
    hitBound = 'lower';
  } else if (slopeAt(p, 1 / maxT) >= 0) {
    temperature = maxT;
    hitBound = 'upper';
  } else {
    // Float64 cannot split a bracket much narrower than a few ulps of its ends: floor the
    // tolerance there, and stop anyway when the midpoint is no longer strictly inside.
    const resolution = 4 * Number.EPSILON * Math.max(1, Math.abs(lo), Math.abs(hi));
    const width = Math.max(tolerance, resolution);
    while (hi - lo > width && iterations < MAX_BISECTIONS) {
      const mid = 0.5 * (lo + hi);
      if (!(mid > lo && mid < hi)) break;
      if (slopeAt(p, Math.exp(-mid)) > 0) lo = mid;
      else hi = mid;
      iterations++;
    }
    temperature = Math.exp(0.5 * (lo + hi));
  }
  return {
    temperature,
    hitBound,
    nllBefore: nllAt(p, 1),
    nllAfter: nllAt(p, 1 / temperature),
    iterations,
    apply: makeLogitsTransform(m.cols, 'TemperatureFit.apply', ({ data, rows, cols }) => {
      const out = new Float64Array(rows * cols);
      for (let j = 0; j < rows * cols; j++) out[j] = data[j]! / temperature;
      return out;
    }),
  };
}
