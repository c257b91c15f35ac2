import * as tf from '@tensorflow/tfjs-core';
import {
  checkOptionsObject as checkCoreOptionsObject,
  checkPositive,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';

/** Input checks shared by the heteroscedastic heads (this package's and `@uqjs/mc-sigmoid`'s). */

/**
 * Checks that `value` is a tensor of rank >= `minRank`; `layout` describes it, e.g. `[B, ..., K]`.
 *
 * @since 0.1.0
 */
export function checkMinRank(
  value: unknown,
  minRank: number,
  layout: string,
  argument: string,
  fn: string,
): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError({ fn, argument, expected: 'a tf.Tensor', given: value });
  }
  if (value.rank < minRank) {
    throw new ShapeError({
      fn,
      argument,
      expected: `of rank >= ${minRank} (${layout})`,
      given: value.shape,
    });
  }
  return value;
}

/**
 * Checks an options argument: `undefined` gives `{}`; anything but a plain object (`null`, a
 * number, an array, a tensor) is an `InvalidArgumentError` naming `argument` and `fn`. A thin
 * delegation to `@uqjs/core`'s `checkOptionsObject` (kept as this package's public name).
 *
 * @example
 * ```ts
 * checkOptionsObject(null, 'opts', 'mcSoftmax');
 * // throws: mcSoftmax: opts must be an options object (or undefined), got null
 * ```
 * @since 0.1.0
 */
export function checkOptionsObject<T extends object>(
  value: T | undefined,
  argument: string,
  fn: string,
): T {
  return checkCoreOptionsObject(value, argument, fn);
}

/** Checks a temperature: a number > 0 or a scalar tensor (whose value is checked by the caller). */
export function checkTemperature(value: unknown, argument: string, fn: string): number | tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 0) {
      throw new ShapeError({ fn, argument, expected: 'a scalar tensor', given: value.shape });
    }
    return value;
  }
  return checkPositive(value, argument, fn);
}
