import { checkInteger, checkPositive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { type LogitsTransform, makeLogitsTransform, readLogits } from './calibrated-logits.js';
import { type LabelsInput, type Matrix, type MatrixInput, readLabels } from './inputs.js';
import { minimizeLbfgs } from './lbfgs.js';
import { readOptions } from './options.js';

/**
 * The engine of vector and matrix scaling (Guo et al. 2017): calibrated logits
 * `z' = W z + b`, W diagonal (vector scaling, `W = diag(w)`) or full (matrix scaling), fitted
 * by minimizing the mean NLL of `softmax(z')` plus L2 penalties towards the identity map.
 * The objective is convex in (W, b) (z' is linear in them), so L-BFGS from the identity
 * (the uncalibrated logits) finds its minimum deterministically. Internal.
 */

/**
 * Options of `fitVectorScaling` and `fitMatrixScaling`.
 *
 * @since 0.1.0
 */
export interface AffineScalingOptions {
  /**
   * L2 penalty towards the identity map on the weights: `l2 * ||W - I||_F^2` (matrix) or
   * `l2 * ||w - 1||^2` (vector) is added to the mean NLL (default 0). Large values keep the
   * logits as they were; use it for matrix scaling when N is not much larger than K^2.
   */
  readonly l2?: number;
  /** L2 penalty `l2Bias * ||b||^2` on the bias (default 0). */
  readonly l2Bias?: number;
  /** Iteration limit of L-BFGS (default 500). */
  readonly maxIterations?: number;
  /** Stop when every entry of the gradient is below this in absolute value (default `1e-7`). */
  readonly gradientTolerance?: number;
}

/**
 * The fields every affine fit reports.
 *
 * @since 0.1.0
 */
export interface AffineFitReport {
  /** Mean NLL of the fitting data before (identity map) and after calibration (no penalty). */
  readonly nllBefore: number;
  readonly nllAfter: number;
  /** L-BFGS iterations taken. */
  readonly iterations: number;
  /** True when the gradient tolerance was met. */
  readonly converged: boolean;
  /** Calibrated logits `[N, K]` in the form given (see {@link LogitsTransform}). */
  readonly apply: LogitsTransform;
}

type Kind = 'vector' | 'matrix';

/**
 * The most classes `fitMatrixScaling` accepts (1,000): it fits `K^2 + K` parameters (10^6 at
 * the limit) and L-BFGS keeps about 24 vectors of that size (~200 MB); beyond, the memory
 * grows into gigabytes, and the fit would need far more than `K^2` validation examples.
 *
 * @since 0.1.1
 */
export const MAX_MATRIX_SCALING_CLASSES = 1000;

/** The fitted parameters: `weights` is `w` `[K]` or row-major `W` `[K, K]`; `bias` is `b` `[K]`. */
export interface AffineFit extends AffineFitReport {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

function readNonNegative(value: unknown, argument: string, fn: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a finite number >= 0',
      given: value,
    });
  }
  return value;
}

/** Writes `z' = W z_i + b` for row i into `out` (`theta` holds the weights, then b). */
function transformRow(
  kind: Kind,
  theta: Float64Array,
  data: ArrayLike<number>,
  i: number,
  k: number,
  out: Float64Array,
): void {
  const biasAt = kind === 'matrix' ? k * k : k;
  for (let c = 0; c < k; c++) {
    let v = theta[biasAt + c]!;
    if (kind === 'matrix') {
      // Row c of the [K, K] row-major W dotted with z_i.
      for (let j = 0; j < k; j++) v += theta[c * k + j]! * data[i * k + j]!;
    } else {
      v += theta[c]! * data[i * k + c]!;
    }
    out[c] = v;
  }
}

