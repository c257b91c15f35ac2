import type * as tf from '@tensorflow/tfjs-core';
import { checkOptionsObject, checkSameShape } from '@uqjs/core';
import { checkNoiseKind, checkTensorValues, type NoiseKind } from '@uqjs/noise';
import { checkMinRank } from './checks.js';
import { diagonalLatents } from './diagonal-latents.js';
import { type LikelihoodLink, type McEngineResult, mcEngine } from './mc-engine.js';
import { asFloat32, checkMcOptions, type McOptions } from './mc-options.js';
import { softmaxLink } from './softmax-link.js';
import { tidyObject } from './tidy-object.js';

/**
 * Options of {@link mcSoftmax}: the common {@link McOptions} and the noise family.
 *
 * @since 0.1.0
 */
export interface McSoftmaxOptions extends McOptions {
  /** Noise family of the latent utilities. Default `'normal'`. */
  readonly noise?: NoiseKind;
}

/**
 * What {@link mcSoftmax} returns; all `[B, ..., K]`.
 *
 * @since 0.1.0
 */
export interface McSoftmaxResult {
  /** Predictive probabilities `mean_s softmax((loc + scale * u_s) / tau)`; rows sum to 1. */
  readonly probs: tf.Tensor;
  /** `log probs`, computed in log space (log-mean-exp of per-sample log-softmax). */
  readonly logProbs: tf.Tensor;
  /** Per-class variance over samples of the per-sample probabilities (divided by `S`). */
  readonly variance?: tf.Tensor;
}

const FN = 'mcSoftmax';

/**
 * The Monte Carlo softmax of heteroscedastic latent utilities (Collier et al., "Analysis of
 * Softmax Approximation for Deep Classifiers under Input-Dependent Label Noise").
 *
 * Each class has a latent utility `y*_c = loc_c + scale_c * u_c`, `u_c` iid standard noise of
 * the chosen family; the label is `argmax_c y*_c`. The smoothed predictive is
 *
 *     probs[b, c] = (1/S) sum_s softmax((loc[b] + scale[b] * u_s[b]) / tau)[c]
 *
 * which tends to the exact `P(argmax = c)` as `tau -> 0` (`argmax: true` computes that exact
 * model directly, without smoothing and without gradients). `logProbs` is the log-mean-exp over
 * samples of per-sample log-softmax, so it stays finite, exact and differentiable at
 * `tau = 0.01`, where `log(clip(probs))` would be stuck at `log(eps)`.
 *
 * Samples beyond `maxSamplesInMemory` are processed in chunks; the backward pass redraws each
 * chunk from its seed instead of keeping it, so memory follows the chunk size. Because sample
 * `s` depends only on `(seed, s)`, the chunk size never changes the result.
 *
 * Shapes: `loc`, `scale` `[B, ..., K]` (extra middle axes such as pixels allowed); results
 * `[B, ..., K]`. Legend: `B` batch, `S` samples, `K` classes.
 *
 * @example
 * ```ts
 * const loc = tf.tensor2d([[2, 0, -1]]);
 * const scale = tf.tensor2d([[1, 3, 0.5]]);
 * const { probs, logProbs } = mcSoftmax(loc, scale, { temperature: 0.5, numSamples: 1000, seed: 1 });
 * ```
 * Seeds: with `seed` the same numbers on every call; without, fresh noise per call (see
 * `DEFAULT_MC_SEED`), which is what a hand-written training loop needs.
 *
 * @throws `InvalidArgumentError` / `ShapeError` naming the argument: rank < 2, shape mismatch,
 * `temperature <= 0`, non-positive sample counts, unknown noise, bad seed, NaN or negative
 * scale, `opts` that is not an options object (e.g. `null`).
 * @since 0.1.0
 */
export function mcSoftmax(
  loc: tf.Tensor,
  scale: tf.Tensor,
  opts?: McSoftmaxOptions,
): McSoftmaxResult {
  return mcDiagonal(loc, scale, opts, softmaxLink, FN, '[B, ..., K]');
}

/**
 * The Monte Carlo estimate of a likelihood link over latents with independent noise per
 * latent, `z = loc + scale * u`: the body of {@link mcSoftmax} (the softmax link) and of
 * `mcSigmoid` in `@uqjs/mc-sigmoid` (the sigmoid link). It checks `loc` and `scale` (tensors
 * of rank >= 2 and the same shape, `shape` naming their axes in errors, e.g. `'[B, ..., K]'`),
 * the options (`opts.noise`, default `'normal'`, and the common {@link McOptions}) and, with
 * `checkValues`, that `loc` is finite and `scale` finite and >= 0; then it runs `mcEngine` on
 * the diagonal latents (in a tidy: only the results are kept).
 *
 * Shapes: `loc`, `scale` `[B, ..., U]`; the results are the link's, over its outcomes.
 *
 * @example
 * ```ts
 * // mcSoftmax(loc, scale, opts) is
 * mcDiagonal(loc, scale, opts, softmaxLink, 'mcSoftmax', '[B, ..., K]');
 * ```
 * @throws as {@link mcSoftmax}, the messages starting with `fn`.
 * @since 0.2.0
 */
export function mcDiagonal(
  loc: tf.Tensor,
  scale: tf.Tensor,
  opts: McSoftmaxOptions | undefined,
  link: LikelihoodLink,
  fn: string,
  shape: string,
): McEngineResult {
  const location = checkMinRank(loc, 2, shape, 'loc', fn);
  const spread = checkMinRank(scale, 2, shape, 'scale', fn);
  checkSameShape(location, spread, 'loc', 'scale', fn);
  const options = checkOptionsObject(opts, 'opts', fn);
  const noise = checkNoiseKind(options.noise ?? 'normal', 'opts.noise', fn);
  const checked = checkMcOptions(options, fn);
  if (checked.checkValues) {
    checkTensorValues(location, 'loc', fn);
    checkTensorValues(spread, 'scale', fn, { nonNegative: true });
  }
  return tidyObject(() => {
    const model = diagonalLatents(asFloat32(location), asFloat32(spread), {
      noise,
      seed: checked.seed,
      shareSamplesAcrossBatch: checked.shareSamplesAcrossBatch,
    });
    return mcEngine(model, link, checked.engine);
  });
}
