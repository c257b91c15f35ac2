import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean negative log-likelihood of sparse labels under `softmax(logits / temperature)`:
 * `mean_b (logsumexp_k(z[b, k] / tau) - z[b, y_b] / tau)`, through `tf.logSoftmax` (stable for
 * large logits and small temperatures).
 *
 * @param labels `[B]` int32 class indices.
 * @param logits `[B, K]`.
 * @returns a scalar.
 *
 * @since 0.1.0
 */
export function softmaxNll(labels: tf.Tensor, logits: tf.Tensor, temperature = 1): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1] as number;
    // [B] int32 labels -> [B, K] one-hot rows that pick each example's log-probability.
    const picked = tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32'), numClasses);
    const logProbs = tf.logSoftmax(temperature === 1 ? logits : tf.div(logits, temperature));
    return tf.neg(tf.mean(tf.sum(tf.mul(picked, logProbs), -1))) as tf.Scalar;
  });
}
