import type { Tensor } from '@tensorflow/tfjs-core';
import { checkLabels, checkPositive, checkPositiveInteger, checkRank } from './checks.js';
import { InvalidArgumentError, ShapeError } from './errors.js';

/**
 * Readers of the array inputs uqjs functions take: `[N, K]` matrices (probabilities, scores,
 * logits) and `[N]` vectors (labels, targets, scores) given as nested arrays, dense row-major
 * `{ data, numClasses }`, arrays, typed arrays or tensors. Each names the argument and the
 * public function in its errors, like the checks in `checks.ts`, and reads a tensor with
 * `await tensor.data()` (every backend, webgpu included); a synchronous caller (the metrics)
 * pairs the array readers with its own tensor read. No tensor is created or disposed here.
 *
 * Legend: `N` rows (examples), `K` columns (classes).
 */

/**
 * A dense row-major `[N, K]` matrix: `data[i * numClasses + k]` is row `i`, class `k`;
 * `N = data.length / numClasses`. The way to pass a flat `Float32Array` or `Float64Array`.
 *
 * @example
 * ```ts
 * const probs: DenseMatrix = { data: new Float32Array([0.9, 0.1, 0.2, 0.8]), numClasses: 2 };
 * ```
 * @since 0.1.0
 */
export interface DenseMatrix {
  readonly data: ArrayLike<number>;
  readonly numClasses: number;
}

/**
 * An `[N, K]` matrix: nested arrays `number[][]`, a {@link DenseMatrix}, or a rank-2
 * `tf.Tensor` (read, never disposed).
 *
 * @since 0.1.0
 */
export type MatrixInput = readonly (readonly number[])[] | DenseMatrix | Tensor;

/**
 * A vector of numbers `[N]`: `number[]`, a typed array, or a rank-1 tensor.
 *
 * @since 0.1.0
 */
export type VectorInput = ArrayLike<number> | Tensor;

/**
 * A row-major `[rows, cols]` matrix as a reader returns it: `data[i * cols + k]`.
 *
 * @since 0.1.0
 */
export interface Matrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/**
 * The default for how far a row of probabilities may sum from 1: loose enough for float32
 * softmax outputs, tight enough to catch logits passed as probabilities.
 *
 * @since 0.1.0
 */
export const DEFAULT_TOLERANCE = 1e-3;

/**
 * True for a tfjs tensor (duck-typed on `data()` and `shape`, so two copies of tfjs-core still
 * work and a {@link DenseMatrix}, whose `data` is no function, is not one).
 *
 * @since 0.1.0
 */
export function isTensor(value: unknown): value is Tensor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { data?: unknown }).data === 'function' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}

/**
 * True for an array or a typed array (not for any object with a `length`: `{ length: 1e9 }` is
 * no vector, nor is a `DataView`).
 *
 * @since 0.1.0
 */
