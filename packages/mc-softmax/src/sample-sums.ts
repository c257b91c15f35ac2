import * as tf from '@tensorflow/tfjs-core';

/**
 * Reductions over the leading sample axis of a `[S, ...rest]` tensor (internal). The engine
 * calls these only inside its own forward and backward passes, which are not taped.
 *
 * On `wasm`, `@uqjs/backend`'s `enableFastWasmTraining` (which `resolveBackend` calls) reduces
 * leading axes in one streaming pass (0.3 ms at S = 1000, R = 1280); the stock tfjs-wasm kernel
 * transposes the samples to the innermost axis first (~12 ms).
 */

/** `sum_s t[s, ...]`, shape `rest`. */
export function sumOverSamples(t: tf.Tensor): tf.Tensor {
  return tf.sum(t, 0);
}

/**
 * Log-sum-exp over samples, shifted by the per-entry max so it cannot overflow. Returns the
 * shift `max` `rest`, the shifted exponentials `scaled = exp(t - max)` `[S, ...rest]` (which
 * the engine keeps for its backward pass) and `lse = max + log sum_s scaled` `rest`.
 */
export function logSumExpOverSamples(t: tf.Tensor): {
  max: tf.Tensor;
  scaled: tf.Tensor;
  lse: tf.Tensor;
} {
  const max = tf.max(t, 0);
  const shifted = tf.sub(t, max); // [S, ...rest] - rest
  const scaled = tf.exp(shifted);
  shifted.dispose();
  return { max, scaled, lse: tf.add(max, tf.log(sumOverSamples(scaled))) };
}

/** `log(exp(a) + exp(b))` elementwise, without overflow. */
export function logAddExp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const max = tf.maximum(a, b);
  return tf.add(max, tf.log(tf.add(tf.exp(tf.sub(a, max)), tf.exp(tf.sub(b, max)))));
}
