import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import {
  checkInteger,
  checkRank,
  type LayerCallKwargs as Kwargs,
  type Predictive,
  type Seed,
  type LayerShape as Shape,
  singleShape,
} from '@uqjs/core';
import { diagonalLatents } from './diagonal-latents.js';
import type { HeadPredictiveOptions } from './heteroscedastic-head.js';
import { type LatentModel, type McEngineResult, mcEngine } from './mc-engine.js';
import { MonteCarloHead, type MonteCarloHeadArgs } from './monte-carlo-head.js';
import { softmaxLink } from './softmax-link.js';
import { tidyObject } from './tidy-object.js';

/**
 * Arguments of {@link MCSoftmaxDense}.
 *
 * @since 0.1.0
 */
export interface MCSoftmaxDenseArgs extends MonteCarloHeadArgs {
  /** Number of classes `K` (>= 2). */
  numClasses: number;
  /** Initializer of the location kernel. Default: `glorotUniform`, seeded from the head's seed. */
  kernelInitializer?: unknown;
  /** Initializer of the location bias. Default `zeros`. */
  biasInitializer?: unknown;
  /** Initializer of the scale kernel. Default: `glorotUniform`, seeded from the head's seed. */
  scaleKernelInitializer?: unknown;
  /** Initializer of the scale bias. Default `zeros`. */
  scaleBiasInitializer?: unknown;
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
export class MCSoftmaxDense extends MonteCarloHead {
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

  override build(inputShape: Shape | Shape[]): void {
    this.buildLocScale(
      this.inputDim(singleShape(inputShape, 'MCSoftmaxDense.build')),
      this.numClasses,
    );
    this.buildTemperature();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'MCSoftmaxDense.computeOutputShape');
    this.inputDim(shape); // rank >= 2 and, once built, the feature size it was built for
    return [...shape.slice(0, -1), this.numClasses];
  }

  /** The latent model of features `[B, ..., D]` drawn with `seed` (the factor head overrides it). */
  protected latentModel(features: tf.Tensor, seed: Seed): LatentModel {
    const { loc, scale } = this.locScale(features);
    return diagonalLatents(loc, scale, {
      noise: this.noise,
      seed,
      shareSamplesAcrossBatch: this.shareSamplesAcrossBatch,
    });
  }

  private estimate(
    features: tf.Tensor,
    training: boolean,
    computeVariance: boolean,
    argmax = false,
  ): McEngineResult {
    const model = this.latentModel(features, this.nextSeed(training));
    return mcEngine(model, softmaxLink, this.engineOptions(training, computeVariance, argmax));
  }

  /**
   * Log predictive probabilities `[B, ..., K]` of features `[B, ..., D]`.
   *
   * @throws `ShapeError` naming the layer for a rank-1 input or a feature size other than the
   * one it was built for; `InvalidArgumentError` for NaN or ±Infinity features (`checkValues`).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const features = this.callFeatures(inputs);
      return this.estimate(features, kwargs?.training === true, false).logProbs;
    });
  }

  /**
   * The predictive of features `[B, D]`: `probs [B, K]` and, with `computeVariance`, the
   * per-class variance over samples `[B, K]`; inference seed and `testSamples`, so `probs`
   * equals `tf.exp(layer.apply(features))` for the same batch. With `argmax: true` the exact
   * model: the frequencies of `argmax_c z_c` over the same samples.
   */
  override predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive {
    checkRank(features, 2, 'features', 'MCSoftmaxDense.predictive');
    this.checkFeatures(features, 'predictive', 'features');
    const { computeVariance, argmax } = this.predictiveOptions(opts, this.computeVariance);
    return tidyObject(() => {
      const { probs, variance } = this.estimate(features, false, computeVariance, argmax);
      return variance === undefined ? { probs } : { probs, variance };
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), numClasses: this.numClasses };
  }
}

serialization.registerClass(MCSoftmaxDense);
