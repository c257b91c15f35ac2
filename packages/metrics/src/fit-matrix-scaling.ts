import { type AffineFitReport, type AffineScalingOptions, fitAffine } from './affine-scaling.js';
import type { LabelsInput, MatrixInput } from './inputs.js';

/**
 * What {@link fitMatrixScaling} returns.
 *
 * @since 0.1.0
 */
export interface MatrixScalingFit extends AffineFitReport {
  /** `W` `[K, K]`: row c holds the weights of calibrated logit c. */
  readonly W: number[][];
  /** Biases `b` `[K]`. */
  readonly b: number[];
}

/**
 * Matrix scaling (Guo et al. 2017): calibrated logits `z' = W z + b`, with `W` `[K, K]` and
 * `b` `[K]` minimizing the mean NLL of `softmax(z')` on held-out logits, plus
 * `l2 ||W - I||_F^2 + l2Bias ||b||^2` (both 0 by default; K^2 + K parameters overfit small
 * validation sets, so set `l2` when N is not much larger than K^2). Convex; fitted by a
 * deterministic L-BFGS from the identity. Each iteration costs O(N K^2).
 *
 * @param logits `[N, K]` finite logits of held-out examples, `K <= 1000`
 *   (`MAX_MATRIX_SCALING_CLASSES`).
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * const { W, b, apply } = fitMatrixScaling(valLogits, valLabels, { l2: 1e-3 });
 * const calibrated = apply(testLogits);
 * ```
 * @since 0.1.0
 */
export function fitMatrixScaling(
  logits: MatrixInput,
  labels: LabelsInput,
  opts: AffineScalingOptions = {},
): MatrixScalingFit {
  const { weights, bias, ...report } = fitAffine(
    'matrix',
    logits,
    labels,
    opts,
    'fitMatrixScaling',
  );
  const k = bias.length;
  // Row c of the [K, K] row-major weights is the slice [c K, (c + 1) K).
  const W = Array.from({ length: k }, (_, c) => Array.from(weights.subarray(c * k, (c + 1) * k)));
  return { ...report, W, b: Array.from(bias) };
}
