import type { Tensor } from '@tensorflow/tfjs-core';
import {
  BackendError,
  checkInRange,
  checkMatrixTensor,
  checkNonEmpty,
  checkProbabilities,
  checkRank,
  checkRowLabels,
  checkTwoOrMoreColumns,
  InvalidArgumentError,
  isArrayOrTypedArray,
  isNestedArray,
  isTensor,
  type Matrix,
  type MatrixInput,
  readArrayMatrix,
  readArrayVector,
} from '@uqjs/core';

/**
 * The input types every metric accepts, and the internal readers that turn them into flat
 * row-major arrays. The forms and their checks are `@uqjs/core`'s readers; what is the metrics'
 * own is the synchronous tensor read (`dataSync()`, the metrics being synchronous functions)
 * and the binary `[N]` form of probabilities. No tensor is created.
 *
 * Legend: `N` examples, `K` classes, `M` members.
 */

export type { DenseMatrix, Matrix, MatrixInput, VectorInput } from '@uqjs/core';
export { checkLength, isTensor, readTolerance } from '@uqjs/core';

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

/**
 * Reads an `[N, K]` matrix. Nested arrays are copied into a `Float64Array`; dense matrices
 * and tensors are used as they are (no copy beyond `dataSync()`).
 */
export function readMatrix(input: unknown, argument: string, fn: string): Matrix {
  if (!isTensor(input)) return readArrayMatrix(input, argument, fn);
  const [rows, cols] = checkMatrixTensor(input, argument, fn);
  return { data: readTensorValues(input, argument, fn), rows, cols };
}

/** Reads an `[N]` vector: a rank-1 tensor, or any array of numbers, used without copying. */
export function readVector(input: unknown, argument: string, fn: string): ArrayLike<number> {
  if (!isTensor(input)) return readArrayVector(input, argument, fn);
  checkRank(input, 1, argument, fn);
  return readTensorValues(input, argument, fn);
}

/** Expands binary probabilities of class 1, `[N]`, into rows `[1 - p, p]` (`[N, 2]`). */
function expandBinary(p: ArrayLike<number>, argument: string, fn: string): Matrix {
  const n = p.length;
  checkNonEmpty(n, argument, fn, [n]);
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
    : !isNestedArray(input) && isArrayOrTypedArray(input);
  if (binary) return expandBinary(readVector(input, argument, fn), argument, fn);
  const m = readMatrix(input, argument, fn);
  checkTwoOrMoreColumns(
    [m.rows, m.cols],
    argument,
    fn,
    'pass binary probabilities of class 1 as an [N] vector',
  );
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
  return checkRowLabels(readVector(input, argument, fn), rows, numClasses, argument, fn);
}

/**
 * Reads OOD flags `[N]` (booleans, or 0 = in-distribution / 1 = OOD) as a `Uint8Array` of 0 / 1,
 * naming the first bad entry as `argument[i]`. `values` are already read (an array, typed array
 * or tensor values).
 */
export function readFlags(values: ArrayLike<unknown>, argument: string, fn: string): Uint8Array {
  const flags = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === true || v === 1) flags[i] = 1;
    else if (v !== false && v !== 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a boolean, or 0 (in-distribution) / 1 (OOD)',
        given: v,
      });
    }
  }
  return flags;
}
