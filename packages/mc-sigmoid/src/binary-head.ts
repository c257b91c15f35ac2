import * as tf from '@tensorflow/tfjs-core';
import type { LayerShape } from '@uqjs/core';
import { checkInteger, InvalidArgumentError, type Predictive } from '@uqjs/core';

/**
 * What the binary head layers share (internal): the output count, the output (the predictive
 * logit) and the `Predictive` of a single-output head.
 */

/** Checks `numOutputs` (default 1). */
export function checkNumOutputs(value: unknown, fn: string): number {
  return checkInteger(value ?? 1, 'numOutputs', fn, 1);
}

/** `[B, ..., D]` -> `[B, ..., O]`. */
export function binaryOutputShape(inputShape: LayerShape, numOutputs: number): LayerShape {
  return [...inputShape.slice(0, -1), numOutputs];
}

/**
 * The predictive logit `log P(y = 1) - log P(y = 0)` `[B, ..., O]` from `logProbs`
 * `[B, ..., O, 2]`: `sigmoid` of it is `P(y = 1)` and sigmoid cross-entropy on it is `-log P(y)`.
 */
export function predictiveLogit(logProbs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [logZero, logOne] = tf.unstack(logProbs, logProbs.rank - 1);
    return tf.sub(logOne!, logZero!);
  });
}

/**
 * The `Predictive` of a one-output head: the two classes as `probs` `[B, 2]` from `logProbs`
 * `[B, 1, 2]`, and the variance of `P(y = 1)` (equal to that of `P(y = 0)`) for both classes.
 */
export function binaryPredictive(
  logProbs: tf.Tensor,
  numOutputs: number,
  fn: string,
  variance?: tf.Tensor,
): Predictive {
  if (numOutputs !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numOutputs',
      expected: '1 for a two-class Predictive (use the layer output or mcSigmoid for multi-label)',
      given: numOutputs,
    });
  }
  const batch = logProbs.shape[0]!;
  const probs = tf.tidy(() => tf.exp(tf.reshape(logProbs, [batch, 2]))); // [B, 1, 2] -> [B, 2]
  if (variance === undefined) return { probs };
  return { probs, variance: tf.tidy(() => tf.tile(tf.reshape(variance, [batch, 1]), [1, 2])) };
}
