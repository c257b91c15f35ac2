import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { checkMinRank } from './checks.js';

const FN = 'logProbNll';

/** Checks sparse labels on the device: integers in `[0, K)`, with one small read-back. */
function checkSparseLabels(labels: tf.Tensor, numClasses: number): void {
  const bad = tf.tidy(() => {
    const values = tf.cast(labels, 'float32');
    const outside = tf.logicalOr(tf.less(values, 0), tf.greaterEqual(values, numClasses));
    const fractional = tf.notEqual(values, tf.floor(values));
    return tf.any(tf.logicalOr(tf.logicalOr(outside, fractional), tf.isNaN(values)));
  });
  // sync read: a loss is synchronous; webgpu cannot read back without awaiting, so there the
  // label check is skipped.
  const [invalid] = tf.getBackend() === 'webgpu' ? [0] : bad.dataSync();
  bad.dispose();
  if (invalid) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'yTrue',
      expected: `integer class labels in [0, ${numClasses - 1}]`,
      given: 'a label outside that range',
    });
  }
}

/**
 * Negative log-likelihood of labels under log predictive probabilities: the loss of
 * `MCSoftmaxDense` (whose output is log-probabilities), per example.
 *
 *     loss[b] = -yPred[b, yTrue[b]]             (sparse labels)
 *     loss[b] = -sum_c yTrue[b, c] yPred[b, c]   (one-hot or soft labels)
 *
 * Use it as `model.compile({ loss: logProbNll })`. Note: `model.fit` checks that targets
 * have the output's shape `[B, K]` for any loss other than its built-in
 * `sparseCategoricalCrossentropy`, so with `fit` pass one-hot labels (`tf.oneHot(y, K)`);
 * sparse labels `[B]` or `[B, 1]` work when the loss is called directly (custom loops).
 *
 * Shapes: `yTrue` `[B]`, `[B, 1]` (sparse) or `[B, K]`; `yPred` `[B, K]`; result `[B]`.
 *
 * @example
 * ```ts
 * const logProbs = tf.log(tf.tensor2d([[0.7, 0.2, 0.1]]));
 * logProbNll(tf.tensor1d([0]), logProbs); // [0.357]
 * logProbNll(tf.tensor2d([[1, 0, 0]]), logProbs); // [0.357]
 * ```
 * @since 0.1.0
 */
export function logProbNll(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const logProbs = checkMinRank(yPred, 2, '[B, K]', 'yPred', FN);
  const labels = checkMinRank(yTrue, 1, '[B], [B, 1] or [B, K]', 'yTrue', FN);
  const numClasses = logProbs.shape[logProbs.rank - 1]!;
  const batch = logProbs.shape.slice(0, -1);
  const sameLeading = (n: number) =>
    labels.rank >= n && batch.every((size, i) => labels.shape[i] === size);
  const oneHot = labels.rank === logProbs.rank && labels.shape[labels.rank - 1] === numClasses;
  const sparse =
    (labels.rank === logProbs.rank - 1 && sameLeading(batch.length)) ||
    (labels.rank === logProbs.rank && labels.shape[labels.rank - 1] === 1 && numClasses > 1);
  if (!(oneHot && sameLeading(batch.length)) && !(sparse && sameLeading(batch.length))) {
    throw new ShapeError({
      fn: FN,
      argument: 'yTrue',
      expected: `of shape [${batch.join(', ')}], [${batch.join(', ')}, 1] or [${[...batch, numClasses].join(', ')}]`,
      given: labels.shape,
    });
  }
  if (!oneHot) checkSparseLabels(labels, numClasses);
  return tf.tidy(() => {
    const target = oneHot
      ? tf.cast(labels, 'float32')
      : tf.oneHot(tf.cast(tf.reshape(labels, batch), 'int32'), numClasses);
    return tf.neg(tf.sum(tf.mul(target, logProbs), -1));
  });
}
