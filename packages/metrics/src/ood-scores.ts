import { checkAllFinite } from '@uqjs/core';
import { rowEntropy } from './entropy.js';
import {
  type Matrix,
  type MatrixInput,
  type ProbsInput,
  type ProbsOptions,
  readMatrix,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

/**
 * Per-example OOD scores, oriented like {@link oodMetrics} expects: higher means more
 * in-distribution.
 */

/**
 * Maximum softmax probability (Hendrycks & Gimpel 2017): `score_i = max_k p[i, k]`.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1 (`max(p, 1 - p)`).
 * @returns `[N]` scores in `[1/K, 1]`.
 * @example
 * ```ts
 * maxProbScore([[0.7, 0.3], [0.5, 0.5]]); // Float64Array [0.7, 0.5]
 * ```
 * @since 0.1.0
 */
export function maxProbScore(probs: ProbsInput, opts: ProbsOptions = {}): Float64Array {
  const fn = 'maxProbScore';
  const options = readOptions(opts, fn);
  return maxProbOfRows(readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn)));
}

/** `max_k p[i, k]` of every row of checked probabilities. Internal. */
export function maxProbOfRows({ data, rows, cols }: Matrix): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let max = data[i * cols]!;
    for (let k = 1; k < cols; k++) max = Math.max(max, data[i * cols + k]!);
    out[i] = max;
  }
  return out;
}

/**
 * Negative predictive entropy: `score_i = sum_k p[i, k] log p[i, k]` (nats, `0 log 0 = 0`).
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @returns `[N]` scores in `[-log K, 0]`.
 * @example
 * ```ts
 * negativeEntropyScore([[1, 0], [0.5, 0.5]]); // Float64Array [0, -0.6931...]
 * ```
 * @since 0.1.0
 */
export function negativeEntropyScore(probs: ProbsInput, opts: ProbsOptions = {}): Float64Array {
  const fn = 'negativeEntropyScore';
  const options = readOptions(opts, fn);
  return negativeEntropyOfRows(readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn)));
}

/** `sum_k p[i, k] log p[i, k]` of every row of checked probabilities. Internal. */
export function negativeEntropyOfRows({ data, rows, cols }: Matrix): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = -rowEntropy(data, i, cols);
  return out;
}

/**
 * Dempster-Shafer score from logits (Sensoy et al. 2018; used by SNGP): with evidence
 * `exp(z_k)`, the uncertainty mass is `u = K / (K + sum_k exp(z_k))`; the score is its
 * complement `1 - u = S / (K + S)`, `S = sum_k exp(z_k)`, computed stably as
 * `sigmoid(logsumexp(z) - log K)`.
 *
 * @param logits `[N, K]` logits.
 * @returns `[N]` scores in `(0, 1)`; the DS uncertainty is `1 - score`.
 * @example
 * ```ts
 * dempsterShaferScore([[0, 0]]); // S = 2, K = 2: Float64Array [0.5]
 * ```
 * @since 0.1.0
 */
export function dempsterShaferScore(logits: MatrixInput): Float64Array {
  const fn = 'dempsterShaferScore';
  const { data, rows, cols } = readMatrix(logits, 'logits', fn);
  checkAllFinite(data, 'logits', fn);
  const logK = Math.log(cols);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < cols; k++) max = Math.max(max, data[i * cols + k]!);
    let sum = 0;
    for (let k = 0; k < cols; k++) sum += Math.exp(data[i * cols + k]! - max);
    const x = max + Math.log(sum) - logK;
    // sigmoid(x), written so that neither branch overflows.
    out[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
  return out;
}
