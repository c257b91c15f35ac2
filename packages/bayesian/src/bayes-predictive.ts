import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel, layers } from '@tensorflow/tfjs-layers';
import {
  checkPositiveInteger,
  deriveSeed,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { checkModelAndInput, monteCarloPasses, readPassOptions } from '@uqjs/mc-dropout';
import { BayesianLayer } from './bayesian-layer.js';
import { bayesianPassSeeds } from './pass-seed.js';

const FN = 'bayesPredictive';

/**
 * Options of {@link bayesPredictive}.
 *
 * @since 0.1.0
 */
export interface BayesPredictiveOptions {
  /** Rows of `x` per forward pass. Default `128`. */
  batchSize?: number;
  /**
   * Seed of the weight draws. Default `0`. In pass `s`, Bayesian layer `i` (depth-first order)
   * samples with `deriveSeed(seed, s, i)` for every batch, so a pass is one network; the same
   * seed gives the same members, whatever the layers' own seeds and call counts.
   */
  seed?: number;
  /**
   * What the model's output `[B, K]` holds: `'probabilities'` (a softmax output layer, used as
   * is) or `'logits'` (softmax is applied per pass). Default `'probabilities'`.
   */
  output?: 'probabilities' | 'logits';
}

type Layer = layers.Layer;

/**
 * The checked arguments of a Bayesian Monte Carlo predictive (internal: `bayesPredictive` and
 * `rank1Predict`): the model and its input, `numSamples` and the pass options.
 */
export function readPredictiveArgs(
  model: LayersModel,
  x: Tensor,
  numSamples: number,
  options: BayesPredictiveOptions,
  fn: string,
): ReturnType<typeof readPassOptions> {
  checkModelAndInput(model, x, fn);
  checkPositiveInteger(numSamples, 'numSamples', fn);
  return readPassOptions(options, fn, 'an object { batchSize?, seed?, output? }');
}

/**
 * Sets the pass seed of every layer in `stochastic` for Monte Carlo pass `s`: layer `i` draws
 * with `deriveSeed(seed, s, i)` (internal).
 */
export function seedPass(stochastic: readonly object[], seed: number, s: number): void {
  stochastic.forEach((layer, i) => {
    bayesianPassSeeds.set(layer, deriveSeed(seed, s, i));
  });
}

/** Clears the pass seeds {@link seedPass} set: layers use their own seeds again (internal). */
export function clearPassSeeds(stochastic: readonly object[]): void {
  for (const layer of stochastic) bayesianPassSeeds.set(layer, undefined);
}

/** The Bayesian layers of `model`, depth first through nested models and wrappers. */
function bayesianLayers(model: Layer): BayesianLayer[] {
  const found: BayesianLayer[] = [];
  const seen = new Set<Layer>();
  const visit = (layer: Layer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    if (layer instanceof BayesianLayer) {
      found.push(layer);
      return;
    }
    const holder = layer as unknown as { layers?: unknown; layer?: unknown };
    if (Array.isArray(holder.layers)) (holder.layers as Layer[]).forEach(visit);
    else if (holder.layer !== undefined && holder.layer !== null) visit(holder.layer as Layer);
  };
  visit(model);
  return found;
}

/**
 * The Monte Carlo predictive of a Bayes by Backprop network: `S` forward passes, each with
 * fresh seeded weight draws of every Bayesian layer (`DenseReparameterization`,
 * `DenseFlipout`, `Conv2DReparameterization`, `Conv2DFlipout`), averaged as probabilities.
 * Rank-1 networks (`Rank1BayesianDense`) have their own predictive, `rank1Predict`.
 *
 * Shapes: `x` `[N, D...]` (the model's input); `members` `[S, N, K]`,
 * `probs = mean_s members[s]` `[N, K]`, `variance` the population variance over passes
 * `[N, K]`.
 *
 * @example
 * ```ts
 * const { probs, members } = bayesPredictive(model, xTest, 100, { seed: 7 }); // [N, K], [100, N, K]
 * ```
 * @throws {InvalidArgumentError} when the model has no Bayesian layer or an option is out of
 *   range. {ShapeError} when `x` does not match the model's input rank or the output is not
 *   `[B, K]` with `K >= 2`.
 * @since 0.1.0
 */
export function bayesPredictive(
  model: LayersModel,
  x: Tensor,
  numSamples: number,
  options: BayesPredictiveOptions = {},
): Predictive {
  const { batchSize, seed, output } = readPredictiveArgs(model, x, numSamples, options, FN);
  const bayesian = bayesianLayers(model);
  if (bayesian.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected:
        'a model with at least one Bayesian layer (DenseReparameterization, DenseFlipout, Conv2DReparameterization, Conv2DFlipout)',
      given: `model '${model.name}' without one`,
    });
  }
  return monteCarloPasses(model, x, {
    fn: FN,
    numSamples,
    batchSize,
    output,
    beforePass: (s) => seedPass(bayesian, seed, s),
    restore: () => clearPassSeeds(bayesian),
  });
}
