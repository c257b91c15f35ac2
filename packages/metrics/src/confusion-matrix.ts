import type { Tensor } from '@tensorflow/tfjs-core';
import { checkInteger, checkPositiveInteger, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { isTensor, readTensorValues } from './inputs.js';

/**
 * Options of {@link confusionMatrix} and {@link meanIoU}.
 *
 * @since 0.1.0
 */
export interface ConfusionOptions {
  /** A label value to skip (e.g. 255 for "void" pixels); its positions are not counted. */
  readonly ignoreIndex?: number;
}

/**
 * Nested arrays of numbers, e.g. a `[B, H, W]` map as `number[][][]`.
 *
 * @since 0.1.0
 */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/**
 * Integer class maps of any shape (flattened): arrays, nested arrays, typed arrays or tensors.
 *
 * @since 0.1.0
 */
export type ClassMapInput = ArrayLike<number> | NestedNumbers | Tensor;

function readClassMap(input: unknown, argument: string, fn: string): ArrayLike<number> {
  if (isTensor(input)) return readTensorValues(input, argument, fn);
  if (Array.isArray(input) || (ArrayBuffer.isView(input) && !(input instanceof DataView))) {
    return (
      Array.isArray(input) ? input.flat(Number.POSITIVE_INFINITY) : input
    ) as ArrayLike<number>;
  }
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'integer class ids (an array, typed array or tensor of any shape)',
    given: input,
  });
}

function badClass(fn: string, argument: string, numClasses: number, given: number): never {
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: `an integer class id in [0, ${numClasses - 1}]`,
    given,
  });
}

/** Counts `[K, K]`, row-major, row = label, column = prediction. Internal. */
export function confusionCounts(
  pred: ClassMapInput,
  label: ClassMapInput,
  numClasses: number,
  opts: ConfusionOptions,
  fn: string,
): Float64Array {
  const k = checkPositiveInteger(numClasses, 'numClasses', fn);
  const ignore =
    opts.ignoreIndex === undefined
      ? undefined
      : checkInteger(opts.ignoreIndex, 'opts.ignoreIndex', fn, Number.MIN_SAFE_INTEGER);
  const p = readClassMap(pred, 'pred', fn);
  const y = readClassMap(label, 'label', fn);
  if (p.length !== y.length) {
    throw new ShapeError({
      fn,
      argument: 'label',
      expected: `of the same size as pred (${p.length} entries)`,
      given: [y.length],
    });
  }
  const counts = new Float64Array(k * k);
  for (let i = 0; i < p.length; i++) {
    const yi = y[i]!;
    if (yi === ignore) continue;
    const pi = p[i]!;
    if (!(Number.isInteger(yi) && yi >= 0 && yi < k)) badClass(fn, `label[${i}]`, k, yi);
    if (!(Number.isInteger(pi) && pi >= 0 && pi < k)) badClass(fn, `pred[${i}]`, k, pi);
    counts[yi * k + pi]! += 1;
  }
  return counts;
}

/**
 * Confusion matrix `[K, K]`: entry `[a][b]` counts positions with label `a` predicted as `b`.
 * Inputs of any shape (e.g. `[B, H, W]` segmentation maps) are flattened.
 *
 * @param pred predicted class ids, integers in `[0, K)`.
 * @param label true class ids of the same size, integers in `[0, K)` or `ignoreIndex`.
 * @param numClasses K.
 * @param opts `ignoreIndex`: label value whose positions are skipped.
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 1], [0, 1]]
 * ```
 * @since 0.1.0
 */
export function confusionMatrix(
  pred: ClassMapInput,
  label: ClassMapInput,
  numClasses: number,
  opts: ConfusionOptions = {},
): number[][] {
  const counts = confusionCounts(pred, label, numClasses, opts, 'confusionMatrix');
  // Row a of the [K, K] row-major counts is the slice [a K, (a + 1) K).
  return Array.from({ length: numClasses }, (_, a) =>
    Array.from(counts.subarray(a * numClasses, (a + 1) * numClasses)),
  );
}
