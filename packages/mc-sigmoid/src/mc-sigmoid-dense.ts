import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import {
  checkRank,
  type LayerCallKwargs as LayerKwargs,
  type LayerShape,
  type Predictive,
  type Seed,
} from '@uqjs/core';
import {
  diagonalLatents,
  type HeadPredictiveOptions,
  type LatentModel,
  MonteCarloHead,
  type MonteCarloHeadArgs,
  mcEngine,
  tidyObject,
} from '@uqjs/mc-softmax';
import {
  binaryOutputShape,
  binaryPredictive,
  checkNumOutputs,
  predictiveLogit,
} from './binary-head.js';
import { type BinaryResult, binaryResult } from './mc-sigmoid.js';
import { sigmoidLink } from './sigmoid-link.js';

/**
 * Arguments of {@link MCSigmoidDense}.
 *
 * @since 0.1.0
 */
export interface MCSigmoidDenseArgs extends MonteCarloHeadArgs {
  /** Number of independent binary outputs `O` (multi-label when > 1). Default 1. */
  numOutputs?: number;
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
export class MCSigmoidDense extends MonteCarloHead {
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

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.buildLocScale(this.inputDim(this.singleShape(inputShape, 'build')), this.numOutputs);
    this.buildTemperature();
    this.built = true;
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = this.singleShape(inputShape, 'computeOutputShape');
    this.inputDim(shape); // rank >= 2 and, once built, the feature size it was built for
    return binaryOutputShape(shape, this.numOutputs);
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

  /** The binary results of features `[B, ..., D]` (inside the caller's tidy). */
  private estimate(
    features: tf.Tensor,
    training: boolean,
    computeVariance: boolean,
    argmax = false,
  ): BinaryResult {
    const model = this.latentModel(features, this.nextSeed(training));
    const { probs, logProbs, variance } = mcEngine(
      model,
      sigmoidLink,
      this.engineOptions(training, computeVariance, argmax),
    );
    return binaryResult(probs, logProbs, variance);
  }

  /**
   * The predictive logit `log P(y = 1) - log P(y = 0)`, `[B, ..., O]`, of features `[B, ..., D]`.
   *
   * @throws `ShapeError` naming the layer for a rank-1 input or a feature size other than the
   * one it was built for; `InvalidArgumentError` for NaN or ±Infinity features (`checkValues`).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor {
    return tf.tidy(() => {
      const features = this.callFeatures(inputs);
      return predictiveLogit(this.estimate(features, kwargs?.training === true, false).logProbs);
    });
  }

  /**
   * The two-class predictive of features `[B, D]` (one output only): `probs` `[B, 2]` =
   * `[P(y = 0), P(y = 1)]`, and with `computeVariance` the variance over samples `[B, 2]`.
   * With `argmax: true` the exact model: the frequency of `y* > 0` over the same samples.
   */
  override predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive {
    checkRank(features, 2, 'features', `${this.getClassName()}.predictive`);
    this.checkFeatures(features, 'predictive', 'features');
    const { computeVariance, argmax } = this.predictiveOptions(opts, this.computeVariance);
    return tidyObject(() => {
      const { logProbs, variance } = this.estimate(features, false, computeVariance, argmax);
      return binaryPredictive(
        logProbs,
        this.numOutputs,
        `${this.getClassName()}.predictive`,
        variance,
      );
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), numOutputs: this.numOutputs };
  }
}

serialization.registerClass(MCSigmoidDense);
