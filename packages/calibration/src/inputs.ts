import { type Tensor, tensor } from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkNonEmpty,
  checkNumbers,
  checkProbabilities,
  checkRowLabels,
  checkTwoOrMoreColumns,
  DEFAULT_TOLERANCE,
  type DenseMatrix,
  InvalidArgumentError,
  isArrayOrTypedArray,
  isDenseMatrix,
  isNestedArray,
  isTensor,
  type MatrixInput,
  readMatrix,
  readVector,
  ShapeError,
} from '@uqjs/core';
import { MAX_BINS } from '@uqjs/metrics';

/**
 * The inputs every calibrator accepts, the internal readers that turn them into flat float64
 * row-major arrays (on `@uqjs/core`'s readers, which read tensors with `await tensor.data()`,
 * never synchronously, so webgpu works too, and never dispose them), and the writer that gives
 * results back in the form they came in.
 *
 * Legend: `N` examples, `K` classes (or `L` sigmoid outputs of a multi-label model).
 */

export type { DenseMatrix, MatrixInput, VectorInput } from '@uqjs/core';
export { readOptions } from '@uqjs/core';
export { MAX_BINS };

/**
 * Probabilities or scores: an `[N]` vector (binary: the probability or score of class 1) or
 * an `[N, K]` matrix (one column per class, calibrated one-vs-rest).
 *
 * @since 0.1.0
 */
export type ScoresInput = MatrixInput | ArrayLike<number>;

/**
 * What a calibrator returns for an input of type `T`: a new float32 tensor of the same shape
 * for a tensor (the caller disposes it), `number[][]` for nested arrays, a {@link DenseMatrix}
 * over a `Float64Array` for a dense matrix, and a `Float64Array` for a vector.
 *
 * @since 0.1.0
 */
export type SameForm<T> = T extends Tensor
  ? Tensor
  : T extends readonly (readonly number[])[]
    ? number[][]
    : T extends DenseMatrix
      ? DenseMatrix
      : Float64Array;

/** Which of the accepted forms an input came in. Internal. */
export type Form = 'tensor' | 'nested' | 'dense' | 'vector';

/** An input read into float64: `cols` is `null` for an `[N]` vector. Internal. */
export interface Values {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number | null;
  readonly form: Form;
  /** The tensor's shape (for writing a result of the same shape). */
  readonly shape: readonly number[];
}

/**
 * Reads an `[N]` vector or an `[N, K]` matrix of finite numbers into float64. `allow` limits
 * the accepted ranks (`'vector'`, `'matrix'` or `'either'`).
 */
export async function readValues(
  input: unknown,
  argument: string,
  fn: string,
  allow: 'vector' | 'matrix' | 'either' = 'either',
): Promise<Values> {
  const expected = {
    vector: 'an [N] vector (number[], a typed array or a rank-1 tensor)',
    matrix: 'an [N, K] matrix (number[][], { data, numClasses } or a rank-2 tensor)',
    either:
      'an [N] vector or an [N, K] matrix (number[], a typed array, number[][], { data, numClasses } or a tensor of rank 1 or 2)',
  }[allow];
  const rank = isTensor(input) ? input.shape.length : null;
  if (
    rank !== null &&
    !(allow === 'vector' ? rank === 1 : allow === 'matrix' ? rank === 2 : rank === 1 || rank === 2)
  ) {
    throw new ShapeError({ fn, argument, expected, given: (input as Tensor).shape });
  }
  const matrix =
    allow === 'matrix' ||
    (allow === 'either' &&
      (rank === null ? isNestedArray(input) || isDenseMatrix(input) : rank === 2));
  let values: Values;
  if (matrix) {
    const form: Form = rank !== null ? 'tensor' : isDenseMatrix(input) ? 'dense' : 'nested';
    const { data, rows, cols } = await readMatrix(input, argument, fn);
    // Nested rows were checked entry by entry by the reader; a dense matrix's data is the caller's.
    const numbers = form === 'dense' ? checkNumbers(data, `${argument}.data`, fn) : data;
    const shape = rank !== null ? (input as Tensor).shape : [rows, cols];
    values = { data: Float64Array.from(numbers), rows, cols, form, shape };
  } else if (allow === 'vector' || rank !== null || isArrayOrTypedArray(input)) {
    const data = await readVector(input, argument, fn);
    const numbers = rank !== null ? data : checkNumbers(data, argument, fn);
    values = {
      data: Float64Array.from(numbers),
      rows: data.length,
      cols: null,
      form: rank !== null ? 'tensor' : 'vector',
      shape: [data.length],
    };
  } else {
    throw new InvalidArgumentError({ fn, argument, expected, given: input });
  }
  checkNonEmpty(values.rows * (values.cols ?? 1), argument, fn, values.shape);
  checkAllFinite(values.data, argument, fn);
  return values;
}

