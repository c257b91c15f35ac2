import type { serialization } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  checkRank,
  type LayerCallKwargs as Kwargs,
  type Predictive,
  type Seed,
  type LayerShape as Shape,
} from '@uqjs/core';
import { diagonalLatents } from './diagonal-latents.js';
import { factorLatents } from './factor-latents.js';
import {
  checkFactorArgs,
  type FactorHeadArgs,
  type FactorSpec,
  type FactorWeights,
} from './factor-loadings.js';
import type { HeadPredictiveOptions } from './heteroscedastic-head.js';
import {
  type LatentModel,
  type LikelihoodLink,
  type McEngineResult,
  mcEngine,
} from './mc-engine.js';
import { MonteCarloHead, type MonteCarloHeadArgs } from './monte-carlo-head.js';
import { tidyObject } from './tidy-object.js';

/**
 * Arguments of a {@link DenseMonteCarloHead}: those of every Monte Carlo head and the
 * initializers of its location and scale projections.
 *
 * @since 0.2.0
 */
export interface DenseMonteCarloHeadArgs extends MonteCarloHeadArgs {
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
 * The latents of a {@link DenseMonteCarloHead}: their count `U` per example and the name of
 * the layer argument that sets it (stored in the config, named in errors).
 *
 * @since 0.2.0
 */
export interface DenseLatents {
  /** `'numClasses'` (softmax heads) or `'numOutputs'` (sigmoid heads). */
  readonly argument: string;
  /** `U`: `K` classes or `O` binary outputs. */
  readonly count: number;
}

/**
 * The base of the dense Monte Carlo heads (`MCSoftmaxDense`, `MCSoftmaxDenseFA`, and
 * `MCSigmoidDense`, `MCSigmoidDenseFA` in `@uqjs/mc-sigmoid`): a {@link MonteCarloHead} with
 * `U` latents per example whose locations and scales are dense projections of the features,
 * sampled by `mcEngine` and smoothed by the subclass's link. The noise is diagonal, of the
 * head's family; a factor head calls {@link useFactors} in its constructor for low-rank plus
 * diagonal Normal noise, `z = loc + V(x) e_R + d(x) * e_U`, with loadings `V(x)`
 * `[B, ..., U, R]` (`factorLatents`). It owns `build`, `computeOutputShape`, the latent model,
 * the seeds and sample counts of a call, `call` and `predictive`, and the config; a subclass
 * supplies the latents ({@link latents}), the link, and what the engine's results become: the
 * layer output and the `Predictive`.
 *
 * Shapes: input `[B, ..., D]`, latents `[B, ..., U]`, output as the subclass says
 * (`[B, ..., U]` for both uqjs heads). Weights: `locKernel [D, U]`, `locBias [U]`,
 * `scaleKernel [D, U]`, `scaleBias [U]`, `temperatureLogit []` when learned, and the factor
 * weights (`addFactorWeights`) with factors.
 *
 * @example
 * ```ts
 * class MyHead extends DenseMonteCarloHead {
 *   static className = 'MyHead';
 *   protected latents() { return { argument: 'numClasses', count: 3 }; }
 *   protected link() { return softmaxLink; }
 *   protected callOutput(result) { return result.logProbs; }
 *   protected toPredictive(result) { return { probs: result.probs }; }
 * }
 * ```
 * @since 0.2.0
 */
export abstract class DenseMonteCarloHead extends MonteCarloHead {
  private factorSpec: FactorSpec | null = null;
  private factorWeights: FactorWeights | null = null;

  /** The latents `U` per example (read once the subclass's constructor has run). */
  protected abstract latents(): DenseLatents;

  /** The link that turns latent samples into outcome probabilities (`softmaxLink`, ...). */
  protected abstract link(): LikelihoodLink;

  /** The layer output from the engine's results for features `[B, ..., D]` (inside a tidy). */
  protected abstract callOutput(result: McEngineResult): tf.Tensor;

  /**
   * The `Predictive` from the engine's results for features `[B, D]` (inside a tidy; `fn` is
   * `'<className>.predictive'`, for errors).
   */
  protected abstract toPredictive(result: McEngineResult, fn: string): Predictive;

