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

/** `start + sum_i sum_k (p[i, k] - [k == y_i])^2`, added in row order. Internal. */
export function brierSum(m: Matrix, labels: ArrayLike<number>, start: number): number {
  const { data, rows, cols } = m;
  let sum = start;
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    let row = 0;
    for (let k = 0; k < cols; k++) {
      const d = data[i * cols + k]! - (k === y ? 1 : 0);
      row += d * d;
    }
    sum += row;
  }
  return sum;
}

/**
 * Brier score: the mean over examples of the sum over classes of `(p - onehot)^2`, in
 * `[0, 2]`; 0 for perfect one-hot predictions. Binary `[N]` inputs are read as `[1 - p, p]`,
 * so the result is twice the binary `(p - y)^2` convention.
 *
 * `brier = (1/N) sum_i sum_k (p[i, k] - [k == y_i])^2`
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * brier([[0.8, 0.2]], [0]); // 0.2^2 + 0.2^2 = 0.08
 * ```
 * @since 0.1.0
 */
export function brier(probs: ProbsInput, labels: LabelsInput, opts: ProbsOptions = {}): number {
  const fn = 'brier';
  const options = readOptions(opts, fn);
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  return brierSum(m, y, 0) / m.rows;
}
