import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { asFloat32, tidyObject } from '@uqjs/mc-softmax';
import { checkNoiseKind, checkTensorValues, type NoiseKind, noiseFamily } from '@uqjs/noise';
import { type BinaryResult, checkBinaryInputs } from './mc-sigmoid.js';

const FN = 'exactSigmoid';

/**
 * The `tau -> 0` limit of `mcSigmoid` in closed form: the exact binary model
 * `P(y = 1) = P(loc + scale * u > 0) = 1 - F(-loc / scale)`, `F` the CDF of the noise `u`:
 *
 * - `'normal'`: the probit `Phi(loc / scale)`;
 * - `'logistic'`: the logit `sigmoid(loc / scale)` (also the two-utility Gumbel model: iid
 *   Gumbel noise on each class's utility has a logistic difference);
 * - `'gumbel'`: max-Gumbel noise on the latent, `F(x) = exp(-exp(-x))`, so
 *   `P(y = 1) = 1 - exp(-exp(loc / scale))`: the complementary log-log model
 *   (`P(y = 1) = 1 - 1/e = 0.632` at `loc = 0`).
 *
 * Both classes are computed in log space, `log P(y = 1) = logSurvival(-loc / scale)` and
 * `log P(y = 0) = logCdf(-loc / scale)` (`@uqjs/noise`), stable in both tails and
 * differentiable; no sampling, no temperature.
 *
 * Shapes: `loc`, `scale` `[B, ..., O]` with `scale > 0`; `probs` `[B, ..., O]`, `logProbs`
 * `[B, ..., O, 2]` (`[..., 0]` class 0, `[..., 1]` class 1).
 *
 * @example
 * ```ts
 * const { probs } = exactSigmoid(tf.tensor2d([[1.5]]), tf.tensor2d([[1]]), 'normal'); // [[0.9332]]
 * ```
 * @since 0.1.0
 */
export function exactSigmoid(
  loc: tf.Tensor,
  scale: tf.Tensor,
  noise: NoiseKind = 'normal',
): BinaryResult {
  const [location, spread] = checkBinaryInputs(loc, scale, FN);
  const kind = checkNoiseKind(noise, 'noise', FN);
  checkTensorValues(location, 'loc', FN);
  checkTensorValues(spread, 'scale', FN, { nonNegative: true });
  const minimum = tf.min(spread);
  // sync read: exactSigmoid is synchronous; webgpu cannot read back without awaiting, so there
  // the zero-scale check is skipped.
  const [min] = tf.getBackend() === 'webgpu' ? [1] : minimum.dataSync();
  minimum.dispose();
  if (min === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'scale',
      expected: '> 0 everywhere',
      given: 0,
    });
  }
  return exactSigmoidUnchecked(location, spread, kind);
}

/** {@link exactSigmoid} without input checks (for layers whose scale is > 0 by construction). */
export function exactSigmoidUnchecked(
  loc: tf.Tensor,
  scale: tf.Tensor,
  noise: NoiseKind,
): BinaryResult {
  const family = noiseFamily(noise);
  return tidyObject(() => {
    const minusT = tf.neg(tf.div(asFloat32(loc), asFloat32(scale)));
    const logOne = family.logSurvival(minusT); // P(u > -t) = 1 - F(-t)
    const logZero = family.logCdf(minusT); // P(u <= -t) = F(-t)
    return { probs: tf.exp(logOne), logProbs: tf.stack([logZero, logOne], -1) };
  });
}
