import {
  abs,
  add,
  cast,
  exp,
  getBackend,
  log1p,
  logSoftmax,
  mul,
  neg,
  oneHot,
  relu,
  reshape,
  sub,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import {
  checkLabels,
  checkProbabilities,
  checkRank,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';

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
 * One logit (`K = 1`, a binary model with `p = sigmoid(z)`): targets are `[B]` or `[B, 1]`
 * probabilities of class 1 (labels 0 / 1), and the loss is the binary cross-entropy
 * `-t log sigmoid(z) - (1 - t) log(1 - sigmoid(z)) = max(z, 0) - t z + log(1 + exp(-|z|))`.
 *
 * Legend: `B` batch, `K` classes (`K = 1`: one logit).
 *
 * @param labels - Targets, `[B, K]` probabilities, or `[B]` / `[B, 1]` class labels (`yTrue`);
 *   for `K = 1`, `[B]` / `[B, 1]` probabilities of class 1.
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
  checkRank(labels, [1, 2], 'labels', FN);
  const [batch, numClasses] = logits.shape as [number, number];
  if (numClasses === 1) return binaryCrossEntropyFromLogits(labels, logits as Tensor2D);
  const dense = labels.rank === 2 && labels.shape[1] === numClasses && numClasses > 1;
  // sync read: a loss is synchronous; webgpu cannot read back without awaiting, so there the
  // target values are not checked.
  const readable = getBackend() !== 'webgpu';
  if (dense) {
    if (readable) checkProbabilities(labels.dataSync(), numClasses, 'labels', FN);
  } else if (labels.size === batch && labels.rank >= 1 && labels.rank <= 2) {
    if (readable) checkLabels(labels.dataSync(), numClasses, 'labels', FN);
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

/** The `K = 1` case: sigmoid cross-entropy, stable for any logit. */
function binaryCrossEntropyFromLogits(labels: Tensor, logits: Tensor2D): Tensor1D {
  const batch = logits.shape[0];
  if (labels.size !== batch || (labels.rank === 2 && labels.shape[1] !== 1)) {
    throw new ShapeError({
      fn: FN,
      argument: 'labels',
      expected: `of shape [${batch}] or [${batch}, 1] (one logit: probabilities of class 1)`,
      given: labels.shape,
    });
  }
  // sync read: the targets' values, checked as in the K >= 2 path (not on webgpu)
  const values = getBackend() === 'webgpu' ? [] : labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    if (!(t >= 0 && t <= 1)) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: `labels[${i}]`,
        expected: 'a probability of class 1 in [0, 1] (one logit)',
        given: t,
      });
    }
  }
  return tidy(() => {
    const z = reshape(logits, [-1]); // [B, 1] -> [B]
    const t = cast(reshape(labels, [-1]), 'float32');
    // max(z, 0) - t z + log(1 + exp(-|z|)): never exponentiates a positive number.
    return add(sub(relu(z), mul(t, z)), log1p(exp(neg(abs(z))))) as Tensor1D;
  });
}
