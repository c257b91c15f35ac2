import { getBackend, type Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkPositiveInteger,
  checkProbabilities,
  deriveSeed,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { dropoutSites } from './dropout-sites.js';
import { checkModelAndInput, monteCarloPasses, readPassOptions } from './monte-carlo-passes.js';

const FN = 'mcDropoutPredict';

/**
 * Options of {@link mcDropoutPredict}.
 *
 * @since 0.1.0
 */
export interface MCDropoutPredictOptions {
  /** Number of stochastic forward passes `S`. Default `50`. */
  numSamples?: number;
  /** Rows of `x` per forward pass. Default `128`. */
  batchSize?: number;
  /**
   * Seed of the dropout masks. Default `0`. The same seed, `numSamples` and `batchSize` give
   * the same members; the mask of dropout layer `i` in pass `s` over batch `b` is drawn with
   * `deriveSeed(seed, s, b, i)`.
   */
  seed?: number;
  /**
   * What the model's output `[B, K]` holds: `'probabilities'` (a softmax output layer; rows
   * are checked to sum to 1 on the first pass) or `'logits'` (softmax is applied per pass).
   * Default `'probabilities'`.
   */
  output?: 'probabilities' | 'logits';
}

/**
 * Monte Carlo dropout prediction (Gal and Ghahramani, 2016): `S` stochastic forward passes with
 * fresh dropout masks, averaged as probabilities.
 *
 * Shapes: `x` `[N, ...]` (the model's input); result `members` `[S, N, K]`,
 * `probs = mean_s members[s]` `[N, K]`, `variance = mean_s (members[s] - probs)^2` `[N, K]`
 * (population variance over samples).
 *
 * Works with any single-input, single-output tfjs-layers model holding `MCDropout` layers
 * and/or standard `tf.layers.dropout` / `spatialDropout1d` layers, found through nested
 * models and wrappers. The model runs in inference mode (`training: false`), so BatchNorm
 * uses its moving statistics and does not update them; only the dropout layers are switched
 * on, by wrapping their `call` with `training: true` for the duration of this call (restored
 * afterwards, also on error). Other stochastic layers (`gaussianDropout`, `alphaDropout`,
 * `gaussianNoise`) stay in inference mode, i.e. off.
 *
 * @example
 * ```ts
 * const { probs, members, variance } = mcDropoutPredict(model, xTest, { numSamples: 30, seed: 7 });
 * // probs [N, K]; members [30, N, K]; variance [N, K]
 * ```
 * @throws InvalidArgumentError when the model has no dropout layer with `rate > 0`, or an
 *   option is out of range. ShapeError when `x` does not match the model's input rank or the
 *   output is not `[B, K]` with `K >= 2`.
 * @since 0.1.0
 */
export function mcDropoutPredict(
  model: LayersModel,
  x: Tensor,
  options: MCDropoutPredictOptions = {},
): Predictive {
  checkModelAndInput(model, x, FN);
  const { batchSize, seed, output } = readPassOptions(
    options,
    FN,
    'an object { numSamples?, batchSize?, seed?, output? }',
  );
  const numSamples = checkPositiveInteger(options.numSamples ?? 50, 'options.numSamples', FN);

  const sites = dropoutSites(model);
  if (sites.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a model with at least one MCDropout or Dropout layer with rate > 0',
      given: `model '${model.name}' without one`,
    });
  }
  return monteCarloPasses(model, x, {
    fn: FN,
    numSamples,
    batchSize,
    output,
    beforeBatch: (s, b) => {
      sites.forEach((site, i) => {
        site.seed(deriveSeed(seed, s, b, i));
      });
    },
    checkFirstBatch: output === 'probabilities' ? checkProbabilityRows : undefined,
    restore: () => {
      for (const site of sites) site.restore();
    },
  });
}

/** Checks that the rows of the model's output `[B, K]` are probability vectors. */
function checkProbabilityRows(out: Tensor): void {
  // sync read: mcDropoutPredict is synchronous; webgpu cannot read back without awaiting, so
  // there the probability check is skipped.
  if (getBackend() !== 'webgpu')
    checkProbabilities(out.dataSync(), out.shape[1]!, 'model output', FN);
}