export function isArrayOrTypedArray(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/**
 * True for nested arrays `number[][]` (a non-empty array whose first entry is an array).
 *
 * @since 0.1.0
 */
export function isNestedArray(value: unknown): value is readonly (readonly number[])[] {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

/**
 * True for a {@link DenseMatrix}-shaped object (`data` and `numClasses`, checked by the reader).
 *
 * @since 0.1.0
 */
export function isDenseMatrix(value: unknown): value is DenseMatrix {
  return value !== null && typeof value === 'object' && 'data' in value && 'numClasses' in value;
}

/**
 * Throws a `ShapeError` naming `argument` unless `size` (its number of entries) is at least 1.
 *
 * @since 0.1.0
 */
export function checkNonEmpty(
  size: number,
  argument: string,
  fn: string,
  shape: readonly number[],
): void {
  if (!(size >= 1)) {
    throw new ShapeError({ fn, argument, expected: 'non-empty (at least one row)', given: shape });
  }
}

/**
 * Checks a tensor given for an `[N, K]` matrix: rank 2, a numeric dtype, at least one entry.
 * Returns `[N, K]`; the values are the caller's to read (sync or async).
 *
 * @since 0.1.0
 */
export function checkMatrixTensor(
  input: Tensor,
  argument: string,
  fn: string,
): readonly [rows: number, cols: number] {
  checkRank(input, 2, argument, fn);
  const [rows, cols] = input.shape as [number, number];
  checkNonEmpty(rows * cols, argument, fn, input.shape);
  return [rows, cols];
}

/**
 * Reads an `[N, K]` matrix given as nested arrays (copied into a `Float64Array`, every entry
 * checked to be a number) or as a {@link DenseMatrix} (used as it is); anything else, a tensor
 * included, is an `InvalidArgumentError` naming `argument`. Entries are the caller's to check.
 *
 * @since 0.1.0
 */
export function readArrayMatrix(input: unknown, argument: string, fn: string): Matrix {
  if (isDenseMatrix(input)) {
    const cols = checkPositiveInteger(input.numClasses, `${argument}.numClasses`, fn);
    if (!isArrayOrTypedArray(input.data)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.data`,
        expected: 'an array or typed array of numbers',
        given: input.data,
      });
    }
    const length = input.data.length;
    if (length === 0 || length % cols !== 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.data.length`,
        expected: `a positive multiple of numClasses (${cols})`,
        given: length,
      });
    }
    return { data: input.data, rows: length / cols, cols };
  }
  if (isNestedArray(input)) {
    const rows = input.length;
    const cols = input[0]!.length;
    checkNonEmpty(cols, argument, fn, [rows, cols]);
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
      data.set(checkNumbers(row, `${argument}[${i}]`, fn), i * cols);
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
 * Reads an `[N]` vector given as an array or typed array (used as it is, not copied); nested
 * arrays and anything else, a tensor included, are an `InvalidArgumentError` naming `argument`.
 *
 * @since 0.1.0
 */
export function readArrayVector(input: unknown, argument: string, fn: string): ArrayLike<number> {
  if (isArrayOrTypedArray(input) && !isNestedArray(input)) return input;
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'an [N] vector (number[], a typed array or a rank-1 tensor)',
    given: input,
  });
}

/**
 * Reads any {@link MatrixInput} as a row-major `[N, K]` matrix: a tensor (checked by
 * {@link checkMatrixTensor}) with `await tensor.data()`, arrays by {@link readArrayMatrix}.
 *
 * @example
 * ```ts
 * const { data, rows, cols } = await readMatrix(probs, 'probs', 'myMetric');
 * ```
 * @since 0.1.0
 */
export async function readMatrix(input: unknown, argument: string, fn: string): Promise<Matrix> {
  if (!isTensor(input)) return readArrayMatrix(input, argument, fn);
  const [rows, cols] = checkMatrixTensor(input, argument, fn);
  return { data: (await input.data()) as ArrayLike<number>, rows, cols };
}

/**
 * Reads any {@link VectorInput} `[N]`: a rank-1 tensor (numeric dtype) with
 * `await tensor.data()`, arrays by {@link readArrayVector}. Entries are the caller's to check.
 *
 * @since 0.1.0
 */
export async function readVector(
  input: unknown,
  argument: string,
  fn: string,
): Promise<ArrayLike<number>> {
  if (!isTensor(input)) return readArrayVector(input, argument, fn);
  checkRank(input, 1, argument, fn);
  return (await input.data()) as ArrayLike<number>;
}

/** Throws unless `values` is an array or a typed array (so reading `length` and entries is safe). */
function checkArray(values: unknown, argument: string, fn: string): void {
  if (!isArrayOrTypedArray(values)) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'an array or typed array',
      given: values,
    });
  }
}

/**
 * Checks that every entry is a number (a string `'0.5'` or `null` would pass numeric
 * comparisons by coercion, and be copied into a typed array as 0.5 or 0); names the first
 * offending index as `argument[i]`.
 *
 * @since 0.1.0
 */
export function checkNumbers(
  values: ArrayLike<unknown>,
  argument: string,
  fn: string,
): ArrayLike<number> {
  checkArray(values, argument, fn);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a number',
        given: v,
      });
    }
  }
  return values as ArrayLike<number>;
}

