import { checkPositive, InvalidArgumentError } from '@uqjs/core';
import { type LogitsTransform, makeLogitsTransform, readLogits } from './calibrated-logits.js';
import { type LabelsInput, type Matrix, type MatrixInput, readLabels } from './inputs.js';

/**
 * Options of {@link fitTemperature}.
 *
 * @since 0.1.0
 */
export interface FitTemperatureOptions {
  /** Smallest temperature searched (default `0.01`). */
  readonly minTemperature?: number;
  /** Largest temperature searched (default `100`). */
  readonly maxTemperature?: number;
  /** The search stops when the bracket on `log T` is narrower than this (default `1e-7`). */
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
      sz += e * d;
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
 * `log T` asked of it). When the NLL still decreases at an end of the range, that end is
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
  const minT = checkPositive(opts.minTemperature ?? 0.01, 'opts.minTemperature', fn);
  const maxT = checkPositive(opts.maxTemperature ?? 100, 'opts.maxTemperature', fn);
  if (!(maxT > minT)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.maxTemperature',
      expected: `greater than opts.minTemperature (${minT})`,
      given: maxT,
    });
  }
  const tolerance = checkPositive(opts.tolerance ?? 1e-7, 'opts.tolerance', fn);
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
    while (hi - lo > tolerance) {
      const mid = 0.5 * (lo + hi);
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
