import {
  clipByValue,
  log,
  logSoftmax,
  mean,
  mul,
  neg,
  type Scalar,
  sum,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';

/** Smallest probability inside the log, so a confident wrong member gives a finite loss. */
const PROBABILITY_FLOOR = 1e-7;

/**
 * Mean cross-entropy `-(1/B) sum_b sum_k targets[b,k] log p[b,k]` of a classification member.
 * `output` `[B, K]` holds probabilities (clipped at 1e-7 inside the log) or logits (log-softmax
 * in log space); `targets` `[B, K]` one-hot or soft labels.
 */
export function crossEntropy(
  targets: Tensor,
  output: Tensor,
  kind: 'probabilities' | 'logits',
): Scalar {
  return tidy(() => {
    const logProbs =
      kind === 'logits' ? logSoftmax(output) : log(clipByValue(output, PROBABILITY_FLOOR, 1));
    // Sum over classes (axis 1), then average over the batch.
    return neg(mean(sum(mul(targets, logProbs), 1))) as Scalar;
  });
}
