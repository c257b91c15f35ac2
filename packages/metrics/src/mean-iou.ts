import { InvalidArgumentError } from '@uqjs/core';
import { type ClassMapInput, type ConfusionOptions, readClassPairs } from './confusion-matrix.js';

/**
 * Mean intersection over union for segmentation: per class,
 * `IoU_k = TP_k / (TP_k + FP_k + FN_k)` from the confusion matrix, averaged over the classes
 * that occur in the label or the prediction (union > 0); classes absent from both are skipped.
 * Positions whose label is `ignoreIndex` are not counted.
 *
 * @param pred predicted class ids, any shape (flattened), integers in `[0, K)`.
 * @param label true class ids of the same size.
 * @param numClasses K, an integer in `[1, 10000]`.
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
  const {
    pred: p,
    label: y,
    numClasses: k,
    ignore,
  } = readClassPairs(pred, label, numClasses, opts, fn);
  // Per class c: TP (label c predicted c), label count (row sum) and prediction count (column
  // sum) of the confusion matrix, in O(K) memory.
  const tp = new Float64Array(k);
  const labelCount = new Float64Array(k);
  const predCount = new Float64Array(k);
  for (let i = 0; i < y.length; i++) {
    const yi = y[i]!;
    if (yi === ignore) continue;
    const pi = p[i]!;
    labelCount[yi]! += 1;
    predCount[pi]! += 1;
    if (pi === yi) tp[yi]! += 1;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    const union = labelCount[c]! + predCount[c]! - tp[c]!;
    if (union > 0) {
      sum += tp[c]! / union;
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
