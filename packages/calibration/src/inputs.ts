import { type Tensor, tensor } from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkPositiveInteger,
  checkProbabilities,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';
import type { DenseMatrix } from '@uqjs/metrics';

/**
 * The inputs every calibrator accepts, the internal readers that turn them into flat float64
 * row-major arrays, and the writer that gives results back in the form they came in. Tensors
 * are read with `await tensor.data()` (never synchronously, so webgpu works too) and are never
 * disposed here.
 *
 * Legend: `N` examples, `K` classes (or `L` sigmoid outputs of a multi-label model).
 */

export type { DenseMatrix };

/**
 * An `[N, K]` matrix: nested arrays `number[][]`, a {@link DenseMatrix} (`@uqjs/metrics`'s
 * row-major `{ data, numClasses }`) or a rank-2 tensor.
 *
 * @since 0.1.0
 */
export type MatrixInput = readonly (readonly number[])[] | DenseMatrix | Tensor;

/**
 * An `[N]` vector: `number[]`, a typed array or a rank-1 tensor.
 *
 * @since 0.1.0
 */
export type VectorInput = ArrayLike<number> | Tensor;

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

const NUMERIC_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/** True for a tfjs tensor (duck-typed, so two copies of tfjs-core still work). */
export function isTensor(value: unknown): value is Tensor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { data?: unknown }).data === 'function' &&
    Array.isArray((value as { shape?: unknown }).shape)
  );
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function isNested(value: unknown): value is readonly (readonly number[])[] {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

function isDenseMatrix(value: unknown): value is DenseMatrix {
  return value !== null && typeof value === 'object' && 'data' in value && 'numClasses' in value;
}

function numbersOf(values: ArrayLike<unknown>, argument: string, fn: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Copying into a Float64Array would turn '0.5' into 0.5 and null into 0 silently.
    if (typeof v !== 'number') {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a number',
        given: v,
      });
    }
    out[i] = v;
  }
  return out;
}

function nonEmpty(rows: number, argument: string, fn: string, shape: readonly number[]): void {
  if (rows < 1) {
    throw new ShapeError({ fn, argument, expected: 'non-empty (at least one row)', given: shape });
  }
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
  let values: Values;
  if (isTensor(input)) {
    const rank = input.shape.length;
    const okRank = allow === 'vector' ? rank === 1 : allow === 'matrix' ? rank === 2 : rank <= 2;
    if (!okRank || rank < 1) throw new ShapeError({ fn, argument, expected, given: input.shape });
    if (!NUMERIC_DTYPES.includes(input.dtype)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.dtype`,
        expected: 'a numeric dtype (float32, int32 or bool)',
        given: input.dtype,
      });
    }
    const data = Float64Array.from((await input.data()) as ArrayLike<number>);
    const rows = input.shape[0]!;
    const cols = rank === 2 ? input.shape[1]! : null;
    values = { data, rows, cols, form: 'tensor', shape: input.shape };
  } else if (isNested(input) && allow !== 'vector') {
    const rows = input.length;
    const cols = input[0]!.length;
    const data = new Float64Array(rows * cols);
    input.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ShapeError({
          fn,
          argument: `${argument}[${i}]`,
          expected: `a row of length ${cols} (like ${argument}[0])`,
          given: Array.isArray(row) ? [row.length] : row,
        });
      }
      data.set(numbersOf(row, `${argument}[${i}]`, fn), i * cols);
    });
    values = { data, rows, cols, form: 'nested', shape: [rows, cols] };
  } else if (isDenseMatrix(input) && allow !== 'vector') {
    const cols = checkPositiveInteger(input.numClasses, `${argument}.numClasses`, fn);
    if (!isArrayLike(input.data) || input.data.length % cols !== 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.data`,
        expected: `an array or typed array whose length is a multiple of numClasses (${cols})`,
        given: input.data,
      });
    }
    const rows = input.data.length / cols;
    values = {
      data: numbersOf(input.data, `${argument}.data`, fn),
      rows,
      cols,
      form: 'dense',
      shape: [rows, cols],
    };
  } else if (isArrayLike(input) && !isNested(input) && allow !== 'matrix') {
    const rows = input.length;
    values = {
      data: numbersOf(input, argument, fn),
      rows,
      cols: null,
      form: 'vector',
      shape: [rows],
    };
  } else {
    throw new InvalidArgumentError({ fn, argument, expected, given: input });
  }
  nonEmpty(values.rows * (values.cols ?? 1), argument, fn, values.shape);
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
  tolerance = 1e-3,
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
    if (values.cols < 2) {
      throw new ShapeError({
        fn,
        argument,
        expected:
          'of shape [N, K] with K >= 2 (pass binary probabilities of class 1 as an [N] vector)',
        given: values.shape,
      });
    }
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
  if (values.rows !== scores.rows) {
    throw new ShapeError({
      fn,
      argument,
      expected: `of shape [${scores.rows}] (one label per row of the scores)`,
      given: values.shape,
    });
  }
  const numClasses = scores.cols ?? 2;
  values.data.forEach((y, i) => {
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: `an integer class label in [0, ${numClasses - 1}]`,
        given: y,
      });
    }
  });
  return Int32Array.from(values.data);
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

/**
 * Reads an options argument: `undefined` gives `{}`; anything but a plain object is an
 * `InvalidArgumentError` naming `opts`.
 */
export function readOptions<T extends object>(opts: T | undefined, fn: string): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts',
      expected: 'an options object (or undefined)',
      given: opts,
    });
  }
  return opts;
}

/** Most bins (a mistyped size is an error rather than an out-of-memory crash). */
export const MAX_BINS = 10_000;

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
  tolerance = 1e-3,
): Promise<Values> {
  if (kind === 'probs') return readProbs(input, argument, fn, tolerance);
  const values = await readValues(input, argument, fn);
  if (values.cols !== null && values.cols < 2) {
    throw new ShapeError({
      fn,
      argument,
      expected: 'of shape [N, K] with K >= 2 (pass binary scores as an [N] vector)',
      given: values.shape,
    });
  }
  return values;
}
