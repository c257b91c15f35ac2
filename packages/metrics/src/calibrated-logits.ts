import { type Tensor, tensor2d } from '@tensorflow/tfjs-core';
import { checkAllFinite, ShapeError } from '@uqjs/core';
import { type DenseMatrix, isTensor, type Matrix, type MatrixInput, readMatrix } from './inputs.js';

/**
 * Maps logits `[N, K]` to calibrated logits `[N, K]`, in the form it was given: a tensor gives
 * a new float32 tensor (the caller disposes it), nested arrays give nested arrays, a
 * {@link DenseMatrix} gives a {@link DenseMatrix} over a `Float64Array`.
 *
 * @since 0.1.0
 */
export interface LogitsTransform {
  (logits: Tensor): Tensor;
  (logits: readonly (readonly number[])[]): number[][];
  (logits: DenseMatrix): DenseMatrix;
  (logits: MatrixInput): Tensor | number[][] | DenseMatrix;
}

/** Reads finite logits `[N, K]` with K >= 2. Internal. */
export function readLogits(input: unknown, argument: string, fn: string): Matrix {
  const m = readMatrix(input, argument, fn);
  if (m.cols < 2) {
    throw new ShapeError({
      fn,
      argument,
      expected: 'of shape [N, K] with K >= 2',
      given: [m.rows, m.cols],
    });
  }
  checkAllFinite(m.data, argument, fn);
  return m;
}

/**
 * Wraps a row-major transform of `[N, K]` logits into a {@link LogitsTransform} that checks
 * its input has K columns. Internal.
 */
export function makeLogitsTransform(
  numClasses: number,
  fn: string,
  transform: (m: Matrix) => Float64Array,
): LogitsTransform {
  const apply = (logits: MatrixInput): Tensor | number[][] | DenseMatrix => {
    const m = readLogits(logits, 'logits', fn);
    if (m.cols !== numClasses) {
      throw new ShapeError({
        fn,
        argument: 'logits',
        expected: `of shape [N, ${numClasses}] (the classes it was fitted on)`,
        given: [m.rows, m.cols],
      });
    }
    const out = transform(m);
    if (isTensor(logits)) return tensor2d(Float32Array.from(out), [m.rows, m.cols]);
    if (Array.isArray(logits)) {
      // Row i of the [N, K] row-major output is the slice [i K, (i + 1) K).
      return Array.from({ length: m.rows }, (_, i) =>
        Array.from(out.subarray(i * m.cols, (i + 1) * m.cols)),
      );
    }
    return { data: out, numClasses };
  };
  return apply as LogitsTransform;
}
