import type { BinAccumulator } from './bins.js';
import type { Matrix } from './inputs.js';

/**
 * Top-label reading of probabilities: the predicted class is the first index of the largest
 * probability (ties go to the lower class index), its confidence is that probability, and
 * the prediction is right when it equals the label. Internal.
 */

/** The first index of the largest entry of row `i`. */
export function argmaxRow(data: ArrayLike<number>, i: number, cols: number): number {
  const base = i * cols;
  let best = 0;
  let max = data[base]!;
  for (let k = 1; k < cols; k++) {
    const v = data[base + k]!;
    if (v > max) {
      max = v;
      best = k;
    }
  }
  return best;
}

/**
 * Adds every row's (confidence, right) pair to `acc` (when given), in row order, and returns
 * the number of right predictions.
 */
export function addTopLabel(
  m: Matrix,
  labels: ArrayLike<number>,
  acc: BinAccumulator | null,
): number {
  const { data, rows, cols } = m;
  acc?.reserve(rows);
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const best = argmaxRow(data, i, cols);
    const hit = best === labels[i] ? 1 : 0;
    correct += hit;
    acc?.add(data[i * cols + best]!, hit);
  }
  return correct;
}

/**
 * Adds every (probability of class k, label == k) pair to `accs[k]`, row by row: the pairs
 * that classwise calibration bins.
 */
export function addClasswise(
  m: Matrix,
  labels: ArrayLike<number>,
  accs: readonly BinAccumulator[],
): void {
  const { data, rows, cols } = m;
  for (const acc of accs) acc.reserve(rows);
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    for (let k = 0; k < cols; k++) accs[k]!.add(data[i * cols + k]!, k === y ? 1 : 0);
  }
}
