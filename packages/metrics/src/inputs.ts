import type { Tensor } from '@tensorflow/tfjs-core';
import {
  BackendError,
  checkInRange,
  checkLabels,
  checkPositive,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';

/**
 * The input types every metric accepts, and the internal readers that turn them into flat
 * row-major arrays. Tensors are read once with `dataSync()`; no tensor is created.
 *
 * Legend: `N` examples, `K` classes, `M` members.
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
 * An `[N, K]` matrix (probabilities or logits): nested arrays `number[][]`, a {@link DenseMatrix},
 * or a rank-2 `tf.Tensor` (read once with `dataSync()`, never disposed here).
 *
 * @since 0.1.0
 */
export type MatrixInput = readonly (readonly number[])[] | DenseMatrix | Tensor;

/**
 * Predicted probabilities: an `[N, K]` {@link MatrixInput} whose rows sum to 1, or, for binary
 * problems, an `[N]` vector of probabilities of class 1 (`number[]`, a typed array or a
 * rank-1 tensor), read as the `[N, 2]` matrix of rows `[1 - p, p]`.
 *
 * @since 0.1.0
 */
export type ProbsInput = MatrixInput | ArrayLike<number>;

/**
 * Integer class labels `[N]` in `[0, K)`: `number[]`, `Int32Array` (or any array of numbers),
 * or a rank-1 tensor.
 *
 * @since 0.1.0
 */
export type LabelsInput = ArrayLike<number> | Tensor;

/**
 * A vector of numbers `[N]`: `number[]`, a typed array, or a rank-1 tensor.
 *
 * @since 0.1.0
 */
export type VectorInput = ArrayLike<number> | Tensor;

/**
 * Options shared by every function that reads probabilities.
 *
 * @since 0.1.0
 */
export interface ProbsOptions {
  /**
   * How far a row of probabilities may sum from 1 (default `1e-3`: loose enough for float32
   * softmax outputs, tight enough to catch logits passed as probabilities).
   */
  readonly tolerance?: number;
}

/** The default for {@link ProbsOptions.tolerance}. */
export const DEFAULT_TOLERANCE = 1e-3;

/** A row-major matrix read from any {@link MatrixInput}. Internal. */
export interface Matrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** True for a tfjs tensor (duck-typed, so two copies of tfjs-core still work). */
export function isTensor(value: unknown): value is Tensor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { dataSync?: unknown }).dataSync === 'function' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}

const NUMERIC_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/**
 * The values of a tensor, read synchronously (the metrics are synchronous functions). The
 * webgpu backend cannot read a tensor on the GPU without awaiting: there the error says to pass
 * `await tensor.data()` instead.
 */
export function readTensorValues(input: Tensor, argument: string, fn: string): ArrayLike<number> {
  // A string tensor's values are strings, which would pass numeric comparisons by coercion.
  if (!NUMERIC_DTYPES.includes(input.dtype)) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.dtype`,
      expected: 'a numeric dtype (float32, int32 or bool)',
      given: input.dtype,
    });
  }
  try {
    // sync read: the metrics' one synchronous read of a tensor input (refused by webgpu)
    return input.dataSync() as ArrayLike<number>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackendError(
      `${fn}: ${argument} is a tensor that cannot be read synchronously on this backend (${reason}); ` +
        `pass its values instead (\`await ${argument}.data()\`, with numClasses for a matrix: { data, numClasses })`,
    );
  }
}

function isDenseMatrix(value: unknown): value is DenseMatrix {
  return value !== null && typeof value === 'object' && 'data' in value && 'numClasses' in value;
}

function isNested(value: unknown): value is readonly (readonly number[])[] {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

/** Arrays and typed arrays (not any object with a `length`: `{ length: 1e9 }` is no vector). */
function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function atLeastOneRow(rows: number, argument: string, fn: string, shape: readonly number[]): void {
  if (rows < 1) {
    throw new ShapeError({ fn, argument, expected: 'non-empty (at least one row)', given: shape });
  }
}

/**
 * Reads an `[N, K]` matrix. Nested arrays are copied into a `Float64Array`; dense matrices
 * and tensors are used as they are (no copy beyond `dataSync()`).
 */
export function readMatrix(input: unknown, argument: string, fn: string): Matrix {
  if (isTensor(input)) {
    checkRank(input, 2, argument, fn);
    const [rows, cols] = input.shape as [number, number];
    atLeastOneRow(rows * cols, argument, fn, input.shape);
    return { data: readTensorValues(input, argument, fn), rows, cols };
  }
  if (isDenseMatrix(input)) {
    const cols = checkPositiveInteger(input.numClasses, `${argument}.numClasses`, fn);
    if (!isArrayLike(input.data)) {
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
  if (isNested(input)) {
    const rows = input.length;
    const cols = input[0]!.length;
    atLeastOneRow(cols, argument, fn, [rows, cols]);
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
        // Copying into a Float64Array would turn '0.5' into 0.5 and null into 0 silently.
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

/** Reads an `[N]` vector: a rank-1 tensor, or any array of numbers, used without copying. */
export function readVector(input: unknown, argument: string, fn: string): ArrayLike<number> {
  if (isTensor(input)) {
    checkRank(input, 1, argument, fn);
    return readTensorValues(input, argument, fn);
  }
  if (isArrayLike(input) && !isNested(input)) return input;
  throw new InvalidArgumentError({
    fn,
    argument,
    expected: 'an [N] vector (number[], a typed array or a rank-1 tensor)',
    given: input,
  });
}

/** Checks `opts.tolerance` (default {@link DEFAULT_TOLERANCE}). */
export function readTolerance(tolerance: unknown, fn: string): number {
  return tolerance === undefined
    ? DEFAULT_TOLERANCE
    : checkPositive(tolerance, 'opts.tolerance', fn);
}

/** Expands binary probabilities of class 1, `[N]`, into rows `[1 - p, p]` (`[N, 2]`). */
function expandBinary(p: ArrayLike<number>, argument: string, fn: string): Matrix {
  const n = p.length;
  atLeastOneRow(n, argument, fn, [n]);
  const data = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const q = p[i]!;
    if (typeof q !== 'number' || !(q >= 0 && q <= 1))
      checkInRange(q, `${argument}[${i}]`, fn, 0, 1);
    data[2 * i] = 1 - q;
    data[2 * i + 1] = q;
  }
  return { data, rows: n, cols: 2 };
}

/**
 * Reads and checks probabilities: `[N, K]` with `K >= 2`, entries in `[0, 1]` and rows summing
 * to 1 within `tolerance`; or binary `[N]` probabilities of class 1, expanded to `[N, 2]`.
 */
export function readProbs(input: unknown, argument: string, fn: string, tolerance: number): Matrix {
  const binary = isTensor(input)
    ? input.shape.length === 1
    : !isNested(input) && isArrayLike(input);
  if (binary) return expandBinary(readVector(input, argument, fn), argument, fn);
  const m = readMatrix(input, argument, fn);
  if (m.cols < 2) {
    throw new ShapeError({
      fn,
      argument,
      expected:
        'of shape [N, K] with K >= 2 (pass binary probabilities of class 1 as an [N] vector)',
      given: [m.rows, m.cols],
    });
  }
  checkProbabilities(m.data, m.cols, argument, fn, tolerance);
  return m;
}

/**
 * Reads and checks integer labels: one per row (`rows` of them), each in `[0, numClasses)`.
 */
export function readLabels(
  input: unknown,
  rows: number,
  numClasses: number,
  argument: string,
  fn: string,
): ArrayLike<number> {
  const labels = readVector(input, argument, fn);
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
