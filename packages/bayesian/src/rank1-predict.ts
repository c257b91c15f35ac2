import { type Tensor, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, type Predictive } from '@uqjs/core';
import { batchEnsembleMembers, membersPredictive } from '@uqjs/ensembles';
import { clearPassSeeds, readPredictiveArgs, seedPass } from './bayes-predictive.js';
import { Rank1BayesianDense } from './rank1-bayesian-dense.js';

const FN = 'rank1Predict';

/**
 * Options of {@link rank1Predict}.
 *
 * @since 0.1.0
 */
export interface Rank1PredictOptions {
  /** Rows of `x` per forward pass. Default `128`. */
  batchSize?: number;
  /**
   * Seed of the factor draws. Default `0`. In pass `s`, rank-1 layer `i` (in `model.layers`
   * order) draws with `deriveSeed(seed, s, i)` for every batch, so a pass is one network per
   * member and the result depends on `seed` alone.
   */
  seed?: number;
  /** What the model's output `[B, M, K]` holds. Default `'probabilities'`. */
  output?: 'probabilities' | 'logits';
}

/**
 * The Monte Carlo predictive of a rank-1 Bayesian network (one whose output `[B, M, K]` comes
 * from {@link Rank1BayesianDense} layers): `S` passes, each a seeded draw of every member's
 * factors read with `batchEnsembleMembers` (`@uqjs/ensembles`), so `M S` networks in all.
 *
 * Shapes: `x` `[N, ...]`; `members` `[S M, N, K]` (pass `s`, member `m` at `s M + m`),
 * `probs` their mean and `variance` their population variance, `[N, K]`.
 *
 * @example
 * ```ts
 * const { probs, members } = rank1Predict(model, xTest, 10, { seed: 7 }); // [N, K], [10 M, N, K]
 * ```
 * @throws {InvalidArgumentError} when `model.layers` holds no `Rank1BayesianDense` or an
 *   option is out of range. {ShapeError} when `x` does not match the model's input rank or the
 *   output is not `[B, M, K]` with `K >= 2`.
 * @since 0.1.0
 */
export function rank1Predict(
  model: LayersModel,
  x: Tensor,
  numSamples: number,
  options: Rank1PredictOptions = {},
): Predictive {
  const { batchSize, seed, output } = readPredictiveArgs(model, x, numSamples, options, FN);
  const rank1 = model.layers.filter((layer) => layer instanceof Rank1BayesianDense);
  if (rank1.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a model with a Rank1BayesianDense layer in model.layers',
      given: `model '${model.name}' without one`,
    });
  }
  try {
    // S passes, each a seeded draw of every member: [S M, N, K], pass-major.
    return tidy(() =>
      membersPredictive(
        batchEnsembleMembers(model, x, {
          output,
          batchSize,
          passes: numSamples,
          onPass: (s) => seedPass(rank1, seed, s),
        }),
      ),
    ) as Predictive;
  } finally {
    clearPassSeeds(rank1);
  }
}