/** Mean NLL of `softmax(W z + b)` and its gradient in theta (when `grad` is given). */
function nllAndGradient(
  kind: Kind,
  theta: Float64Array,
  m: Matrix,
  labels: ArrayLike<number>,
  grad: Float64Array | null,
): number {
  const { data, rows, cols: k } = m;
  const z = new Float64Array(k);
  const biasAt = kind === 'matrix' ? k * k : k;
  grad?.fill(0);
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    transformRow(kind, theta, data, i, k, z);
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, z[c]!);
    const y = labels[i]!;
    const labelShifted = z[y]! - max;
    let s = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp(z[c]! - max);
      s += z[c]!;
    }
    // -log softmax_y = log s - (z'_y - max); z now holds exp(z'_c - max).
    sum += Math.log(s) - labelShifted;
    if (grad === null) continue;
    for (let c = 0; c < k; c++) {
      const gc = z[c]! / s - (c === y ? 1 : 0); // d NLL_i / d z'_c
      grad[biasAt + c]! += gc;
      if (kind === 'matrix') for (let j = 0; j < k; j++) grad[c * k + j]! += gc * data[i * k + j]!;
      else grad[c]! += gc * data[i * k + c]!;
    }
  }
  if (grad !== null) for (let j = 0; j < grad.length; j++) grad[j]! /= rows;
  return sum / rows;
}

/** Fits `z' = W z + b` (see the module comment). Internal. */
export function fitAffine(
  kind: Kind,
  logits: MatrixInput,
  labels: LabelsInput,
  opts: AffineScalingOptions,
  fn: string,
): AffineFit {
  const options = readOptions(opts, fn);
  const l2 = readNonNegative(options.l2, 'opts.l2', fn);
  const l2Bias = readNonNegative(options.l2Bias, 'opts.l2Bias', fn);
  const maxIterations =
    options.maxIterations === undefined
      ? 500
      : checkInteger(options.maxIterations, 'opts.maxIterations', fn, 1);
  const gradientTolerance =
    options.gradientTolerance === undefined
      ? 1e-7
      : checkPositive(options.gradientTolerance, 'opts.gradientTolerance', fn);
  const m = readLogits(logits, 'logits', fn);
  if (kind === 'matrix' && m.cols > MAX_MATRIX_SCALING_CLASSES) {
    throw new ShapeError({
      fn,
      argument: 'logits',
      expected: `of shape [N, K] with K <= ${MAX_MATRIX_SCALING_CLASSES} (matrix scaling fits K^2 + K parameters)`,
      given: [m.rows, m.cols],
    });
  }
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const k = m.cols;
  const numWeights = kind === 'matrix' ? k * k : k;
  // The identity map: W = I (or w = 1), b = 0.
  const identity = new Float64Array(numWeights + k);
  for (let c = 0; c < k; c++) identity[kind === 'matrix' ? c * k + c : c] = 1;

  const objective = (theta: Float64Array, grad: Float64Array): number => {
    let f = nllAndGradient(kind, theta, m, y, grad);
    for (let j = 0; j < theta.length; j++) {
      const lambda = j < numWeights ? l2 : l2Bias;
      const d = theta[j]! - identity[j]!;
      f += lambda * d * d;
      grad[j]! += 2 * lambda * d;
    }
    return f;
  };
  const result = minimizeLbfgs(objective, identity, { maxIterations, gradientTolerance });
  const theta = result.x;
  return {
    weights: theta.slice(0, numWeights),
    bias: theta.slice(numWeights),
    nllBefore: nllAndGradient(kind, identity, m, y, null),
    nllAfter: nllAndGradient(kind, theta, m, y, null),
    iterations: result.iterations,
    converged: result.converged,
    apply: makeLogitsTransform(
      k,
      `${kind === 'matrix' ? 'MatrixScalingFit' : 'VectorScalingFit'}.apply`,
      (input) => {
        const out = new Float64Array(input.rows * k);
        for (let i = 0; i < input.rows; i++)
          transformRow(kind, theta, input.data, i, k, out.subarray(i * k, (i + 1) * k));
        return out;
      },
    ),
  };
}
