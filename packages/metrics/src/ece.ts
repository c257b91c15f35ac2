import { type EceOptions, readBinningOptions } from './binning-options.js';
import { CalibrationBins } from './calibration-bins.js';
import {
  type LabelsInput,
  type ProbsInput,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

function calibrationErrors(
  probs: ProbsInput,
  labels: LabelsInput,
  opts: EceOptions | undefined,
  fn: string,
): { ece: number; mce: number } {
  const options = readOptions(opts, fn);
  const resolved = readBinningOptions(options, fn);
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const bins = new CalibrationBins(resolved, m.cols, fn);
  bins.add(m, y);
  return bins.errors();
}

/**
 * Expected calibration error, in `[0, 1]`:
 * `ECE = sum_m |B_m|/N * |acc(B_m) - conf(B_m)|` over bins `(lo, hi]` of the top-label
 * confidence (a confidence of 0 goes in the first bin, exactly 1.0 in the last); empty bins
 * contribute nothing. With `scope: 'classwise'`, every class's probability is binned
 * (a hit when the label is that class) and the K per-class errors are averaged.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1 (top-label on `[1 - p, p]`).
 * @param labels `[N]` integer labels in `[0, K)`.
 * @param opts `bins` (default 15), `binning` (`'equal-width'` default, or `'equal-mass'`),
 *   `scope` (`'top-label'` default, or `'classwise'`), `tolerance` on row sums (default `1e-3`).
 * @example
 * ```ts
 * // Confidence 0.8 and right, 0.7 and wrong: 0.5 * |1 - 0.8| + 0.5 * |0 - 0.7| = 0.45.
 * ece([[0.2, 0.8], [0.3, 0.7]], [1, 0]); // 0.45
 * ```
 * @since 0.1.0
 */
export function ece(probs: ProbsInput, labels: LabelsInput, opts: EceOptions = {}): number {
  return calibrationErrors(probs, labels, opts, 'ece').ece;
}

/**
 * Maximum calibration error: `max_m |acc(B_m) - conf(B_m)|` over non-empty bins, binned as in
 * {@link ece}; with `scope: 'classwise'`, the max over classes and bins.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * mce([[0.2, 0.8], [0.3, 0.7]], [1, 0]); // max(|1 - 0.8|, |0 - 0.7|) = 0.7
 * ```
 * @since 0.1.0
 */
export function mce(probs: ProbsInput, labels: LabelsInput, opts: EceOptions = {}): number {
  return calibrationErrors(probs, labels, opts, 'mce').mce;
}
