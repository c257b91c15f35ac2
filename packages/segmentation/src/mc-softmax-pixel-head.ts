import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import {
  checkBoolean,
  checkInteger,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type Predictive,
  type Seed,
  type LayerShape as Shape,
  ShapeError,
} from '@uqjs/core';
import {
  diagonalLatents,
  factorLatents,
  type HeadPredictiveOptions,
  type LatentModel,
  MonteCarloHead,
  type MonteCarloHeadArgs,
  mcEngine,
  type Projection,
  softmaxLink,
  tidyObject,
} from '@uqjs/mc-softmax';
import { bilinearUpsample, upsampleLogProbs } from './bilinear-upsample.js';
import { checkMap } from './checks.js';

const FN = 'MCSoftmaxPixelHead';

/**
 * Arguments of {@link MCSoftmaxPixelHead}.
 *
 * @since 0.1.0
 */
export interface MCSoftmaxPixelHeadArgs extends MonteCarloHeadArgs {
  /** Number of classes `K` (>= 2). */
  numClasses: number;
  /**
   * Noise factors `R`: 0 (default) for independent (diagonal) latent noise per class, `R` in
   * `[1, K]` for a low-rank plus diagonal covariance `V V^T + diag(d^2)` (Normal noise only),
   * which the heteroscedastic segmentation models of Collier et al. use because `K` is large.
   */
  numFactors?: number;
  /**
   * Downsampling factor `f` of the Monte Carlo sampling (default 1): features are
   * average-pooled by `f` (H and W must be multiples of `f`), locations, scales and samples
   * are computed at `H/f x W/f`, and the log predictive probabilities are bilinearly
   * upsampled to `H x W` and renormalized (see `upsampleLogProbs`). Cuts the sampling cost by
   * `f^2`.
   */
  sampleDownsample?: number;
  /**
   * `true` (default): the heteroscedastic Monte Carlo head. `false`: the homoscedastic
   * baseline, a per-pixel `logSoftmax(h W / tau)` (no scale, no sampling; `numFactors` must
   * be 0), with the same downsampling and output.
   */
  heteroscedastic?: boolean;
  /** Shorthand for both `trainSamples` and `testSamples` (each still overrides it). */
  numSamples?: number;
  /** Initializer of the location kernel `[D, K]`. Default: seeded `glorotUniform`. */
  kernelInitializer?: unknown;
  /** Initializer of the location bias. Default `zeros`. */
  biasInitializer?: unknown;
  /** Initializer of the scale kernel `[D, K]`. Default: seeded `glorotUniform`. */
  scaleKernelInitializer?: unknown;
  /** Initializer of the scale bias. Default `zeros`. */
  scaleBiasInitializer?: unknown;
  /** Initializer of the factor kernel `[D, K R]`. Default: seeded `glorotUniform`. */
  factorKernelInitializer?: unknown;
  /** Initializer of the factor bias `[K R]`. Default `zeros`. */
  factorBiasInitializer?: unknown;
}

/** What one pass of the head computes at full resolution, `[B, H, W, K]`. */
interface PixelEstimate {
  readonly probs: tf.Tensor;
  readonly logProbs: tf.Tensor;
  readonly variance?: tf.Tensor;
}

/**
 * A per-pixel classification head for segmentation on features `[B, H, W, D]` (e.g. from
 * `buildUNet` or `buildAtrousFcn`): the Monte Carlo softmax heteroscedastic head of
 * `@uqjs/mc-softmax` applied at every pixel, with diagonal (`numFactors: 0`) or low-rank
 * plus diagonal (`numFactors: R`) latent noise, or the homoscedastic per-pixel softmax
 * (`heteroscedastic: false`).
 *
 * Per pixel, `loc = h W + b`, `scale = softplus(h W_s + b_s) + minScale`, factor loadings
 * `V = reshape(h W_V + b_V, [K, R])`; the output is the LOG predictive
 * `log mean_s softmax((loc + V e_R,s + scale * e_K,s) / tau)`, computed by the shared engine
 * (`mcEngine`): log space, chunks of `maxSamplesInMemory` samples, a backward pass that
 * recomputes each chunk from its seed, so memory follows the chunk size, not `S`.
 *
 * With `sampleDownsample: f > 1` the features are average-pooled to `H/f x W/f` first; the
 * log predictive there is bilinearly upsampled (half-pixel centers) to `H x W` and passed
 * through a log-softmax over classes, so every output pixel is a normalized distribution.
 * `predictive()` returns `exp` of that output; its `variance` (if asked for) is the
 * low-resolution per-sample variance, bilinearly interpolated. With `argmax: true` the
 * low-resolution frequencies are interpolated directly (a convex combination of
 * distributions), not in log space.
 *
 * Train with `segmentationLoss` (ignore label 255). Seeds, sample counts and the learned
 * temperature work as in `MCSoftmaxDense` (`MonteCarloHead`): fresh noise per training call,
 * identical noise for every inference call.
 *
 * Shapes: input `[B, H, W, D]`, output `[B, H, W, K]` (log-probabilities). Weights:
 * `locKernel [D, K]`, `locBias [K]`; heteroscedastic: `scaleKernel [D, K]`, `scaleBias [K]`;
 * with factors: `factorKernel [D, K R]`, `factorBias [K R]`; `temperatureLogit []` when learned.
 *
 * @example
 * ```ts
 * const head = new MCSoftmaxPixelHead({ numClasses: 21, numFactors: 4, numSamples: 100, sampleDownsample: 2, seed: 1 });
 * const logProbs = head.apply(features) as tf.Tensor; // [B, H, W, 21]
 * ```
 * @since 0.1.0
 */
