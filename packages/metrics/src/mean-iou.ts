import { InvalidArgumentError } from '@uqjs/core';
import { type ClassMapInput, type ConfusionOptions, confusionCounts } from './confusion-matrix.js';

/**
 * Mean intersection over union for segmentation: per class,
 * `IoU_k = TP_k / (TP_k + FP_k + FN_k)` from the confusion matrix, averaged over the classes
 * that occur in the label or the prediction (union > 0); classes absent from both are skipped.
 * Positions whose label is `ignoreIndex` are not counted.
 *
 * @param pred predicted class ids, any shape (flattened), integers in `[0, K)`.
 * @param label true class ids of the same size.
 * @param numClasses K.
 * @example
 * ```ts
 * meanIoU([0, 1, 1, 1], [0, 0, 1, 255], 2, { ignoreIndex: 255 });
 * // class 0: 1 / 2, class 1: 1 / 2 -> 0.5
 * ```
 * @since 0.1.0
 */
export function meanIoU(
  pred: ClassMapInput,
  label: ClassMapInput,
  numClasses: number,
  opts: ConfusionOptions = {},
): number {
  const fn = 'meanIoU';
  const counts = confusionCounts(pred, label, numClasses, opts, fn);
  const k = numClasses;
  let sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += counts[c * k + j]!;
      col += counts[j * k + c]!;
    }
    const tp = counts[c * k + c]!;
    const union = row + col - tp;
    if (union > 0) {
      sum += tp / union;
      present++;
    }
  }
  if (present === 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'label',
      expected: 'a map with at least one position that is not ignoreIndex',
      given: label,
    });
  }
  return sum / present;
}
