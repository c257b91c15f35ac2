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

/** `log1p(y) = 2 atanh(s)`, `s = y / (2 + y)`: coefficients of `atanh(s) / s` in `s^2`. */
const ATANH_SERIES = [1 / 7, 1 / 5, 1 / 3, 1];

/**
 * `log(1 + y)` for `y > -1`, to float32 relative precision for tiny `|y|` on every backend.
 * For `|y| < 1/8`, the series `2 atanh(s) = 2 (s + s^3/3 + s^5/5 + s^7/7)` with
 * `s = y / (2 + y)` (`|s| < 1/15`, so the next term is under 5e-11 relative); elsewhere
 * `log(1 + y)`, where `|log(1 + y)| > 0.11`. Neither `tf.log1p` (tfjs-wasm returns 0 for
 * `|y| < 6e-8`; webgpu evaluates `log(1 + y)`) nor Goldberg's `log(u) y / (u - 1)` with
 * `u = 1 + y` suits: both need `log(u)` near `u = 1` to relative precision, and a GPU's `log`
 * is only accurate to an absolute 2^-21 there (WGSL), which erased the normal's upper-tail
 * log-CDF on webgpu (log Phi(5) off by 3% on lavapipe).
 */
export function stableLog1p(y: tf.Tensor): tf.Tensor {
  const s = tf.div(y, tf.add(2, y));
  const series = tf.mul(tf.mul(2, s), polyval(ATANH_SERIES, tf.square(s)));
  return tf.where(tf.less(tf.abs(y), 0.125), series, tf.log(tf.add(1, y)));
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
