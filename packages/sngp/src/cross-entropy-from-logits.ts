import {
  cast,
  logSoftmax,
  mul,
  neg,
  oneHot,
  reshape,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkLabels, checkProbabilities, checkRank, ShapeError } from '@uqjs/core';

const FN = 'crossEntropyFromLogits';

/**
 * Per-example cross-entropy of targets under `softmax(logits)`, computed with `logSoftmax`
 * (stable for any logits): `loss_b = -sum_k t_bk log softmax(logits_b)_k`. The loss to
 * train SNGP models with, whose output is logits (tfjs-layers' built-in cross-entropies
 * expect probabilities).
 *
 * Targets come in either form:
 * - one-hot (or any probability) rows, `[B, K]`: what `model.fit` needs, since tfjs-layers
 *   accepts `[B, 1]` sparse targets only for its own `'sparseCategoricalCrossentropy'`
 *   string loss and checks every other loss's targets against the output shape `[B, K]`;
 * - integer class labels in `[0, K)`, `[B]` or `[B, 1]` (the sparse form), for custom
 *   training loops.
 *
 * Legend: `B` batch, `K >= 2` classes.
 *
 * @param labels - Targets, `[B, K]` probabilities, or `[B]` / `[B, 1]` class labels (`yTrue`).
 * @param logits - Logits, `[B, K]` (`yPred`).
 * @returns Losses, `[B]`; `model.fit` averages them over the batch.
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: crossEntropyFromLogits });
 * const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
 * await model.fit(x, y, { epochs: 10, callbacks: [resetCovarianceCallback()] });
 * ```
 * @since 0.1.0
 */
export function crossEntropyFromLogits(labels: Tensor, logits: Tensor): Tensor1D {
  checkRank(logits, 2, 'logits', FN);
  const [batch, numClasses] = logits.shape as [number, number];
  const dense = labels.rank === 2 && labels.shape[1] === numClasses && numClasses > 1;
  if (dense) checkProbabilities(labels.dataSync(), numClasses, 'labels', FN);
  else if (labels.size === batch && labels.rank >= 1 && labels.rank <= 2) {
    checkLabels(labels.dataSync(), numClasses, 'labels', FN);
  } else {
    throw new ShapeError({
      fn: FN,
      argument: 'labels',
      expected: `of shape [${batch}, ${numClasses}], [${batch}] or [${batch}, 1]`,
      given: labels.shape,
    });
  }
  return tidy(() => {
    const logProbs = logSoftmax(logits as Tensor2D);
    // Sparse labels [B] or [B, 1] -> [B] class ids -> one-hot [B, K].
    const targets = dense
      ? cast(labels, 'float32')
      : oneHot(cast(reshape(labels, [-1]), 'int32') as Tensor1D, numClasses);
    return neg(sum(mul(targets, logProbs), 1)) as Tensor1D;
  });
}
