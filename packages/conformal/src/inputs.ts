import type { Tensor } from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkLabels,
  checkPositive,
  checkPositiveInteger,
  checkProbabilities,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';

/**
 * The inputs every conformal function accepts, and the internal readers that turn them into
 * flat row-major arrays. Tensors are read with `await tensor.data()` (never synchronously, so
 * every backend works, webgpu included) and are never disposed or created here.
 *
 * Legend: `N` examples, `K` classes.
 */

/**
 * A dense row-major `[N, K]` matrix: `data[i * numClasses + k]` is row `i`, class `k`.
 *
 * @since 0.1.0
 */
export interface DenseMatrix {
  readonly data: ArrayLike<number>;
  readonly numClasses: number;
}

/**
 * Probabilities `[N, K]`: nested arrays `number[][]`, a {@link DenseMatrix} or a rank-2 tensor.
 *
 * @since 0.1.0
 */
export type MatrixInput = readonly (readonly number[])[] | DenseMatrix | Tensor;

/**
 * A vector `[N]` (labels, targets, predictions): `number[]`, a typed array or a rank-1 tensor.
 *
 * @since 0.1.0
 */
export type VectorInput = ArrayLike<number> | Tensor;

/** A row-major matrix read from a {@link MatrixInput}. Internal. */
export interface Matrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

const NUMERIC_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/** True for a tfjs tensor (duck-typed, so two copies of tfjs-core still work). */
function isTensor(value: unknown): value is Tensor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { data?: unknown }).data === 'function' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}

/** Arrays and typed arrays (not any object with a `length`). */
function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function isNested(value: unknown): value is readonly (readonly number[])[] {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

async function tensorValues(
  input: Tensor,
  rank: number,
  argument: string,
  fn: string,
): Promise<ArrayLike<number>> {
  if (input.shape.length !== rank) {
    throw new ShapeError({ fn, argument, expected: `of rank ${rank}`, given: input.shape });
  }
  if (!NUMERIC_DTYPES.includes(input.dtype)) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.dtype`,
      expected: 'a numeric dtype (float32, int32 or bool)',
      given: input.dtype,
    });
  }
  return (await input.data()) as ArrayLike<number>;
}

function nonEmpty(length: number, argument: string, fn: string, shape: readonly number[]): void {
  if (length < 1) throw new ShapeError({ fn, argument, expected: 'non-empty', given: shape });
}

/** Reads an `[N]` vector of finite numbers. */
export async function readVector(
  input: unknown,
  argument: string,
  fn: string,
): Promise<ArrayLike<number>> {
  let values: ArrayLike<number>;
  if (isTensor(input)) values = await tensorValues(input, 1, argument, fn);
  else if (isArrayLike(input) && !isNested(input)) values = input;
  else {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'an [N] vector (number[], a typed array or a rank-1 tensor)',
      given: input,
    });
  }
  nonEmpty(values.length, argument, fn, [values.length]);
  for (let i = 0; i < values.length; i++) {
    // checkAllFinite compares numerically; a string '1' must not pass.
    if (typeof values[i] !== 'number') {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a number',
        given: values[i],
      });
    }
  }
  return checkAllFinite(values, argument, fn);
}

/** Reads an `[N, K]` matrix (entries are checked by the caller). */
async function readMatrix(input: unknown, argument: string, fn: string): Promise<Matrix> {
  if (isTensor(input)) {
    const data = await tensorValues(input, 2, argument, fn);
    const [rows, cols] = input.shape as [number, number];
    nonEmpty(rows * cols, argument, fn, input.shape);
    return { data, rows, cols };
  }
  if (input !== null && typeof input === 'object' && 'data' in input && 'numClasses' in input) {
    const { data, numClasses } = input as DenseMatrix;
    const cols = checkPositiveInteger(numClasses, `${argument}.numClasses`, fn);
    if (!isArrayLike(data)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.data`,
        expected: 'an array or typed array of numbers',
        given: data,
      });
    }
    if (data.length === 0 || data.length % cols !== 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.data.length`,
        expected: `a positive multiple of numClasses (${cols})`,
        given: data.length,
      });
    }
    return { data, rows: data.length / cols, cols };
  }
  if (isNested(input)) {
    const rows = input.length;
    const cols = input[0]!.length;
    nonEmpty(cols, argument, fn, [rows, cols]);
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = input[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ShapeError({
          fn,
          argument: `${argument}[${i}]`,
          expected: `a row of length ${cols} (like ${argument}[0])`,
          given: Array.isArray(row) ? [row.length] : row,
        });
      }
      for (let k = 0; k < cols; k++) {
        const v: unknown = row[k];
        if (typeof v !== 'number') {
          throw new InvalidArgumentError({
            fn,
            argument: `${argument}[${i}][${k}]`,
            expected: 'a number',
            given: v,
          });
        }
        data[i * cols + k] = v;
      }
    }
    return { data, rows, cols };
  }
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'an [N, K] matrix (number[][], { data, numClasses } or a rank-2 tensor)',
    given: input,
  });
}

/**
 * Reads probabilities `[N, K]`, `K >= 2`: entries in `[0, 1]` (NaN refused), rows summing to 1
 * within `tolerance`.
 */
export async function readProbs(
  input: unknown,
  argument: string,
  fn: string,
  tolerance: number,
): Promise<Matrix> {
  const m = await readMatrix(input, argument, fn);
  if (m.cols < 2) {
    throw new ShapeError({
      fn,
      argument,
      expected: 'of shape [N, K] with K >= 2',
      given: [m.rows, m.cols],
    });
  }
  checkProbabilities(m.data, m.cols, argument, fn, tolerance);
  return m;
}

/** Reads integer labels `[rows]` in `[0, numClasses)`. */
export async function readLabels(
  input: unknown,
  rows: number,
  numClasses: number,
  argument: string,
  fn: string,
): Promise<ArrayLike<number>> {
  const labels = await readVector(input, argument, fn);
  checkLength(labels, rows, argument, fn, 'one per row of probs');
  return checkLabels(labels, numClasses, argument, fn);
}

/** Checks that a vector has `length` entries; `why` says what the length must match. */
export function checkLength(
  values: ArrayLike<number>,
  length: number,
  argument: string,
  fn: string,
  why: string,
): void {
  if (values.length !== length) {
    throw new ShapeError({
      fn,
      argument,
      expected: `of shape [${length}] (${why})`,
      given: [values.length],
    });
  }
}

/** Checks an options argument: `undefined` or a plain object. */
export function readOptions<T extends object>(
  opts: unknown,
  argument: string,
  fn: string,
): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError({ fn, argument, expected: 'an options object', given: opts });
  }
  return opts as Partial<T>;
}

/** The default row-sum tolerance of probabilities (float32 softmax outputs pass). */
export const DEFAULT_TOLERANCE = 1e-3;

/** Checks `opts.tolerance` (default {@link DEFAULT_TOLERANCE}). */
export function readTolerance(tolerance: unknown, fn: string): number {
  return tolerance === undefined
    ? DEFAULT_TOLERANCE
    : checkPositive(tolerance, 'opts.tolerance', fn);
}
