import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';

const FN = 'binaryLogitNll';

/**
 * Negative log-likelihood of binary labels under predictive logits `l = log P(y = 1) -
 * log P(y = 0)`: the loss of `MCSigmoidDense` and `ExactSigmoidDense`, whose output is that
 * logit. Per example (and per position of any extra middle axes), averaged over outputs:
 *
 *     loss[b, ...] = mean_o [ y softplus(-l) + (1 - y) softplus(l) ]
 *
 * which is `-log P(y)` exactly (the heads' `P(y = 0) + P(y = 1) = 1`). Labels may be soft
 * (in `[0, 1]`). Use it as `model.compile({ loss: binaryLogitNll })`.
 *
 * Shapes: `yPred` `[B, ..., O]` (what the heads output for inputs `[B, ..., D]`); `yTrue` the
 * same shape (or `[B, ...]` when `O = 1`); result `[B, ...]` (`[B]` for `[B, O]` outputs),
 * like Keras' `binary_crossentropy`.
 *
 * @example
 * ```ts
 * binaryLogitNll(tf.tensor2d([[1], [0]]), tf.tensor2d([[2], [2]])); // [0.127, 2.127]
 * ```
 * @since 0.1.0
 */
export function binaryLogitNll(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  if (!(yPred instanceof tf.Tensor) || yPred.rank < 2) {
    throw new ShapeError({
      fn: FN,
      argument: 'yPred',
      expected: 'of shape [B, ..., O] (rank >= 2)',
      given: yPred instanceof tf.Tensor ? yPred.shape : yPred,
    });
  }
  const shape = yPred.shape;
  const outputs = shape[shape.length - 1]!;
  const leading = shape.slice(0, -1); // [B, ...]
  const sameAs = (t: tf.Tensor, expected: readonly number[]) =>
    t.rank === expected.length && expected.every((size, i) => t.shape[i] === size);
  const sameShape = yTrue instanceof tf.Tensor && sameAs(yTrue, shape);
  const withoutOutputAxis = yTrue instanceof tf.Tensor && outputs === 1 && sameAs(yTrue, leading);
  if (!sameShape && !withoutOutputAxis) {
    throw new ShapeError({
      fn: FN,
      argument: 'yTrue',
      expected: `of shape [${shape.join(', ')}]${outputs === 1 ? ` or [${leading.join(', ')}]` : ''}`,
      given: yTrue instanceof tf.Tensor ? yTrue.shape : yTrue,
    });
  }
  const outside = tf.tidy(() => {
    const y = tf.cast(yTrue, 'float32');
    return tf.any(tf.logicalOr(tf.logicalOr(tf.less(y, 0), tf.greater(y, 1)), tf.isNaN(y)));
  });
  // sync read: a loss is synchronous; webgpu cannot read back without awaiting, so there the
  // label check is skipped.
  const [bad] = tf.getBackend() === 'webgpu' ? [0] : outside.dataSync();
  outside.dispose();
  if (bad) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'yTrue',
      expected: 'labels in [0, 1]',
      given: 'a label outside [0, 1]',
    });
  }
  return tf.tidy(() => {
    const y = tf.reshape(tf.cast(yTrue, 'float32'), shape);
    const perOutput = tf.add(
      tf.mul(y, tf.softplus(tf.neg(yPred))),
      tf.mul(tf.sub(1, y), tf.softplus(yPred)),
    );
    return tf.mean(perOutput, -1);
  });
}