export class MCSoftmaxPixelHead extends MonteCarloHead {
  /** @nocollapse */
  static className = 'MCSoftmaxPixelHead';
  readonly numClasses: number;
  readonly numFactors: number;
  readonly sampleDownsample: number;
  readonly heteroscedastic: boolean;
  private factorProjection: Projection | null = null;
  private logitProjection: Projection | null = null;

  constructor(args: MCSoftmaxPixelHeadArgs) {
    const given: MCSoftmaxPixelHeadArgs = args ?? ({} as MCSoftmaxPixelHeadArgs);
    const { numSamples, ...rest } = given;
    super(
      {
        ...rest,
        trainSamples: given.trainSamples ?? numSamples,
        testSamples: given.testSamples ?? numSamples,
      },
      ['factorKernel', 'factorBias'],
    );
    this.numClasses = checkInteger(given.numClasses, 'numClasses', FN, 2);
    this.numFactors = checkInteger(given.numFactors ?? 0, 'numFactors', FN, 0);
    this.sampleDownsample = checkInteger(given.sampleDownsample ?? 1, 'sampleDownsample', FN, 1);
    this.heteroscedastic = checkBoolean(given.heteroscedastic ?? true, 'heteroscedastic', FN);
    if (this.numFactors > this.numClasses) {
      this.fail(
        'numFactors',
        `an integer in [0, numClasses = ${this.numClasses}]`,
        this.numFactors,
      );
    }
    if (this.numFactors > 0 && !this.heteroscedastic) {
      this.fail('numFactors', '0 when heteroscedastic is false', this.numFactors);
    }
    if (this.numFactors > 0 && this.noise !== 'normal') {
      this.fail('noise', "'normal' with numFactors > 0 (the factor model is Gaussian)", this.noise);
    }
  }

  private fail(argument: string, expected: string, given: unknown): never {
    throw new InvalidArgumentError({ fn: FN, argument, expected, given });
  }

