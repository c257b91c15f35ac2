import type * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { Predictive } from '@uqjs/core';
import {
  type DenseLatents,
  DenseMonteCarloHead,
  type DenseMonteCarloHeadArgs,
  type LikelihoodLink,
  type McEngineResult,
} from '@uqjs/mc-softmax';
import { binaryPredictive, checkNumOutputs, predictiveLogit } from './binary-head.js';
import { binaryResult } from './mc-sigmoid.js';
import { sigmoidLink } from './sigmoid-link.js';

/**
 * Arguments of {@link MCSigmoidDense}.
 *
 * @since 0.1.0
 */
export interface MCSigmoidDenseArgs extends DenseMonteCarloHeadArgs {
  /** Number of independent binary outputs `O` (multi-label when > 1). Default 1. */
  numOutputs?: number;
}

/**
 * A heteroscedastic binary / multi-label head, a drop-in replacement for a `Dense` output
 * layer with a sigmoid: per output a latent `y* = loc + scale * u` with
 * `loc = h W + b`, `scale = softplus(h W_s + b_s) + minScale`, smoothed by `mcSigmoid`.
 *
 * Output: the predictive logit `log P(y = 1) - log P(y = 0)` `[B, ..., O]`, each term a
 * log-mean-exp over samples, so `tf.sigmoid(model.predict(x))` is `P(y = 1)` and
 * `binaryLogitNll` (sigmoid cross-entropy on that logit) is the exact NLL. Samples, seeds,
 * temperature, input checks (`checkValues`) and serialization as in `MCSoftmaxDense`. The noise
 * picks the exact model as in `mcSigmoid`: probit (`'normal'`), logit (`'logistic'`) or
 * complementary log-log (`'gumbel'`, `P(y = 1) = 1 - exp(-exp(loc / scale))` as `tau -> 0`).
 *
 * Shapes: input `[B, ..., D]`; output `[B, ..., O]`.
 *
 * @example
 * ```ts
 * const model = sequential({ layers: [
 *   layers.dense({ inputShape: [16], units: 32, activation: 'relu' }),
 *   new MCSigmoidDense({ numOutputs: 1, temperature: 0.5, trainSamples: 100, seed: 1 }),
 * ] });
 * model.compile({ optimizer: 'adam', loss: binaryLogitNll });
 * const pOne = tf.sigmoid(model.predict(x) as tf.Tensor); // [B, 1]
 * ```
 * @since 0.1.0
 */
export class MCSigmoidDense extends DenseMonteCarloHead {
  /** @nocollapse */
  static className = 'MCSigmoidDense';
  /** Number of binary outputs `O`. */
  readonly numOutputs: number;

  /**
   * @param args the layer arguments.
   * @param extraInitializerRoles initializer roles a subclass adds (the factor head's).
   */
  constructor(args: MCSigmoidDenseArgs, extraInitializerRoles: readonly string[] = []) {
    super(args, extraInitializerRoles);
    this.numOutputs = checkNumOutputs(args?.numOutputs, 'MCSigmoidDense');
  }

  protected override latents(): DenseLatents {
    return { argument: 'numOutputs', count: this.numOutputs };
  }

  protected override link(): LikelihoodLink {
    return sigmoidLink;
  }

  /**
   * The predictive logit `log P(y = 1) - log P(y = 0)`, `[B, ..., O]`, from the sigmoid link's
   * outcomes `[2, B, ..., O]` (the output of `call`).
   */
  protected override callOutput({ probs, logProbs, variance }: McEngineResult): tf.Tensor {
    return predictiveLogit(binaryResult(probs, logProbs, variance).logProbs);
  }

  /**
   * The two-class predictive (one output only): `probs` `[B, 2]` = `[P(y = 0), P(y = 1)]`,
   * and with `computeVariance` the variance over samples `[B, 2]`. With `argmax: true` the
   * exact model: the frequency of `y* > 0` over the same samples.
   */
  protected override toPredictive(result: McEngineResult, fn: string): Predictive {
    const { logProbs, variance } = binaryResult(result.probs, result.logProbs, result.variance);
    return binaryPredictive(logProbs, this.numOutputs, fn, variance);
  }
}

serialization.registerClass(MCSigmoidDense);
