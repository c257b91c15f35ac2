import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import {
  checkRank,
  InvalidArgumentError,
  type LayerCallKwargs as LayerKwargs,
  type LayerShape,
  type Predictive,
} from '@uqjs/core';
import {
  type HeadPredictiveOptions,
  HeteroscedasticHead,
  type HeteroscedasticHeadArgs,
  tidyObject,
} from '@uqjs/mc-softmax';
import {
  binaryOutputShape,
  binaryPredictive,
  checkNumOutputs,
  predictiveLogit,
} from './binary-head.js';
import { exactSigmoidUnchecked } from './exact-sigmoid.js';

/**
 * Arguments of {@link ExactSigmoidDense}.
 *
 * @since 0.1.0
 */
export interface ExactSigmoidDenseArgs extends HeteroscedasticHeadArgs {
  /** Number of independent binary outputs `O`. Default 1. */
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
 * The exact heteroscedastic binary head: `MCSigmoidDense` at `tau -> 0`, in closed form
 * (`exactSigmoid`): `P(y = 1) = Phi(loc / scale)` (normal), `sigmoid(loc / scale)` (logistic)
 * or `1 - exp(-exp(loc / scale))` (gumbel, the complementary log-log). No sampling, so it is
 * deterministic, cheap and has no temperature; the price is that only these noise families
 * have a closed form. Input checks (`checkValues`) as in `MCSoftmaxDense`.
 *
 * Output: the predictive logit `log P(y = 1) - log P(y = 0)` `[B, ..., O]` (train with
 * `binaryLogitNll`), both terms in log space.
 *
 * Shapes: input `[B, ..., D]`; output `[B, ..., O]`. Needs `scale > 0`: with
 * `scaleActivation: 'abs'` keep `minScale > 0`.
 *
 * @example
 * ```ts
 * const head = new ExactSigmoidDense({ numOutputs: 1, noise: 'normal', seed: 1 });
 * const model = sequential({ layers: [layers.dense({ inputShape: [16], units: 8 }), head] });
 * model.compile({ optimizer: 'adam', loss: binaryLogitNll });
 * ```
 * @since 0.1.0
 */
export class ExactSigmoidDense extends HeteroscedasticHead {
  /** @nocollapse */
  static className = 'ExactSigmoidDense';
  /** Number of binary outputs `O`. */
  readonly numOutputs: number;

  constructor(args: ExactSigmoidDenseArgs) {
    super(args);
    this.numOutputs = checkNumOutputs(args?.numOutputs, 'ExactSigmoidDense');
    if (this.scaleActivation === 'abs' && this.minScale === 0) {
      throw new InvalidArgumentError({
        fn: 'ExactSigmoidDense',
        argument: 'minScale',
        expected: "> 0 with scaleActivation 'abs' (the closed form divides by the scale)",
        given: 0,
      });
    }
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.buildLocScale(this.inputDim(this.singleShape(inputShape, 'build')), this.numOutputs);
    this.built = true;
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = this.singleShape(inputShape, 'computeOutputShape');
    this.inputDim(shape); // rank >= 2 and, once built, the feature size it was built for
    return binaryOutputShape(shape, this.numOutputs);
  }

  /**
   * The exact predictive logit `log P(y = 1) - log P(y = 0)`, `[B, ..., O]`.
   *
   * @throws `ShapeError` naming the layer for a rank-1 input or a feature size other than the
   * one it was built for; `InvalidArgumentError` for NaN or ±Infinity features (`checkValues`).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: LayerKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { loc, scale } = this.locScale(this.callFeatures(inputs));
      return predictiveLogit(exactSigmoidUnchecked(loc, scale, this.noise).logProbs);
    });
  }

  /**
   * The two-class predictive of features `[B, D]` (one output only): `probs` `[B, 2]`. The
   * head is exact already: `argmax: true` gives the same closed form; it has no variance over
   * samples (`computeVariance` is accepted and ignored).
   */
  override predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive {
    checkRank(features, 2, 'features', 'ExactSigmoidDense.predictive');
    this.checkFeatures(features, 'predictive', 'features');
    this.predictiveOptions(opts, false);
    return tidyObject(() => {
      const { loc, scale } = this.locScale(features);
      const { logProbs } = exactSigmoidUnchecked(loc, scale, this.noise);
      return binaryPredictive(logProbs, this.numOutputs, 'ExactSigmoidDense.predictive');
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), numOutputs: this.numOutputs };
  }
}

serialization.registerClass(ExactSigmoidDense);