  /** Checks an input shape `[B, H, W, D]`: rank 4, `H`, `W` multiples of `sampleDownsample`. */
  private checkMapShape(shape: readonly (number | null)[], method: string, argument: string): void {
    const f = this.sampleDownsample;
    const [, height, width] = shape;
    const divisible = (n: number | null | undefined) =>
      n === null || n === undefined || n % f === 0;
    if (shape.length !== 4 || !divisible(height) || !divisible(width)) {
      throw new ShapeError({
        fn: `${FN}.${method}`,
        argument,
        expected:
          f === 1
            ? 'of rank 4 ([B, H, W, D])'
            : `of rank 4 ([B, H, W, D]) with H and W multiples of sampleDownsample = ${f}`,
        given: shape,
      });
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.singleShape(inputShape, 'build');
    this.checkMapShape(shape, 'build', 'inputShape');
    const dim = this.inputDim(shape);
    if (this.heteroscedastic) {
      this.buildLocScale(dim, this.numClasses);
      if (this.numFactors > 0) {
        const units = this.numClasses * this.numFactors;
        this.factorProjection = this.addProjection(
          'factor',
          dim,
          units,
          'factorKernel',
          'factorBias',
        );
      }
    } else {
      this.featureDim = dim;
      this.logitProjection = this.addProjection('loc', dim, this.numClasses, 'kernel', 'bias');
    }
    this.buildTemperature();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = this.singleShape(inputShape, 'computeOutputShape');
    this.checkMapShape(shape, 'computeOutputShape', 'inputShape');
    this.inputDim(shape);
    return [...shape.slice(0, -1), this.numClasses];
  }

  /** The factor loadings `V(x)` `[B, h, w, K, R]` of (pooled) features `[B, h, w, D]`. */
  private factorLoadings(features: tf.Tensor): tf.Tensor {
    const projected = this.project(features, this.factorProjection!); // [B, h, w, K R]
    return tf.reshape(projected, [
      ...features.shape.slice(0, -1),
      this.numClasses,
      this.numFactors,
    ]);
  }

  /** The latent model of (pooled) features `[B, h, w, D]`, drawn with `seed`. */
  private latentModel(features: tf.Tensor, seed: Seed): LatentModel {
    const { loc, scale } = this.locScale(features);
    const shareSamplesAcrossBatch = this.shareSamplesAcrossBatch;
    if (this.numFactors === 0) {
      return diagonalLatents(loc, scale, { noise: this.noise, seed, shareSamplesAcrossBatch });
    }
    return factorLatents(loc, this.factorLoadings(features), scale, {
      seed,
      shareSamplesAcrossBatch,
    });
  }

  /** The predictive at the sampling resolution `[B, H/f, W/f, K]`. */
  private lowResolution(
    pooled: tf.Tensor,
    training: boolean,
    computeVariance: boolean,
    argmax: boolean,
  ): PixelEstimate {
    if (!this.heteroscedastic) {
      const logits = this.project(pooled, this.logitProjection!);
      const logProbs = tf.logSoftmax(tf.div(logits, this.temperatureValue()));
      return { probs: tf.exp(logProbs), logProbs };
    }
    const model = this.latentModel(pooled, this.nextSeed(training));
    return mcEngine(model, softmaxLink, this.engineOptions(training, computeVariance, argmax));
  }

  /** The predictive of features `[B, H, W, D]` at full resolution. */
  private estimate(
    features: tf.Tensor4D,
    training: boolean,
    computeVariance: boolean,
    argmax = false,
  ): PixelEstimate {
    const f = this.sampleDownsample;
    const pooled = f === 1 ? features : tf.avgPool(features, f, f, 'valid');
    const low = this.lowResolution(pooled, training, computeVariance, argmax);
    if (f === 1) return low;
    const size: [number, number] = [features.shape[1], features.shape[2]];
    const variance =
      low.variance === undefined ? {} : { variance: bilinearUpsample(low.variance, size) };
    if (argmax && this.heteroscedastic) {
      // Frequencies may be 0: interpolate the distributions themselves, not their logs.
      const probs = bilinearUpsample(low.probs, size);
      return { probs, logProbs: tf.log(probs), ...variance };
    }
    const logProbs = upsampleLogProbs(low.logProbs, size);
    return { probs: tf.exp(logProbs), logProbs, ...variance };
  }

  /** Checks features `[B, H, W, D]` of a built layer (shape, and values with `checkValues`). */
  private mapFeatures(features: unknown, method: string, argument: string): tf.Tensor4D {
    checkMap(features, '[B, H, W, D]', argument, `${FN}.${method}`);
    const checked = this.checkFeatures(features, method, argument) as tf.Tensor4D;
    this.checkMapShape(checked.shape, method, argument);
    return checked;
  }

  /**
   * Log predictive probabilities `[B, H, W, K]` of features `[B, H, W, D]`.
   *
   * @throws `ShapeError` naming the layer for an input that is not `[B, H, W, D]` with the
   * built `D` (and `H`, `W` multiples of `sampleDownsample`); `InvalidArgumentError` for NaN
   * or ±Infinity features (`checkValues`).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const features = this.mapFeatures(this.singleInput(inputs, 'call'), 'call', 'inputs');
      return this.estimate(features, kwargs?.training === true, false).logProbs;
    });
  }

  /**
   * The predictive of features `[B, H, W, D]`: `probs [B, H, W, K]` (equal to
   * `tf.exp(layer.apply(features))`: inference seed and `testSamples`) and, with
   * `computeVariance`, the per-class variance over samples (heteroscedastic only). With
   * `argmax: true`, the frequencies of `argmax_c z_c` (the homoscedastic head returns its
   * softmax either way).
   */
  override predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive {
    const checked = this.mapFeatures(features, 'predictive', 'features');
    const { computeVariance, argmax } = this.predictiveOptions(opts, this.computeVariance);
    return tidyObject(() => {
      const { probs, variance } = this.estimate(checked, false, computeVariance, argmax);
      return variance === undefined ? { probs } : { probs, variance };
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numClasses: this.numClasses,
      numFactors: this.numFactors,
      sampleDownsample: this.sampleDownsample,
      heteroscedastic: this.heteroscedastic,
    };
  }
}

serialization.registerClass(MCSoftmaxPixelHead);
