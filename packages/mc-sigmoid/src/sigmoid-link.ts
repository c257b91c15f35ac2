import * as tf from '@tensorflow/tfjs-core';
import type { LikelihoodLink } from '@uqjs/mc-softmax';

/**
 * The sigmoid link of binary (or independent multi-label) heads: per sample,
 * `log P(y = 1) = -softplus(-x)` and `log P(y = 0) = -softplus(x)` with `x = y* / tau`, both in
 * log space, so they stay exact where `sigmoid(x)` rounds to 0 or 1.
 *
 * Outcomes: an axis of 2 right after the sample axis, `[C, 0, ...]` = class 0 and
 * `[C, 1, ...]` = class 1 (there, stacking and unstacking move contiguous blocks; on a
 * trailing axis of 2 they are ~15x slower in tfjs-wasm).
 * Backward: `dL/dx = dL/dl_1 * sigmoid(-x) - dL/dl_0 * sigmoid(x)`, written as a sum over the
 * outcome axis of `dL/dl * [-sigmoid(x), sigmoid(-x)]` (weights kept from the forward pass),
 * which tfjs-wasm does ~2x faster than splitting `dL/dl`.
 * Hard outcomes: `y* > 0` (the latent is a utility difference, not a probability: its
 * threshold is 0, not 0.5).
 *
 * Shapes: `x` `[C, B, ..., O]` -> `[C, 2, B, ..., O]`.
 *
 * @example
 * ```ts
 * const { logLik } = sigmoidLink.forward(tf.tensor2d([[0, 40]])); // [[[-0.69, -40], [-0.69, -4e-18]]]
 * ```
 * @since 0.1.0
 */
export const sigmoidLink: LikelihoodLink = {
  forward(x) {
    const logLik = tf.tidy(() =>
      tf.stack([tf.neg(tf.softplus(x)), tf.neg(tf.softplus(tf.neg(x)))], 1),
    );
    // dl_0/dx = -sigmoid(x), dl_1/dx = sigmoid(-x), each computed directly: 1 - sigmoid(x)
    // would round to 0 for large x.
    const weights = tf.tidy(() => tf.stack([tf.neg(tf.sigmoid(x)), tf.sigmoid(tf.neg(x))], 1));
    return { logLik, saved: [weights] };
  },
  backward([weights], dLogLik) {
    return tf.tidy(() => tf.sum(tf.mul(dLogLik, weights!), 1)); // [C, 2, ...] -> [C, ...]
  },
  hardOutcomes(latents) {
    return tf.tidy(() => {
      const positive = tf.cast(tf.greater(latents, 0), 'float32');
      return tf.stack([tf.sub(1, positive), positive], 1);
    });
  },
};
