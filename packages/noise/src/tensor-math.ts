import * as tf from '@tensorflow/tfjs-core';

/**
 * Small numerical building blocks on tensors (internal).
 */

/** Horner evaluation of `c[0] x^(n-1) + ... + c[n-1]`, coefficients highest power first. */
export function polyval(coefficients: readonly number[], x: tf.Tensor): tf.Tensor {
  let acc: tf.Tensor = tf.scalar(coefficients[0]!);
  for (let i = 1; i < coefficients.length; i++) acc = tf.add(tf.mul(acc, x), coefficients[i]!);
  return acc;
}

/**
 * `log(1 + y)` accurate for tiny `|y|` (Goldberg's correction `log(u) * y / (u - 1)` with
 * `u = 1 + y`). tfjs-wasm's `log1p` evaluates `log(1 + y)` directly and returns 0 for
 * `|y| < 6e-8`, which would erase the upper tail of a log-CDF.
 */
export function stableLog1p(y: tf.Tensor): tf.Tensor {
  const u = tf.add(1, y);
  const isOne = tf.equal(u, 1);
  const safeDenominator = tf.where(isOne, tf.onesLike(u), tf.sub(u, 1));
  return tf.where(isOne, y, tf.div(tf.mul(tf.log(u), y), safeDenominator));
}

/**
 * Wraps an elementwise function with its analytic derivative, so gradients stay finite where
 * the forward pass selects between branches that are not finite everywhere.
 */
export function withDerivative(
  f: (x: tf.Tensor) => tf.Tensor,
  derivative: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    const value = f(input);
    (save as tf.GradSaveFunc)([input, value]);
    return {
      value,
      gradFunc: (dy, saved) => tf.mul(dy, derivative(saved[0]!, saved[1]!)),
    };
  });
  return (x) => op(x);
}
