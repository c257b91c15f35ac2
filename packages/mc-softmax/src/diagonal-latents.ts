import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkSameShape, checkSeed, type Seed } from '@uqjs/core';
import { checkNoiseKind, type NoiseKind, noiseFamily } from '@uqjs/noise';
import { checkMinRank, checkOptionsObject } from './checks.js';
import type { LatentModel } from './mc-engine.js';
import { sumOverSamples } from './sample-sums.js';

const FN = 'diagonalLatents';

/**
 * Options of {@link diagonalLatents}.
 *
 * @since 0.1.0
 */
export interface DiagonalLatentsOptions {
  /** Noise family of `u`. */
  readonly noise: NoiseKind;
  /** Seed of the noise; sample `s` depends only on `(seed, s)`. */
  readonly seed: Seed;
  /** Draw one `[..., K]` noise per sample and reuse it for every batch row. */
  readonly shareSamplesAcrossBatch: boolean;
}

/**
 * Independent (diagonal-covariance) latents `z_s = loc + scale * u_s`, `u_s` iid standard
 * noise: the latent model of `mcSoftmax` and `mcSigmoid`. Shapes and options are checked
 * here (no values: the callers check those, with a read-back, when they need to).
 *
 * Shapes: `loc`, `scale` `[B, ..., K]`; noise `[C, B, ..., K]`, or `[C, 1, ..., K]` when shared
 * across the batch; latents `[C, B, ..., K]`.
 *
 * Backward: `dL/dloc = sum_s dL/dz_s`, `dL/dscale = sum_s u_s * dL/dz_s`. Without
 * `shareSamplesAcrossBatch` the model is marked `diagonal`, so on `wasm` with `@uqjs/backend`'s
 * fused kernels the engine forms the latents and these sums inside its kernels instead.
 *
 * @example
 * ```ts
 * const model = diagonalLatents(loc, scale, { noise: 'gumbel', seed: 3, shareSamplesAcrossBatch: false });
 * const z = model.latents(model.params, model.drawNoise(0, 10)); // [10, B, K]
 * ```
 * @throws `ShapeError` when `loc` or `scale` is not a tensor of rank >= 2 or their shapes
 * differ; `InvalidArgumentError` for a bad noise kind, seed or flag.
 * @since 0.1.0
 */
export function diagonalLatents(
  loc: tf.Tensor,
  scale: tf.Tensor,
  opts: DiagonalLatentsOptions,
): LatentModel {
  checkMinRank(loc, 2, '[B, ..., K]', 'loc', FN);
  checkMinRank(scale, 2, '[B, ..., K]', 'scale', FN);
  checkSameShape(loc, scale, 'loc', 'scale', FN);
  const options = checkOptionsObject<Partial<DiagonalLatentsOptions>>(opts, 'opts', FN);
  const family = noiseFamily(checkNoiseKind(options.noise, 'opts.noise', FN));
  const seed = checkSeed(options.seed, 'opts.seed', FN);
  const share = checkBoolean(options.shareSamplesAcrossBatch, 'opts.shareSamplesAcrossBatch', FN);
  // One sample's noise: the latent shape, or a single batch row broadcast over the batch.
  const noiseShape = share ? [1, ...loc.shape.slice(1)] : loc.shape;
  return {
    params: [loc, scale],
    // The fused kernels take loc, scale and u of one shape; shared noise is [C, 1, ..., K].
    diagonal: !share,
    drawNoise: (first, count) => [family.sampleStandard([count, ...noiseShape], seed, first)],
    // [B, ..., K] + [B, ..., K] * [C, B | 1, ..., K] -> [C, B, ..., K]
    latents: ([l, s], [u]) => tf.tidy(() => tf.add(l!, tf.mul(s!, u!))),
    paramGradients: (_params, [u], dLatents) => [
      sumOverSamples(dLatents),
      tf.tidy(() => sumOverSamples(tf.mul(dLatents, u!))),
    ],
  };
}
