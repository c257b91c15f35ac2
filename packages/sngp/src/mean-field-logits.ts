import {
  add,
  clone,
  div,
  expandDims,
  getBackend,
  min,
  mul,
  sqrt,
  type Tensor,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import {
  checkFiniteNumber,
  checkRank,
  checkSameShape,
  checkShape,
  InvalidArgumentError,
} from '@uqjs/core';

const FN = 'meanFieldLogits';

/**
 * The mean-field approximation of the predictive softmax under Gaussian logits
 * (Lu et al., 2020; used by SNGP): `E[softmax(z)]` with `z ~ N(logits, variance)` is
 * approximated by `softmax(logits / sqrt(1 + lambda * variance))`. This returns the
 * adjusted logits
 *
 * `logits / sqrt(1 + lambda * variance)`.
 *
 * `lambda = pi / 8` matches the probit approximation of the sigmoid; `lambda = 0` returns
 * (a copy of) `logits` unchanged. (The Python layers use a negative factor for "off"; here a
 * negative `lambda`, like a negative or NaN variance, is an `InvalidArgumentError`.)
 *
 * Legend: `B` batch, `K` classes.
 *
 * @param logits - Posterior mean logits, `[B, K]`.
 * @param variance - Posterior predictive variance: `[B]` (shared by the `K` logits, as the
 *   Gaussian-likelihood GP layer returns) or `[B, K]`.
 * @param lambda - Scale of the variance, `>= 0`. Default `pi / 8`.
 * @returns Adjusted logits, `[B, K]`; a new tensor the caller disposes.
 * @example
 * ```ts
 * const { logits, variance } = gp.predictWithCovariance(features);
 * const probs = tf.softmax(meanFieldLogits(logits, variance));
 * ```
 * @since 0.1.0
 */
export function meanFieldLogits(logits: Tensor, variance: Tensor, lambda = Math.PI / 8): Tensor2D {
  checkRank(logits, 2, 'logits', FN);
  checkRank(variance, [1, 2], 'variance', FN);
  if (variance.rank === 1) checkShape(variance, [logits.shape[0]!], 'variance', FN);
  else checkSameShape(logits, variance, 'logits', 'variance', FN);
  checkFiniteNumber(lambda, 'lambda', FN);
  if (lambda < 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'lambda',
      expected: 'a finite number >= 0 (0 returns the logits unchanged)',
      given: lambda,
    });
  }
  // sync read: one number, the smallest variance (issue 19.17: a negative one is an error);
  // skipped on webgpu, which cannot read back without awaiting.
  const smallest = getBackend() === 'webgpu' ? 0 : tidy(() => min(variance).dataSync()[0]!);
  if (!(smallest >= 0)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'variance',
      expected: 'all >= 0 (variances)',
      given: smallest,
    });
  }
  return tidy(() => {
    if (lambda === 0) return clone(logits) as Tensor2D;
    // [B] -> [B, 1]: one variance per example, shared by its K logits.
    const v = variance.rank === 1 ? expandDims(variance, 1) : variance;
    return div(logits, sqrt(add(1, mul(v, lambda)))) as Tensor2D;
  });
}
