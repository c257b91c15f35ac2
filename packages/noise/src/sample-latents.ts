import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, checkSameShape, checkSeed, type Seed } from '@uqjs/core';
import { asFloat, checkTensor, checkTensorValues } from './check-tensor.js';
import { noiseFamily } from './noise-family.js';
import { checkNoiseKind, type NoiseKind } from './noise-kind.js';

const FN = 'sampleLatents';

/**
 * Reparameterized latent draws `loc + scale * u_s`, `u_s` iid standard noise of `kind`.
 * Gradients flow to `loc` and `scale` (the pathwise / reparameterization gradient).
 *
 * Shapes: `loc`, `scale` `[...]` (equal); result `[S, ...loc.shape]` with `S = numSamples`.
 * Sample `s` depends only on `(seed, s)`.
 *
 * @throws `InvalidArgumentError` / `ShapeError` naming the argument: non-tensors, mismatched
 * shapes, a bad sample count, kind or seed, NaN or ±Infinity in `loc` or `scale`, a negative
 * scale (the values are checked with one small read-back each).
 *
 * @example
 * ```ts
 * const loc = tf.tensor2d([[0, 1]]);
 * const scale = tf.tensor2d([[1, 0.5]]);
 * const z = sampleLatents(loc, scale, 100, 'normal', 7); // [100, 1, 2]
 * ```
 * @since 0.1.0
 */
export function sampleLatents(
  loc: tf.Tensor,
  scale: tf.Tensor,
  numSamples: number,
  kind: NoiseKind,
  seed: Seed,
): tf.Tensor {
  const location = checkTensor(loc, 'loc', FN);
  const spread = checkTensor(scale, 'scale', FN);
  checkSameShape(location, spread, 'loc', 'scale', FN);
  checkPositiveInteger(numSamples, 'numSamples', FN);
  const family = noiseFamily(checkNoiseKind(kind, 'kind', FN));
  checkSeed(seed, 'seed', FN);
  checkTensorValues(location, 'loc', FN);
  checkTensorValues(spread, 'scale', FN, { nonNegative: true });
  return tf.tidy(() => {
    const u = family.sampleStandard([numSamples, ...location.shape], seed);
    // [...] + [...] * [S, ...]: loc and scale broadcast over the leading sample axis.
    return tf.add(asFloat(location), tf.mul(asFloat(spread), u));
  });
}
