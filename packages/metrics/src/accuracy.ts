import {
  type LabelsInput,
  type ProbsInput,
  type ProbsOptions,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';
import { addTopLabel } from './top-label.js';

/**
 * Top-1 accuracy: the fraction of examples whose predicted class (the first index of the
 * largest probability; ties go to the lower index) equals the label.
 *
 * `accuracy = (1/N) sum_i [argmax_k p[i, k] == y_i]`
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1 (read as `[1 - p, p]`:
 *   class 1 is predicted when `p > 0.5`).
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * accuracy([[0.9, 0.1], [0.4, 0.6]], [0, 0]); // 0.5
 * ```
 * @since 0.1.0
 */
export function accuracy(probs: ProbsInput, labels: LabelsInput, opts: ProbsOptions = {}): number {
  const fn = 'accuracy';
  const options = readOptions(opts, fn);
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  return addTopLabel(m, y, null) / m.rows;
}
