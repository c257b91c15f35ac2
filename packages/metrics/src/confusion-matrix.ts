import type { Tensor } from '@tensorflow/tfjs-core';
import { checkInteger, checkPositiveInteger, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { isTensor, readTensorValues } from './inputs.js';
import { readOptions } from './options.js';

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
  if (Array.isArray(input)) return flattenRectangular(input, argument, fn);
  if (ArrayBuffer.isView(input) && !(input instanceof DataView)) {
    return input as unknown as ArrayLike<number>;
  }
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'integer class ids (an array, typed array or tensor of any shape)',
    given: input,
  });
}

/**
 * Flattens nested arrays in row-major order, checking that they are rectangular: every array
 * at a depth has the length of the first one there (the shape is read along the first entries),
 * and the leaves are numbers. A ragged map is a `ShapeError` naming the first bad entry.
 */
function flattenRectangular(input: readonly unknown[], argument: string, fn: string): number[] {
  const shape: number[] = [];
  for (let probe: unknown = input; Array.isArray(probe); probe = probe[0]) shape.push(probe.length);
  const out: number[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new InvalidArgumentError({
          fn,
          argument: `${argument}${path}`,
          expected: 'an integer class id',
          given: node,
        });
      }
      out.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ShapeError({
        fn,
        argument: `${argument}${path}`,
        expected: `an array of length ${shape[depth]} (${argument} is read as shape [${shape.join(', ')}] from its first entries; ragged arrays are refused)`,
        given: Array.isArray(node) ? [node.length] : node,
      });
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(input, 0, '');
  return out;
}

function badClass(fn: string, argument: string, numClasses: number, given: number): never {
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: `an integer class id in [0, ${numClasses - 1}]`,
    given,
  });
}

/**
 * The most classes {@link confusionMatrix} and {@link meanIoU} accept (10,000; a
 * 10,000 x 10,000 matrix holds 10^8 counts, 800 MB).
 *
 * @since 0.1.1
 */
export const MAX_CLASSES = 10_000;

/** Checked class maps, flattened: `pred[i]`, `label[i]` in `[0, K)` where `label[i] !== ignore`. */
export interface ClassPairs {
  readonly pred: ArrayLike<number>;
  readonly label: ArrayLike<number>;
  readonly numClasses: number;
  readonly ignore: number | undefined;
}

/** Reads and checks the arguments of `confusionMatrix` and `meanIoU`. Internal. */
export function readClassPairs(
  pred: ClassMapInput,
  label: ClassMapInput,
  numClasses: number,
  opts: ConfusionOptions | undefined,
  fn: string,
): ClassPairs {
  const k = checkPositiveInteger(numClasses, 'numClasses', fn);
  if (k > MAX_CLASSES) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numClasses',
      expected: `an integer in [1, ${MAX_CLASSES}] (the limit on classes)`,
      given: k,
    });
  }
  const options = readOptions(opts, fn);
  const ignore =
    options.ignoreIndex === undefined
      ? undefined
      : checkInteger(options.ignoreIndex, 'opts.ignoreIndex', fn, Number.MIN_SAFE_INTEGER);
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
  for (let i = 0; i < p.length; i++) {
    const yi = y[i]!;
    if (yi === ignore) continue;
    const pi = p[i]!;
    if (!(Number.isInteger(yi) && yi >= 0 && yi < k)) badClass(fn, `label[${i}]`, k, yi);
    if (!(Number.isInteger(pi) && pi >= 0 && pi < k)) badClass(fn, `pred[${i}]`, k, pi);
  }
  return { pred: p, label: y, numClasses: k, ignore };
}

/**
 * Confusion matrix `[K, K]`: entry `[a][b]` counts positions with label `a` predicted as `b`.
 * Inputs of any shape (e.g. `[B, H, W]` segmentation maps) are flattened; nested arrays must
 * be rectangular (a ragged map is a `ShapeError`).
 *
 * @param pred predicted class ids, integers in `[0, K)`.
 * @param label true class ids of the same size, integers in `[0, K)` or `ignoreIndex`.
 * @param numClasses K, an integer in `[1, 10000]` ({@link MAX_CLASSES}).
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
  const pairs = readClassPairs(pred, label, numClasses, opts, 'confusionMatrix');
  const k = pairs.numClasses;
  const counts = new Float64Array(k * k);
  for (let i = 0; i < pairs.label.length; i++) {
    const yi = pairs.label[i]!;
    if (yi !== pairs.ignore) counts[yi * k + pairs.pred[i]!]! += 1;
  }
  // Row a of the [K, K] row-major counts is the slice [a K, (a + 1) K).
  return Array.from({ length: numClasses }, (_, a) =>
    Array.from(counts.subarray(a * numClasses, (a + 1) * numClasses)),
  );
}