/**
 * Checks that a vector has `length` entries; `why` says what the length must match
 * (`'one per row of probs'`), and the `ShapeError` reads `of shape [length] (why)`.
 *
 * @since 0.1.0
 */
export function checkLength(
  values: ArrayLike<unknown>,
  length: number,
  argument: string,
  fn: string,
  why: string,
): void {
  checkArray(values, argument, fn);
  if (values.length !== length) {
    throw new ShapeError({
      fn,
      argument,
      expected: `of shape [${String(length)}] (${why})`,
      given: [values.length],
    });
  }
}

/**
 * Checks class labels given one per row of an `[N, K]` matrix: `rows` of them ({@link checkLength},
 * `why` defaulting to `'one per row of probs'`), each an integer in `[0, numClasses)`.
 *
 * @since 0.1.0
 */
export function checkRowLabels<T extends ArrayLike<number>>(
  labels: T,
  rows: number,
  numClasses: number,
  argument: string,
  fn: string,
  why = 'one per row of probs',
): T {
  checkLength(labels, rows, argument, fn, why);
  return checkLabels(labels, numClasses, argument, fn);
}

/**
 * Checks that a matrix of `shape` `[N, K]` has `K >= 2` classes; `hint` (optional) says what
 * to pass instead, in parentheses after the expectation.
 *
 * @since 0.1.0
 */
export function checkTwoOrMoreColumns(
  shape: readonly number[],
  argument: string,
  fn: string,
  hint?: string,
): void {
  if (!Array.isArray(shape)) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.shape`,
      expected: 'an array',
      given: shape,
    });
  }
  if (shape.length === 2 && !(shape[1]! >= 2)) {
    throw new ShapeError({
      fn,
      argument,
      expected: `of shape [N, K] with K >= 2${hint === undefined ? '' : ` (${hint})`}`,
      given: shape,
    });
  }
}

/**
 * Checks an options argument: `undefined` gives `{}`; anything but a plain object (`null`, a
 * number, a string, a function, an array, a tensor) is an `InvalidArgumentError` naming
 * `argument` and `fn`, whose message reads `must be <expected>`. The one options-object check of
 * uqjs: the packages' own option readers delegate to it.
 *
 * @param value The options argument as given.
 * @param argument Its name in the error (`'opts'`, `'options'`).
 * @param fn The public function named in the error.
 * @param expected What the error says the argument must be (default
 *   `'an options object (or undefined)'`); a package keeps its wording through it.
 * @throws InvalidArgumentError when `value` is neither `undefined` nor a plain object.
 * @example
 * ```ts
 * checkOptionsObject({ alpha: 0.1 }, 'opts', 'calibrate'); // { alpha: 0.1 }
 * checkOptionsObject(undefined, 'opts', 'calibrate'); // {}
 * checkOptionsObject(null, 'opts', 'calibrate');
 * // throws: calibrate: opts must be an options object (or undefined), got null
 * ```
 * @since 0.1.0
 */
export function checkOptionsObject<T extends object>(
  value: T | undefined,
  argument: string,
  fn: string,
  expected = 'an options object (or undefined)',
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isTensor(value)) {
    throw new InvalidArgumentError({ fn, argument, expected, given: value });
  }
  return value;
}

/**
 * Reads an options argument named `opts`: {@link checkOptionsObject} with `argument` fixed to
 * `'opts'` (kept as the metrics' and calibration's reader; same checks, same message).
 *
 * @since 0.1.0
 */
export function readOptions<T extends object>(opts: T | undefined, fn: string): T {
  return checkOptionsObject(opts, 'opts', fn);
}

/**
 * Checks `opts.tolerance`, the row-sum tolerance of probabilities (default
 * {@link DEFAULT_TOLERANCE}): a finite number > 0.
 *
 * @since 0.1.0
 */
export function readTolerance(tolerance: unknown, fn: string): number {
  return tolerance === undefined
    ? DEFAULT_TOLERANCE
    : checkPositive(tolerance, 'opts.tolerance', fn);
}