/**
 * Reads probabilities: an `[N]` vector of probabilities of class 1 in `[0, 1]`, or an
 * `[N, K]` matrix (`K >= 2`) whose rows sum to 1 within `tolerance`.
 */
export async function readProbs(
  input: unknown,
  argument: string,
  fn: string,
  tolerance = DEFAULT_TOLERANCE,
): Promise<Values> {
  const values = await readValues(input, argument, fn);
  if (values.cols === null) {
    values.data.forEach((p, i) => {
      if (!(p >= 0 && p <= 1)) {
        throw new InvalidArgumentError({
          fn,
          argument: `${argument}[${i}]`,
          expected: 'a probability in [0, 1]',
          given: p,
        });
      }
    });
  } else {
    checkTwoOrMoreColumns(
      values.shape,
      argument,
      fn,
      'pass binary probabilities of class 1 as an [N] vector',
    );
    checkProbabilities(values.data, values.cols, argument, fn, tolerance);
  }
  return values;
}

/**
 * Reads class labels `[N]`, one per row of the scores: integers in `[0, K)` (`{0, 1}` for an
 * `[N]` vector of binary scores).
 */
export async function readLabels(
  input: unknown,
  scores: Values,
  argument: string,
  fn: string,
): Promise<Int32Array> {
  const values = await readValues(input, argument, fn, 'vector');
  const why = 'one label per row of the scores';
  return Int32Array.from(
    checkRowLabels(values.data, scores.rows, scores.cols ?? 2, argument, fn, why),
  );
}

/** The column `k` of a row-major `[rows, cols]` matrix (`cols = null`: the vector itself). */
export function column(values: Values, k: number): Float64Array {
  if (values.cols === null) return values.data;
  const { data, rows, cols } = values;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = data[i * cols + k]!;
  return out;
}

/** The 0/1 targets of class `k` (`1` where the label is `k`; binary vectors: the label itself). */
export function oneVsRestTargets(labels: Int32Array, k: number): Float64Array {
  return Float64Array.from(labels, (y) => (y === k ? 1 : 0));
}

/** Writes row-major results in the form of the input they were computed from. */
export function writeLike(data: Float64Array, like: Values): unknown {
  switch (like.form) {
    case 'tensor':
      return tensor(Float32Array.from(data), [...like.shape]);
    case 'nested': {
      const cols = like.cols!;
      return Array.from({ length: like.rows }, (_, i) =>
        Array.from(data.subarray(i * cols, (i + 1) * cols)),
      );
    }
    case 'dense':
      return { data, numClasses: like.cols! };
    case 'vector':
      return data;
  }
}

/** Throws unless `got` has the columns a calibrator was fitted on. */
export function checkColumns(
  got: Values,
  fitted: number | null,
  argument: string,
  fn: string,
): void {
  if (got.cols !== fitted) {
    throw new ShapeError({
      fn,
      argument,
      expected:
        fitted === null
          ? 'an [N] vector (the binary form it was fitted on)'
          : `of shape [N, ${fitted}] (the classes it was fitted on)`,
      given: got.shape,
    });
  }
}

/** Checks a number of bins: an integer in `[1, MAX_BINS]`. */
export function readBins(value: unknown, argument: string, fn: string): number {
  if (!(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_BINS)) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: `an integer in [1, ${MAX_BINS}]`,
      given: value,
    });
  }
  return value as number;
}

/**
 * Reads probabilities (see {@link readProbs}) or, for `input: 'logits'`, finite scores `[N]`
 * or `[N, K]` with `K >= 2`.
 */
export async function readScores(
  input: unknown,
  kind: 'probs' | 'logits',
  argument: string,
  fn: string,
  tolerance = DEFAULT_TOLERANCE,
): Promise<Values> {
  if (kind === 'probs') return readProbs(input, argument, fn, tolerance);
  const values = await readValues(input, argument, fn);
  checkTwoOrMoreColumns(values.shape, argument, fn, 'pass binary scores as an [N] vector');
  return values;
}
