import {
  logSoftmax,
  mean,
  mul,
  neg,
  oneHot,
  type Scalar,
  sum,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkRank, InvalidArgumentError, ShapeError } from '@uqjs/core';

const FN = 'mimoLoss';

/**
 * The MIMO training objective (Havasi et al., 2021): the sum over members of each member's
 * mean softmax cross-entropy, `-(1/B) sum_b sum_m log softmax(logits[b, m])[labels[b, m]]`.
 * Each member is scored on its own slot's label (from `mimoBatch`), so the members train as
 * independent classifiers sharing one network.
 *
 * Shapes: `labels` `[B, M]` int32, `logits` `[B, M, K]` (a `MimoHead`'s output); returns a
 * scalar. The labels' values are not read (that would need a synchronous read inside the
 * gradient step): a label outside `[0, K)` contributes 0, as in `tf.oneHot`.
 *
 * @example
 * ```ts
 * const { inputs, labels } = mimoBatch(xb, yb, 3, { seed });
 * optimizer.minimize(() => mimoLoss(labels, model.apply(inputs, { training: true }) as tf.Tensor));
 * ```
 * @since 0.1.0
 */
export function mimoLoss(labels: Tensor, logits: Tensor): Scalar {
  checkRank(logits, 3, 'logits', FN);
  checkRank(labels, 2, 'labels', FN);
  const [rows, members, classes] = logits.shape as [number, number, number];
  if (labels.shape[0] !== rows || labels.shape[1] !== members) {
    throw new ShapeError({
      fn: FN,
      argument: 'labels',
      expected: `of shape [${rows}, ${members}] (the first two axes of logits)`,
      given: labels.shape,
    });
  }
  if (labels.dtype !== 'int32') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'labels.dtype',
      expected: "'int32' (class labels)",
      given: labels.dtype,
    });
  }
  return tidy(() => {
    // [B, M] -> [B, M, K] one-hot, times log-probabilities [B, M, K]; sum over K and M.
    const picked = sum(mul(oneHot(labels, classes), logSoftmax(logits)), [1, 2]);
    return neg(mean(picked)) as Scalar;
  });
}
