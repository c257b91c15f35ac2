import { InvalidArgumentError } from '@uqjs/core';
import {
  type LabelsInput,
  type Matrix,
  type ProbsInput,
  type ProbsOptions,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

/**
 * Options of {@link nll}.
 *
 * @since 0.1.0
 */
export interface NllOptions extends ProbsOptions {
  /**
   * Floor on the probability of the label before the log (default `1e-12`), so one
   * probability of exactly 0 costs `-log(1e-12) ≈ 27.6` instead of `Infinity`. `0` disables it.
   */
  readonly eps?: number;
}

/** The default floor of {@link nll}. */
export const DEFAULT_EPS = 1e-12;

/** Checks `opts.eps` in `[0, 1)`; `undefined` gives {@link DEFAULT_EPS}. */
export function readEps(eps: unknown, fn: string): number {
  if (eps === undefined) return DEFAULT_EPS;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 1)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.eps',
      expected: 'a number in [0, 1)',
      given: eps,
    });
  }
  return eps;
}

/** `start + sum_i -log(max(p[i, y_i], eps))`, added in row order. Internal. */
export function nllSum(m: Matrix, labels: ArrayLike<number>, eps: number, start: number): number {
  const { data, rows, cols } = m;
  let sum = start;
  for (let i = 0; i < rows; i++) {
    const p = data[i * cols + labels[i]!]!;
    sum -= Math.log(Math.max(p, eps));
  }
  return sum;
}

/**
 * Negative log-likelihood (log loss, in nats): the mean over examples of
 * `-log max(p[i, y_i], eps)`.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @param opts `eps` (default `1e-12`), `tolerance` on row sums (default `1e-3`).
 * @example
 * ```ts
 * nll([[0.8, 0.2], [0.5, 0.5]], [0, 1]); // (-log 0.8 - log 0.5) / 2 ≈ 0.4581
 * ```
 * @since 0.1.0
 */
export function nll(probs: ProbsInput, labels: LabelsInput, opts: NllOptions = {}): number {
  const fn = 'nll';
  const options = readOptions(opts, fn);
  const eps = readEps(options.eps, fn);
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  return nllSum(m, y, eps, 0) / m.rows;
}
