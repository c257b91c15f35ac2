import * as tf from '@tensorflow/tfjs-core';
import { checkPositive, InvalidArgumentError } from '@uqjs/core';

/**
 * A temperature learned within bounds: `tau = min + (max - min) * sigmoid(t)`, `t` a trained
 * scalar weight starting at `initial` (default: the midpoint `(min + max) / 2`).
 *
 * @since 0.1.0
 */
export interface LearnedTemperature {
  readonly learned: true;
  /** Lower bound, > 0. */
  readonly min: number;
  /** Upper bound, > min. */
  readonly max: number;
  /** Starting value, strictly between `min` and `max`. */
  readonly initial?: number;
}

/**
 * A head's temperature: a fixed number > 0, or {@link LearnedTemperature}.
 *
 * @since 0.1.0
 */
export type TemperatureSpec = number | LearnedTemperature;

/**
 * Checks a temperature spec; a learned one comes back with `initial` filled in.
 *
 * @example
 * ```ts
 * checkTemperatureSpec({ learned: true, min: 0.1, max: 5 }, 'temperature', 'MCSoftmaxDense');
 * // { learned: true, min: 0.1, max: 5, initial: 2.55 }
 * ```
 * @since 0.1.0
 */
export function checkTemperatureSpec(
  value: unknown,
  argument: string,
  fn: string,
): TemperatureSpec {
  if (typeof value === 'number') return checkPositive(value, argument, fn);
  const spec = value as Partial<LearnedTemperature> | null;
  if (spec === null || typeof spec !== 'object' || spec.learned !== true) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a number > 0 or { learned: true, min, max, initial? }',
      given: value,
    });
  }
  const min = checkPositive(spec.min, `${argument}.min`, fn);
  const max = checkPositive(spec.max, `${argument}.max`, fn);
  if (max <= min) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.max`,
      expected: `> min (${min})`,
      given: max,
    });
  }
  const initial = spec.initial ?? (min + max) / 2;
  if (typeof initial !== 'number' || !(initial > min && initial < max)) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.initial`,
      expected: `a number strictly between min (${min}) and max (${max})`,
      given: initial,
    });
  }
  return { learned: true, min, max, initial };
}

/** The starting value of the trained logit `t`: `logit((initial - min) / (max - min))`. */
export function temperatureLogitInit(spec: LearnedTemperature): number {
  const fraction = ((spec.initial ?? (spec.min + spec.max) / 2) - spec.min) / (spec.max - spec.min);
  return Math.log(fraction / (1 - fraction));
}

/** `tau = min + (max - min) * sigmoid(t)` from the trained logit `t` (a scalar). */
export function boundedTemperature(logit: tf.Tensor, spec: LearnedTemperature): tf.Tensor {
  return tf.add(spec.min, tf.mul(spec.max - spec.min, tf.sigmoid(logit)));
}
