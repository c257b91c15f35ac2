import { checkInteger, checkSeed, InvalidArgumentError, Rng } from '@uqjs/core';
import {
  type DenseMatrix,
  type LabelsInput,
  type ProbsInput,
  type ProbsOptions,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

/**
 * Options of {@link bootstrapCI}.
 *
 * @since 0.1.0
 */
export interface BootstrapOptions extends ProbsOptions {
  /** Number of bootstrap resamples, an integer in `[1, 1000000]` ({@link MAX_RESAMPLES}; default 1000). */
  readonly numResamples?: number;
  /** Coverage of the interval, in `(0, 1)` (default 0.95). */
  readonly level?: number;
  /** Seed of the resampling (default 0); the same seed gives the same interval. */
  readonly seed?: number;
}

/**
 * The most resamples {@link bootstrapCI} accepts (10^6): the Monte Carlo error of a 95%
 * percentile bound is already below 0.1% of the spread at 10^4 resamples; the limit keeps a
 * mistyped count from allocating gigabytes.
 *
 * @since 0.1.1
 */
export const MAX_RESAMPLES = 1_000_000;

/**
 * What {@link bootstrapCI} returns.
 *
 * @since 0.1.0
 */
export interface BootstrapInterval {
  /** The metric on the original data. */
  readonly estimate: number;
  /** The `(1 - level) / 2` quantile of the resampled metric. */
  readonly lower: number;
  /** The `(1 + level) / 2` quantile of the resampled metric. */
  readonly upper: number;
  readonly level: number;
  readonly numResamples: number;
}

/**
 * A metric of probabilities `[N, K]` and labels `[N]`, such as `ece` or `nll`.
 *
 * @since 0.1.0
 */
export type BootstrapMetric = (probs: DenseMatrix, labels: Int32Array) => number;

/** The q-quantile of ascending values, linearly interpolated (Hyndman & Fan type 7). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function evaluate(metric: BootstrapMetric, probs: DenseMatrix, labels: Int32Array): number {
  const value = metric(probs, labels);
  // ±Infinity is refused too: the interpolated quantiles would be NaN (Infinity - Infinity).
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError({
      fn: 'bootstrapCI',
      argument: 'metric',
      expected: 'a function returning a finite number (not NaN or ±Infinity)',
      given: value,
    });
  }
  return value;
}

/**
 * Percentile bootstrap confidence interval of any metric of `(probs, labels)`: resample the
 * N examples with replacement `numResamples` times (seeded), evaluate the metric on each
 * resample, and take the `(1 - level) / 2` and `(1 + level) / 2` quantiles (linear
 * interpolation between order statistics).
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1 (passed to the
 *   metric as the `[N, 2]` matrix `[1 - p, p]`).
 * @param labels `[N]` integer labels in `[0, K)`.
 * @param metric called as `metric({ data, numClasses }, labels)` on each resample; every
 *   metric of this package with that signature fits (`ece`, `nll`, `brier`, `accuracy`, ...).
 *   It must return a finite number (`nll` with `eps: 0` can give `Infinity`: an error here).
 * @param opts `numResamples` in `[1, 10^6]` (default 1000), `level` in `(0, 1)` (default 0.95),
 *   `seed` (default 0), `tolerance` on row sums (default `1e-3`).
 * @example
 * ```ts
 * const { estimate, lower, upper } = bootstrapCI(probs, labels, (p, y) => ece(p, y), { seed: 1 });
 * ```
 * @since 0.1.0
 */
export function bootstrapCI(
  probs: ProbsInput,
  labels: LabelsInput,
  metric: BootstrapMetric,
  opts?: BootstrapOptions,
): BootstrapInterval {
  const fn = 'bootstrapCI';
  if (typeof metric !== 'function') {
    throw new InvalidArgumentError({
      fn,
      argument: 'metric',
      expected: 'a function',
      given: metric,
    });
  }
  const options = readOptions(opts, fn);
  const numResamples =
    options.numResamples === undefined
      ? 1000
      : checkInteger(options.numResamples, 'opts.numResamples', fn, 1);
  if (numResamples > MAX_RESAMPLES) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.numResamples',
      expected: `an integer in [1, ${MAX_RESAMPLES}] (the limit on resamples)`,
      given: numResamples,
    });
  }
  const level = options.level ?? 0.95;
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.level',
      expected: 'a number in (0, 1)',
      given: level,
    });
  }
  const rng = new Rng(checkSeed(options.seed ?? 0, 'opts.seed', fn));
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const { rows: n, cols: k } = m;
  const estimate = evaluate(metric, { data: m.data, numClasses: k }, Int32Array.from(y));
  const values = new Float64Array(numResamples);
  const data = new Float64Array(n * k);
  const resampledLabels = new Int32Array(n);
  for (let r = 0; r < numResamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      // Copy row j of the [N, K] matrix into row i of the resample.
      for (let c = 0; c < k; c++) data[i * k + c] = m.data[j * k + c]!;
      resampledLabels[i] = y[j]!;
    }
    values[r] = evaluate(metric, { data, numClasses: k }, resampledLabels);
  }
  values.sort();
  return {
    estimate,
    lower: quantile(values, (1 - level) / 2),
    upper: quantile(values, (1 + level) / 2),
    level,
    numResamples,
  };
}
