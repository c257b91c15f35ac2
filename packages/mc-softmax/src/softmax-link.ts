import * as tf from '@tensorflow/tfjs-core';
import type { LikelihoodLink } from './mc-engine.js';

/**
 * The softmax link: per-sample `l_s = logSoftmax(x_s)` over the last (class) axis, where
 * `x_s = z_s / tau`. Outcomes are the `K` classes. The forward pass also returns
 * `softmax(x_s)` for the backward pass.
 *
 * Backward: `dL/dx = dL/dl - softmax(x) * sum_c dL/dl_c`.
 * Hard outcomes: the one-hot of `argmax_c z_c`.
 *
 * Shapes: `x` `[C, B, ..., K]` -> `[C, B, ..., K]`.
 *
 * @example
 * ```ts
 * const { logLik } = softmaxLink.forward(tf.tensor2d([[1, 2, 3]])); // log softmax
 * ```
 * @since 0.1.0
 */
export const softmaxLink: LikelihoodLink = {
  forward(x) {
    // Intermediates are disposed as soon as they are used: x is a chunk of S * B * K values.
    const max = tf.max(x, -1, true); // [C, ..., 1]
    const shifted = tf.sub(x, max); // [C, ..., K] - [C, ..., 1]
    const exps = tf.exp(shifted);
    const sums = tf.sum(exps, -1, true); // [C, ..., 1]
    const logLik = tf.sub(shifted, tf.log(sums));
    shifted.dispose();
    const probs = tf.div(exps, sums); // softmax(x), for the backward pass
    exps.dispose();
    return { logLik, saved: [probs] };
  },
  backward([probs], dLogLik) {
    const weighted = tf.mul(probs!, tf.sum(dLogLik, -1, true)); // [C, ..., K] * [C, ..., 1]
    const dx = tf.sub(dLogLik, weighted);
    weighted.dispose();
    return dx;
  },
  hardOutcomes(latents) {
    const numClasses = latents.shape[latents.rank - 1]!;
    return tf.oneHot(tf.argMax(latents, -1), numClasses); // [C, ...] -> [C, ..., K]
  },
};
