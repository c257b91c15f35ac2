import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';

/**
 * Checks that `value` is a rank-4 `tf.Tensor` (`layout` names its axes in the error, e.g.
 * `'[B, H, W, D]'`).
 */
export function checkMap(
  value: unknown,
  layout: string,
  argument: string,
  fn: string,
): tf.Tensor4D {
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError({ fn, argument, expected: 'a tf.Tensor', given: value });
  }
  if (value.rank !== 4) {
    throw new ShapeError({ fn, argument, expected: `of rank 4 (${layout})`, given: value.shape });
  }
  return value as tf.Tensor4D;
}
