import type * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { checkInteger, type Predictive } from '@uqjs/core';
import {
  type DenseLatents,
  DenseMonteCarloHead,
  type DenseMonteCarloHeadArgs,
} from './dense-monte-carlo-head.js';
import type { LikelihoodLink, McEngineResult } from './mc-engine.js';
import { softmaxLink } from './softmax-link.js';

/**
 * Arguments of {@link MCSoftmaxDense}.
 *
 * @since 0.1.0
 */
export interface MCSoftmaxDenseArgs extends DenseMonteCarloHeadArgs {
  /** Number of classes `K` (>= 2). */
  numClasses: number;
}

/**
 * A heteroscedastic classification head, a drop-in replacement for a `Dense` output layer
 * (Collier et al., "Analysis of Softmax Approximation for Deep Classifiers under
 * Input-Dependent Label Noise").
 *
 * From features `h` it computes per-class latent locations `loc = h W + b` and scales
 * `scale = softplus(h W_s + b_s) + minScale` (or `|.|`), and outputs the LOG predictive
 * probabilities of `mcSoftmax(loc, scale)`: `log mean_s softmax((loc + scale * u_s) / tau)`.
 * Train it with `logProbNll`; `tf.exp(model.predict(x))` gives probabilities.
 *
 * Samples: `trainSamples` when called with `training: true` (`fit`), `testSamples` otherwise
 * (`predict`, `evaluate`). Seeds: see `MonteCarloHeadArgs.seed`: fresh noise per training
 * step, identical noise for every inference call, so predictions are deterministic and
 * survive `model.save` / `tf.loadLayersModel` bit for bit.
 *
 * Shapes: input `[B, ..., D]` (the projection acts on the last axis), output `[B, ..., K]`.
 * Weights: `locKernel [D, K]`, `locBias [K]`, `scaleKernel [D, K]`, `scaleBias [K]`, and
 * `temperatureLogit []` when the temperature is learned.
 *
 * With a homoscedastic model (no scale), a temperature is plain `softmax(logits / tau)`:
 * a `Dense` layer followed by a division by `tau`, no need for this layer.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { layers, sequential } from '@tensorflow/tfjs-layers';
 * import { logProbNll, MCSoftmaxDense } from '@uqjs/mc-softmax';
 *
 * const model = sequential({ layers: [
 *   layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
 *   new MCSoftmaxDense({ numClasses: 10, temperature: 0.5, trainSamples: 100, seed: 1 }),
 * ] });
 * model.compile({ optimizer: 'adam', loss: logProbNll });
 * const probs = tf.exp(model.predict(x) as tf.Tensor); // [B, 10]
 * ```
 * @since 0.1.0
 */
export class MCSoftmaxDense extends DenseMonteCarloHead {
  /** @nocollapse */
  static className = 'MCSoftmaxDense';
  /** Number of classes `K`. */
  readonly numClasses: number;

  /**
   * @param args the layer arguments.
   * @param extraInitializerRoles initializer roles a subclass adds (the factor head's).
   */
  constructor(args: MCSoftmaxDenseArgs, extraInitializerRoles: readonly string[] = []) {
    super(args, extraInitializerRoles);
    this.numClasses = checkInteger(args?.numClasses, 'numClasses', 'MCSoftmaxDense', 2);
  }

  protected override latents(): DenseLatents {
    return { argument: 'numClasses', count: this.numClasses };
  }

  protected override link(): LikelihoodLink {
    return softmaxLink;
  }

  /** Log predictive probabilities `[B, ..., K]` (the output of `call`). */
  protected override callOutput(result: McEngineResult): tf.Tensor {
    return result.logProbs;
  }

  /**
   * `probs [B, K]` and, with `computeVariance`, the per-class variance over samples `[B, K]`:
   * `probs` equals `tf.exp(layer.apply(features))` for the same batch; with `argmax: true`
   * the frequencies of `argmax_c z_c` over the same samples.
   */
  protected override toPredictive({ probs, variance }: McEngineResult): Predictive {
    return variance === undefined ? { probs } : { probs, variance };
  }
}

serialization.registerClass(MCSoftmaxDense);
