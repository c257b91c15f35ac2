import { type AffineFitReport, type AffineScalingOptions, fitAffine } from './affine-scaling.js';
import type { LabelsInput, MatrixInput } from './inputs.js';

/**
 * What {@link fitVectorScaling} returns.
 *
 * @since 0.1.0
 */
export interface VectorScalingFit extends AffineFitReport {
  /** Per-class scales `w` `[K]`. */
  readonly w: number[];
  /** Per-class biases `b` `[K]`. */
  readonly b: number[];
}

/**
 * Vector scaling (Guo et al. 2017): calibrated logits `z'_k = w_k z_k + b_k`, with `w, b`
 * `[K]` minimizing the mean NLL of `softmax(z')` on held-out logits, plus
 * `l2 ||w - 1||^2 + l2Bias ||b||^2` (both 0 by default). Convex; fitted by a deterministic
 * L-BFGS started at the identity (`w = 1, b = 0`), so the fitted NLL is never above the
 * uncalibrated one.
 *
 * @param logits `[N, K]` finite logits of held-out examples.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * const { w, b, apply } = fitVectorScaling(valLogits, valLabels);
 * const calibrated = apply(testLogits);
 * ```
 * @since 0.1.0
 */
export function fitVectorScaling(
  logits: MatrixInput,
  labels: LabelsInput,
  opts: AffineScalingOptions = {},
): VectorScalingFit {
  const { weights, bias, ...report } = fitAffine(
    'vector',
    logits,
    labels,
    opts,
    'fitVectorScaling',
  );
  return { ...report, w: Array.from(weights), b: Array.from(bias) };
}
