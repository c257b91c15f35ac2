import * as tf from '@tensorflow/tfjs-core';
import { checkSameShape } from '@uqjs/core';
import { checkMinRank, type McOptions, mcDiagonal, tidyObject } from '@uqjs/mc-softmax';
import type { NoiseKind } from '@uqjs/noise';
import { sigmoidLink } from './sigmoid-link.js';

/**
 * Options of {@link mcSigmoid}: the common `McOptions` of `@uqjs/mc-softmax` and the noise.
 *
 * @since 0.1.0
 */
export interface McSigmoidOptions extends McOptions {
  /**
   * Noise `u` of the one latent `y* = loc + scale * u` (default `'normal'`):
   *
   * - `'normal'`: the probit model, `P(y = 1) -> Phi(loc / scale)` as `tau -> 0`;
   * - `'logistic'`: the logit model, `sigmoid(loc / scale)`. This is also the two-utility
   *   Gumbel model (iid Gumbel noise on each class's utility, as `mcSoftmax` with two
   *   classes): the difference of two iid standard Gumbels is standard logistic;
   * - `'gumbel'`: standard max-Gumbel noise on the latent itself, `F(x) = exp(-exp(-x))` (the
   *   convention of `@uqjs/noise`), so `P(y = 1) = P(u > -loc / scale) = 1 - F(-loc / scale)
   *   = 1 - exp(-exp(loc / scale))`: the complementary log-log model, asymmetric in `loc`.
   */
  readonly noise?: NoiseKind;
}

/**
 * What the binary heads return. Legend: `B` batch, `O` outputs, `...` extra middle axes.
 *
 * @since 0.1.0
 */
export interface BinaryResult {
  /** `P(y = 1)` per output, `[B, ..., O]`. */
  readonly probs: tf.Tensor;
  /** `[log P(y = 0), log P(y = 1)]` on a trailing axis, `[B, ..., O, 2]`, in log space. */
  readonly logProbs: tf.Tensor;
  /** Variance over samples of the per-sample `P(y = 1)`, `[B, ..., O]` (MC heads, when asked). */
  readonly variance?: tf.Tensor;
}

const FN = 'mcSigmoid';

/** Checks a binary head's `loc` and `scale`: tensors of rank >= 2 and the same shape. */
export function checkBinaryInputs(
  loc: unknown,
  scale: unknown,
  fn: string,
): [tf.Tensor, tf.Tensor] {
  const location = checkMinRank(loc, 2, '[B, ..., O]', 'loc', fn);
  const spread = checkMinRank(scale, 2, '[B, ..., O]', 'scale', fn);
  checkSameShape(location, spread, 'loc', 'scale', fn);
  return [location, spread];
}

/**
 * The Monte Carlo sigmoid of a heteroscedastic binary latent (Collier et al., "Analysis of
 * Softmax Approximation for Deep Classifiers under Input-Dependent Label Noise", appendix A).
 *
 * One latent per output, `y* = loc + scale * u` (the difference of the two class utilities);
 * the label is `y = [y* > 0]`. The smoothed predictive is
 *
 *     P(y = 1) = (1/S) sum_s sigmoid((loc + scale * u_s) / tau)
 *
 * exact as `tau -> 0`; `argmax: true` averages `[y*_s > 0]` instead (the exact model; see
 * `exactSigmoid` for its closed form). `logProbs` holds `log P(y = 0)` and `log P(y = 1)`,
 * each a log-mean-exp of `-softplus(x_s)` / `-softplus(-x_s)`, exact at small `tau`. Same
 * engine and options as `mcSoftmax`: chunked sampling recomputed in the backward pass, seeds,
 * `computeVariance`, `shareSamplesAcrossBatch`. Outputs (`O > 1`) are independent labels
 * (multi-label).
 *
 * The noise (`opts.noise`) picks the exact model: probit (`'normal'`), logit (`'logistic'`) or
 * complementary log-log (`'gumbel'`: `P(y = 1) = 1 - exp(-exp(loc / scale))`); see
 * {@link McSigmoidOptions.noise}. Without `opts.seed` every call draws fresh noise (see
 * `DEFAULT_MC_SEED` in `@uqjs/mc-softmax`); with one, the same numbers every call.
 *
 * Shapes: `loc`, `scale` `[B, ..., O]`; `probs`, `variance` `[B, ..., O]`; `logProbs`
 * `[B, ..., O, 2]`.
 *
 * @example
 * ```ts
 * const loc = tf.tensor2d([[1.5], [-0.3]]);
 * const scale = tf.tensor2d([[1], [2]]);
 * const { probs, logProbs } = mcSigmoid(loc, scale, { temperature: 0.3, seed: 1 }); // probs ~ [[0.93], [0.44]]
 * ```
 * @since 0.1.0
 */
export function mcSigmoid(loc: tf.Tensor, scale: tf.Tensor, opts?: McSigmoidOptions): BinaryResult {
  return tidyObject(() => {
    const outcomes = mcDiagonal(loc, scale, opts, sigmoidLink, FN, '[B, ..., O]');
    return binaryResult(outcomes.probs, outcomes.logProbs, outcomes.variance);
  });
}

/**
 * A {@link BinaryResult} from engine results over the sigmoid link's outcomes `[2, B, ..., O]`
 * (call inside a tidy): class 1 for `probs` and `variance`, and `logProbs` with the class axis
 * moved last, `[B, ..., O, 2]`.
 */
export function binaryResult(
  outcomeProbs: tf.Tensor,
  outcomeLogProbs: tf.Tensor,
  outcomeVariance?: tf.Tensor,
): BinaryResult {
  const classOne = (t: tf.Tensor) => tf.squeeze(tf.slice(t, 1, 1), [0]); // [2, ...] -> [...]
  // [2, B, ..., O] -> [B, ..., O, 2]
  const order = [...outcomeLogProbs.shape.keys()].slice(1);
  const logProbs = tf.transpose(outcomeLogProbs, [...order, 0]);
  const probs = classOne(outcomeProbs);
  return outcomeVariance === undefined
    ? { probs, logProbs }
    : { probs, logProbs, variance: classOne(outcomeVariance) };
}
