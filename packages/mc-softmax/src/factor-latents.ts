import * as tf from '@tensorflow/tfjs-core';
import {
  checkBoolean,
  checkSameShape,
  checkSeed,
  deriveSeed,
  type Seed,
  ShapeError,
} from '@uqjs/core';
import { noiseFamily } from '@uqjs/noise';
import { checkMinRank, checkOptionsObject } from './checks.js';
import { diagonalLatents } from './diagonal-latents.js';
import type { LatentModel } from './mc-engine.js';

const FN = 'factorLatents';

/**
 * Checks `factorLoadings` against `loc` (internal): shape `[...loc.shape, R]` with
 * `1 <= R <= K`; returns `R`. Errors name `fn`.
 */
export function checkLoadings(loc: tf.Tensor, factorLoadings: unknown, fn: string): number {
  const loadings = checkMinRank(factorLoadings, 3, '[B, ..., K, R]', 'factorLoadings', fn);
  const numClasses = loc.shape[loc.rank - 1]!;
  const matches =
    loadings.rank === loc.rank + 1 && loc.shape.every((size, i) => loadings.shape[i] === size);
  if (!matches) {
    throw new ShapeError({
      fn,
      argument: 'factorLoadings',
      expected: `of shape [${loc.shape.join(', ')}, R] (loc's shape and a factor axis)`,
      given: loadings.shape,
    });
  }
  const numFactors = loadings.shape[loadings.rank - 1]!;
  if (numFactors < 1 || numFactors > numClasses) {
    throw new ShapeError({
      fn,
      argument: 'factorLoadings',
      expected: `of shape [${loc.shape.join(', ')}, R] with 1 <= R <= ${numClasses} (numClasses)`,
      given: loadings.shape,
    });
  }
  return numFactors;
}

/**
 * Options of {@link factorLatents}.
 *
 * @since 0.1.0
 */
export interface FactorLatentsOptions {
  /** Seed of the noise; sample `s` depends only on `(seed, s)`. */
  readonly seed: Seed;
  /** Draw one noise per sample and reuse it for every batch row. */
  readonly shareSamplesAcrossBatch: boolean;
}

/**
 * Correlated (low-rank plus diagonal covariance) Normal latents (Collier et al. 2021,
 * "Correlated input-dependent label noise in large-scale image classification"):
 *
 *     z_s = loc + V e_R,s + d * e_K,s,   e_R,s ~ N(0, I_R), e_K,s ~ N(0, I_K)
 *
 * so `Cov(z) = V V^T + diag(d^2)` per row. It composes {@link diagonalLatents}: `loc + d * e_K`
 * is the diagonal model with the same seed (so `V = 0` gives exactly the diagonal head's
 * samples), and the factor term `V e_R` draws its noise from `deriveSeed(seed, 'factors')`.
 * Shapes and options are checked here (no values: the callers check those when they need to).
 *
 * Shapes: `loc`, `diagScale` `[B, ..., K]`; `factorLoadings` `[B, ..., K, R]`; noise
 * `e_K` `[C, B, ..., K]` and `e_R` `[C, N, R]` with `N = B * ...` (`[C, 1, ...]` when shared);
 * latents `[C, B, ..., K]`. Params, in order: `[loc, factorLoadings, diagScale]`.
 *
 * Backward of the factor term: `dL/dV[n, k, r] = sum_s dL/dz[s, n, k] e_R[s, n, r]`.
 *
 * @example
 * ```ts
 * const model = factorLatents(loc, loadings, diag, { seed: 1, shareSamplesAcrossBatch: false });
 * const z = model.latents(model.params, model.drawNoise(0, 500)); // [500, B, K]
 * ```
 * @throws `ShapeError` when `loc`, `diagScale` are not tensors of rank >= 2 and one shape, or
 * `factorLoadings` is not `[...loc.shape, R]` with `1 <= R <= K`; `InvalidArgumentError` for a
 * bad seed or flag.
 * @since 0.1.0
 */
