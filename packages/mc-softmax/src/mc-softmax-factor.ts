import type * as tf from '@tensorflow/tfjs-core';
import { checkSameShape } from '@uqjs/core';
import { checkTensorValues } from '@uqjs/noise';
import { checkMinRank } from './checks.js';
import { checkLoadings, factorLatents } from './factor-latents.js';
import { mcEngine } from './mc-engine.js';
import { asFloat32, checkMcOptions, type McOptions } from './mc-options.js';
import type { McSoftmaxResult } from './mc-softmax.js';
import { softmaxLink } from './softmax-link.js';
import { tidyObject } from './tidy-object.js';

const FN = 'mcSoftmaxFactor';

/**
 * The Monte Carlo softmax of correlated heteroscedastic latents: low-rank plus diagonal
 * Normal noise (Collier et al. 2021, "Correlated input-dependent label noise in large-scale
 * image classification"; edward2's `MCSoftmaxDenseFA`).
 *
 *     z_s = loc + V e_R,s + d * e_K,s,   Cov(z) = V V^T + diag(d^2)
 *     probs = (1/S) sum_s softmax(z_s / tau)
 *
 * With `R` factors the noise covariance couples classes (e.g. noise that confuses "cat" with
 * "dog" but not with "truck") at a cost of `R` extra numbers per class, against `K` for a full
 * covariance. Same engine, options and results as {@link mcSoftmax} (Normal noise only): log
 * space, chunked sampling recomputed in the backward pass, `argmax`, `computeVariance`.
 * `V = 0` gives `mcSoftmax(loc, diagScale)` sample for sample.
 *
 * Shapes: `loc`, `diagScale` `[B, ..., K]`; `factorLoadings` `[B, ..., K, R]`, `1 <= R <= K`;
 * results `[B, ..., K]`.
 *
 * @example
 * ```ts
 * const loc = tf.tensor2d([[1, 0, -1]]);
 * const loadings = tf.tensor3d([[[1], [1], [0]]]); // classes 0 and 1 share one noise factor
 * const diag = tf.tensor2d([[0.1, 0.1, 0.1]]);
 * const { probs } = mcSoftmaxFactor(loc, loadings, diag, { temperature: 0.5, seed: 2 });
 * ```
 * @throws `ShapeError` for mismatched shapes or `numFactors > numClasses`; the errors of
 * {@link mcSoftmax} for the options, NaN, and negative `diagScale`.
 * @since 0.1.0
 */
export function mcSoftmaxFactor(
  loc: tf.Tensor,
  factorLoadings: tf.Tensor,
  diagScale: tf.Tensor,
  opts?: McOptions,
): McSoftmaxResult {
  const location = checkMinRank(loc, 2, '[B, ..., K]', 'loc', FN);
  const diagonal = checkMinRank(diagScale, 2, '[B, ..., K]', 'diagScale', FN);
  checkSameShape(location, diagonal, 'loc', 'diagScale', FN);
  checkLoadings(location, factorLoadings, FN);
  const loadings = factorLoadings;
  const checked = checkMcOptions(opts, FN);
  if (checked.checkValues) {
    checkTensorValues(location, 'loc', FN);
    checkTensorValues(loadings, 'factorLoadings', FN);
    checkTensorValues(diagonal, 'diagScale', FN, { nonNegative: true });
  }
  return tidyObject(() => {
    const model = factorLatents(asFloat32(location), asFloat32(loadings), asFloat32(diagonal), {
      seed: checked.seed,
      shareSamplesAcrossBatch: checked.shareSamplesAcrossBatch,
    });
    return mcEngine(model, softmaxLink, checked.engine);
  });
}
