import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';

/** Checks that `value` is a `tf.Tensor` (internal). */
export function checkTensor(value: unknown, argument: string, fn: string): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError({ fn, argument, expected: 'a tf.Tensor', given: value });
  }
  return value;
}

/** `x` as float32 (a cast for int or bool tensors); call inside a tidy (internal). */
export function asFloat(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/**
 * Checks the values of a tensor on the device with one small read-back: no NaN, no
 * ±Infinity, and with `nonNegative` no value below 0. The error names `argument`. On the
 * `webgpu` backend, which cannot read back synchronously, only the tensor itself is checked.
 *
 * @example
 * ```ts
 * checkTensorValues(scale, 'scale', 'mcSoftmax', { nonNegative: true });
 * // throws: mcSoftmax: scale must be >= 0 everywhere, got -0.5
 * ```
 * @since 0.1.0
 */
export function checkTensorValues(
  x: tf.Tensor,
  argument: string,
  fn: string,
  opts: { readonly nonNegative?: boolean } = {},
): void {
  checkTensor(x, argument, fn);
  // sync read: callers are synchronous (layers, losses); webgpu cannot read back without
  // awaiting, so there the value checks are skipped.
  if (x.size === 0 || tf.getBackend() === 'webgpu') return;
  const summary = tf.tidy(() => {
    const values = asFloat(x);
    // The sum is finite unless some value is NaN or ±Infinity, or the finite values overflow
    // float32 together (told apart below): one pass in place of IsNan, IsInf and their reductions.
    const total = tf.sum(values);
    return opts.nonNegative ? tf.stack([total, tf.min(values)]) : total;
  });
  const [total, min] = summary.dataSync();
  summary.dispose();
  if (!Number.isFinite(total)) {
    // sync read: only where the sum is not finite (webgpu returned above): which values are.
    const found = tf.tidy(() => {
      const values = asFloat(x);
      return tf.stack([tf.any(tf.isNaN(values)), tf.any(tf.isInf(values))]);
    });
    const [hasNaN, hasInfinity] = found.dataSync();
    found.dispose();
    if (hasNaN === 1)
      throw new InvalidArgumentError({ fn, argument, expected: 'free of NaN', given: NaN });
    if (hasInfinity === 1)
      throw new InvalidArgumentError({ fn, argument, expected: 'finite', given: Infinity });
  }
  if (opts.nonNegative && min! < 0) {
    throw new InvalidArgumentError({ fn, argument, expected: '>= 0 everywhere', given: min });
  }
}