export function factorLatents(
  loc: tf.Tensor,
  factorLoadings: tf.Tensor,
  diagScale: tf.Tensor,
  opts: FactorLatentsOptions,
): LatentModel {
  checkMinRank(loc, 2, '[B, ..., K]', 'loc', FN);
  checkMinRank(diagScale, 2, '[B, ..., K]', 'diagScale', FN);
  checkSameShape(loc, diagScale, 'loc', 'diagScale', FN);
  checkLoadings(loc, factorLoadings, FN);
  const options = checkOptionsObject<Partial<FactorLatentsOptions>>(opts, 'opts', FN);
  const seed = checkSeed(options.seed, 'opts.seed', FN);
  const share = checkBoolean(options.shareSamplesAcrossBatch, 'opts.shareSamplesAcrossBatch', FN);
  const diagonal = diagonalLatents(loc, diagScale, {
    noise: 'normal',
    seed,
    shareSamplesAcrossBatch: share,
  });
  const numFactors = factorLoadings.shape[factorLoadings.rank - 1]!;
  const numClasses = loc.shape[loc.rank - 1]!;
  const rows = loc.size / numClasses; // N = B * ... (all axes but the class axis)
  const normal = noiseFamily('normal');
  const factorSeed = deriveSeed(seed, 'factors');

  /** `V e_R`: `[C, B, ..., K]` from loadings `[B, ..., K, R]` and `e_R` `[C, N | 1, R]`. */
  const factorTerm = (loadings: tf.Tensor, eR: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const count = eR.shape[0]!;
      if (share) {
        // [C, R] x [N*K, R]^T -> [C, N*K] -> [C, B, ..., K]
        const product = tf.matMul(
          tf.reshape(eR, [count, numFactors]),
          tf.reshape(loadings, [rows * numClasses, numFactors]),
          false,
          true,
        );
        return tf.reshape(product, [count, ...loc.shape]);
      }
      // Per row n: [C, R] x [K, R]^T. eR [C, N, R] -> [N, C, R]; loadings -> [N, K, R].
      const product = tf.matMul(
        tf.transpose(eR, [1, 0, 2]),
        tf.reshape(loadings, [rows, numClasses, numFactors]),
        false,
        true,
      ); // [N, C, K]
      return tf.reshape(tf.transpose(product, [1, 0, 2]), [count, ...loc.shape]); // [C, N, K] -> [C, B, ..., K]
    });

  /** `dL/dV` `[B, ..., K, R]` from `dL/dz` `[C, B, ..., K]` and `e_R`. */
  const factorGradient = (dLatents: tf.Tensor, eR: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const count = eR.shape[0]!;
      if (share) {
        // [C, N*K]^T x [C, R] -> [N*K, R]
        const grad = tf.matMul(
          tf.reshape(dLatents, [count, rows * numClasses]),
          tf.reshape(eR, [count, numFactors]),
          true,
          false,
        );
        return tf.reshape(grad, factorLoadings.shape);
      }
      // Per row n: [K, C] x [C, R]. dz [C, N, K] -> [N, K, C]; eR [C, N, R] -> [N, C, R].
      const dz = tf.transpose(tf.reshape(dLatents, [count, rows, numClasses]), [1, 2, 0]);
      const grad = tf.matMul(dz, tf.transpose(eR, [1, 0, 2])); // [N, K, R]
      return tf.reshape(grad, factorLoadings.shape);
    });

  return {
    params: [loc, factorLoadings, diagScale],
    drawNoise: (first, count) => [
      ...diagonal.drawNoise(first, count),
      normal.sampleStandard([count, share ? 1 : rows, numFactors], factorSeed, first),
    ],
    latents: ([l, v, d], [eK, eR]) =>
      tf.tidy(() => tf.add(diagonal.latents([l!, d!], [eK!]), factorTerm(v!, eR!))),
    paramGradients: ([l, , d], [eK, eR], dLatents) => {
      const [dLoc, dDiag] = diagonal.paramGradients([l!, d!], [eK!], dLatents);
      return [dLoc!, factorGradient(dLatents, eR!), dDiag!];
    },
  };
}
