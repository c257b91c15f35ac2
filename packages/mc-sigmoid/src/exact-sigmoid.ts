import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { asFloat32, tidyObject } from '@uqjs/mc-softmax';
import { checkNoiseKind, checkTensorValues, type NoiseKind, noiseFamily } from '@uqjs/noise';
import { binaryLatentNoise } from './binary-noise.js';
import { type BinaryResult, checkBinaryInputs } from './mc-sigmoid.js';

const FN = 'exactSigmoid';

/**
 * The `tau -> 0` limit of `mcSigmoid` in closed form: the exact binary model
 * `P(y = 1) = P(loc + scale * u > 0) = F(loc / scale)` for the latent's symmetric noise:
 *
 * - `'normal'`: the probit `Phi(loc / scale)`;
 * - `'logistic'`: the logit `sigmoid(loc / scale)`;
 * - `'gumbel'` (Gumbel noise on each class utility, logistic difference): `sigmoid(loc / scale)`.
 *
 * Both classes are computed in log space, `log P(y = 1) = logCdf(loc / scale)` and
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
  const [min] = minimum.dataSync();
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
  const family = noiseFamily(binaryLatentNoise(noise));
  return tidyObject(() => {
    const t = tf.div(asFloat32(loc), asFloat32(scale));
    const logOne = family.logCdf(t); // P(u > -t) = F(t) for symmetric u
    const logZero = family.logCdf(tf.neg(t));
    return { probs: tf.exp(logOne), logProbs: tf.stack([logZero, logOne], -1) };
  });
}
