import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';

const FN = 'binaryLogitNll';

/**
 * Negative log-likelihood of binary labels under predictive logits `l = log P(y = 1) -
 * log P(y = 0)`: the loss of `MCSigmoidDense` and `ExactSigmoidDense`, whose output is that
 * logit. Per example, averaged over outputs:
 *
 *     loss[b] = mean_o [ y softplus(-l) + (1 - y) softplus(l) ]
 *
 * which is `-log P(y)` exactly (the heads' `P(y = 0) + P(y = 1) = 1`). Labels may be soft
 * (in `[0, 1]`). Use it as `model.compile({ loss: binaryLogitNll })`.
 *
 * Shapes: `yTrue` `[B, O]` (or `[B]` when `O = 1`); `yPred` `[B, O]`; result `[B]`.
 *
 * @example
 * ```ts
 * binaryLogitNll(tf.tensor2d([[1], [0]]), tf.tensor2d([[2], [2]])); // [0.127, 2.127]
 * ```
 * @since 0.1.0
 */
export function binaryLogitNll(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  if (!(yPred instanceof tf.Tensor) || yPred.rank !== 2) {
    throw new ShapeError({
      fn: FN,
      argument: 'yPred',
      expected: 'of shape [B, O]',
      given: yPred?.shape ?? yPred,
    });
  }
  const [batch, outputs] = yPred.shape as [number, number];
  const sameShape =
    yTrue instanceof tf.Tensor &&
    yTrue.rank === 2 &&
    yTrue.shape[0] === batch &&
    yTrue.shape[1] === outputs;
  const vector =
    yTrue instanceof tf.Tensor && yTrue.rank === 1 && yTrue.shape[0] === batch && outputs === 1;
  if (!sameShape && !vector) {
    throw new ShapeError({
      fn: FN,
      argument: 'yTrue',
      expected: `of shape [${batch}, ${outputs}]${outputs === 1 ? ` or [${batch}]` : ''}`,
      given: yTrue instanceof tf.Tensor ? yTrue.shape : yTrue,
    });
  }
  const outside = tf.tidy(() => {
    const y = tf.cast(yTrue, 'float32');
    return tf.any(tf.logicalOr(tf.logicalOr(tf.less(y, 0), tf.greater(y, 1)), tf.isNaN(y)));
  });
  const [bad] = outside.dataSync();
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
    const y = tf.reshape(tf.cast(yTrue, 'float32'), [batch, outputs]);
    const perOutput = tf.add(
      tf.mul(y, tf.softplus(tf.neg(yPred))),
      tf.mul(tf.sub(1, y), tf.softplus(yPred)),
    );
    return tf.mean(perOutput, -1);
  });
}
