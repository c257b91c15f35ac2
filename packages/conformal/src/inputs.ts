import {
  checkAllFinite,
  checkNonEmpty,
  checkNumbers,
  checkOptionsObject,
  checkProbabilities,
  checkRowLabels,
  checkTwoOrMoreColumns,
  type Matrix,
  readVector as readAnyVector,
  readMatrix,
} from '@uqjs/core';

/**
 * The inputs every conformal function accepts, read by `@uqjs/core`'s readers into flat
 * row-major arrays. Tensors are read with `await tensor.data()` (never synchronously, so every
 * backend works, webgpu included) and are never disposed or created here.
 *
 * Legend: `N` examples, `K` classes.
 */

export type { DenseMatrix, MatrixInput, VectorInput } from '@uqjs/core';
export { checkLength, readTolerance } from '@uqjs/core';

/** Reads a non-empty `[N]` vector of finite numbers. */
export async function readVector(
  input: unknown,
  argument: string,
  fn: string,
): Promise<ArrayLike<number>> {
  const values = await readAnyVector(input, argument, fn);
  checkNonEmpty(values.length, argument, fn, [values.length]);
  // checkAllFinite compares numerically; a string '1' must not pass.
  return checkAllFinite(checkNumbers(values, argument, fn), argument, fn);
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
  checkTwoOrMoreColumns([m.rows, m.cols], argument, fn);
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
  return checkRowLabels(await readVector(input, argument, fn), rows, numClasses, argument, fn);
}

/**
 * Checks an options argument: `undefined` or a plain object; `@uqjs/core`'s
 * `checkOptionsObject` with conformal's wording (`must be an options object`).
 */
export function readOptions<T extends object>(
  opts: unknown,
  argument: string,
  fn: string,
): Partial<T> {
  return checkOptionsObject(opts as Partial<T> | undefined, argument, fn, 'an options object');
}