  /**
   * Gives the head low-rank plus diagonal Normal noise: checks the factor arguments against
   * the latents (call in the constructor, after the latents are known; pass
   * `FACTOR_INITIALIZER_ROLES` to the base constructor) and returns them.
   */
  protected useFactors(args: FactorHeadArgs): FactorSpec {
    const { argument, count } = this.latents();
    this.factorSpec = checkFactorArgs(args, count, this.noise, argument, this.getClassName());
    return this.factorSpec;
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = this.inputDim(this.singleShape(inputShape, 'build'));
    const { count } = this.latents();
    this.buildLocScale(dim, count);
    this.buildTemperature();
    if (this.factorSpec !== null) {
      this.factorWeights = this.addFactorWeights(dim, count, this.factorSpec);
    }
    this.built = true;
  }

  /** `[B, ..., D]` -> `[B, ..., U]`. */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = this.singleShape(inputShape, 'computeOutputShape');
    this.inputDim(shape); // rank >= 2 and, once built, the feature size it was built for
    return [...shape.slice(0, -1), this.latents().count];
  }

  /** The factor loadings `V(x)` `[B, ..., U, R]` of features `[B, ..., D]` (factor heads). */
  protected factorLoadingsFor(features: tf.Tensor): tf.Tensor {
    this.checkFeatureShape(features, 'factorLoadings', 'features');
    const { count } = this.latents();
    return this.factorLoadingsOf(features, this.factorWeights!, count, this.factorSpec!);
  }

  /** The latent model of features `[B, ..., D]` drawn with `seed`: diagonal, or with factors. */
  protected latentModel(features: tf.Tensor, seed: Seed): LatentModel {
    const { loc, scale } = this.locScale(features);
    const shareSamplesAcrossBatch = this.shareSamplesAcrossBatch;
    if (this.factorSpec === null) {
      return diagonalLatents(loc, scale, { noise: this.noise, seed, shareSamplesAcrossBatch });
    }
    return factorLatents(loc, this.factorLoadingsFor(features), scale, {
      seed,
      shareSamplesAcrossBatch,
    });
  }

  /** The engine's results for features `[B, ..., D]` with the call's seed and sample count. */
  protected estimate(
    features: tf.Tensor,
    training: boolean,
    computeVariance: boolean,
    argmax = false,
  ): McEngineResult {
    const model = this.latentModel(features, this.nextSeed(training));
    return mcEngine(model, this.link(), this.engineOptions(training, computeVariance, argmax));
  }

  /**
   * The output of features `[B, ..., D]`: `trainSamples` and a fresh seed with
   * `training: true`, else `testSamples` and the inference seed.
   *
   * @throws `ShapeError` naming the layer for a rank-1 input or a feature size other than the
   * one it was built for; `InvalidArgumentError` for NaN or ±Infinity features (`checkValues`).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const features = this.callFeatures(inputs);
      return this.callOutput(this.estimate(features, kwargs?.training === true, false));
    });
  }

  /**
   * The predictive of features `[B, D]` with the inference seed and `testSamples` (so it
   * matches the layer's inference output); `computeVariance` defaults to the layer's, and
   * `argmax: true` gives the exact model over the same samples.
   */
  override predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive {
    const fn = `${this.getClassName()}.predictive`;
    checkRank(features, 2, 'features', fn);
    this.checkFeatures(features, 'predictive', 'features');
    const { computeVariance, argmax } = this.predictiveOptions(opts, this.computeVariance);
    return tidyObject(() =>
      this.toPredictive(this.estimate(features, false, computeVariance, argmax), fn),
    );
  }

  /** The config of `MonteCarloHead`, the latent count, and the factor arguments if any. */
  override getConfig(): serialization.ConfigDict {
    const { argument, count } = this.latents();
    const spec = this.factorSpec;
    const factors: serialization.ConfigDict =
      spec === null
        ? {}
        : { numFactors: spec.numFactors, parameterEfficient: spec.parameterEfficient };
    return { ...super.getConfig(), [argument]: count, ...factors };
  }
}
