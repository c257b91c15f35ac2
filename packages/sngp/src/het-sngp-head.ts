import {
  add,
  expandDims,
  matMul,
  mul,
  serialization,
  softplus,
  sqrt,
  square,
  type Tensor,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkFiniteNumber,
  checkOneOf,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkRank,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type Predictive,
  type Seed,
  type LayerShape as Shape,
  singleInput,
  singleShape,
} from '@uqjs/core';
import {
  checkFactorArgs,
  diagonalLatents,
  type FactorSpec,
  factorLatents,
  factorProjectionUnits,
  loadingsFromProjection,
  type McEngineResult,
  mcEngine,
  softmaxLink,
  tidyObject,
} from '@uqjs/mc-softmax';
import { checkNoiseKind, type NoiseKind, noiseFamily } from '@uqjs/noise';
import { meanFieldLogits } from './mean-field-logits.js';
import {
  RandomFeatureGaussianProcess,
  type RandomFeatureGaussianProcessArgs,
} from './random-feature-gaussian-process.js';

const FN = 'HetSNGPHead';
const GP_VARIANCE_MODES: readonly HetSngpGpVariance[] = ['sample', 'mean-field'];

/**
 * How {@link HetSNGPHead.predictive} uses the GP's predictive variance `v(x)`:
 * - `'sample'`: it widens every latent, `scale_k = sqrt(gpVarianceWeight * v / sigma^2 + hetVarianceWeight * d_k^2)`
 *   (and multiplies factor loadings by `sqrt(hetVarianceWeight)`)
 *   with `sigma^2` the variance of the standard noise (1 for `'normal'`), so the latent's
 *   variance is `gpVarianceWeight * v + hetVarianceWeight * sigma^2 d_k^2`. With normal noise
 *   this is exactly sampling the GP logits `f ~ N(mu, v I)` and the noise `d * u` independently;
 *   for the logistic and Gumbel families it matches the first two moments.
 * - `'mean-field'`: it shrinks the location, `loc = meanFieldLogits(mu, v, lambda)`, and
 *   samples only the heteroscedastic noise, `scale_k = sqrt(hetVarianceWeight) * d_k` (factor
 *   loadings times the same factor)
 *   (so with `hetVarianceWeight: 0` the result is SNGP's `softmax(meanFieldLogits(mu, v))`).
 *
 * @since 0.2.0
 */
export type HetSngpGpVariance = 'sample' | 'mean-field';

/**
 * Arguments of {@link HetSNGPHead}: those of {@link RandomFeatureGaussianProcess} (its
 * `units` are the `K >= 2` classes; the likelihood must be `'gaussian'`) and of the
 * heteroscedastic noise.
 *
 * @since 0.2.0
 */
export interface HetSNGPHeadArgs extends RandomFeatureGaussianProcessArgs {
  /** Noise family of the latent utilities. Default `'normal'`. */
  noise?: NoiseKind;
  /** Softmax temperature `tau > 0` of the Monte Carlo softmax. Default `1`. */
  temperature?: number;
  /** Monte Carlo samples per training call (`training: true`). Default `100`. */
  trainSamples?: number;
  /** Monte Carlo samples per inference call and in {@link HetSNGPHead.predictive}. Default `1000`. */
  testSamples?: number;
  /** Samples processed at once; more are done in chunks. Default `1000`. */
  maxSamplesInMemory?: number;
  /** Added to every heteroscedastic scale `d_k`, `>= 0`. Default `1e-3`. */
  minScale?: number;
  /**
   * Number `R` of low-rank noise factors, `0 <= R <= K`: `0` (default) diagonal latents
   * `mu + d * u`; `R >= 1` correlated latents `mu + V(x) e_R + d * e_K` (Collier et al., 2021;
   * `factorLatents` of `@uqjs/mc-softmax`) with loadings `V(x)` `[B, K, R]` predicted from the
   * same features. Factors need `noise: 'normal'`.
   */
  numFactors?: number;
  /**
   * With factors: `V(x) = diag(x W_v + b_v) V0` with one `[K, R]` matrix `V0`, as
   * `MCSoftmaxDenseFA`'s `parameterEfficient`. Default `false`.
   */
  parameterEfficient?: boolean;
}

/**
 * Options of {@link HetSNGPHead.predictive} (and of `hetSngpPredictive`).
 *
 * @since 0.2.0
 */
export interface HetSngpPredictOptions {
  /** How the GP's predictive variance enters; see {@link HetSngpGpVariance}. Default `'sample'`. */
  readonly gpVariance?: HetSngpGpVariance;
  /** `w_gp >= 0`, the weight of the GP variance under `'sample'`. Default `1`. */
  readonly gpVarianceWeight?: number;
  /** `w_het >= 0`, the weight of the heteroscedastic variance `d^2`. Default `1`. */
  readonly hetVarianceWeight?: number;
  /** `lambda >= 0` of {@link meanFieldLogits} under `'mean-field'`. Default `pi / 8`. */
  readonly lambda?: number;
  /** Also return the variance of the per-sample probabilities, `[B, K]`. Default `false`. */
  readonly computeVariance?: boolean;
  /**
   * The exact model instead of the smoothed one: the frequencies of `argmax_k z_k` over the
   * samples (no temperature), as `mcSoftmax({ argmax: true })`. Default `false`.
   */
  readonly argmax?: boolean;
  /** Seed of the noise. Default: the layer's inference seed, `deriveSeed(seed, 'het', 'test')`. */
  readonly seed?: number;
}

/** {@link HetSngpPredictOptions} with the defaults filled in. */
interface CheckedPredictOptions {
  readonly gpVariance: HetSngpGpVariance;
  readonly gpVarianceWeight: number;
  readonly hetVarianceWeight: number;
  readonly lambda: number;
  readonly computeVariance: boolean;
  readonly argmax: boolean;
  readonly seed: Seed;
}

/**
 * The heteroscedastic SNGP output layer (HetSNGP; Fortuin et al., 2022, "Deep classifiers
 * with label noise modeling and distance awareness"): a {@link RandomFeatureGaussianProcess}
 * whose logits are the locations of a heteroscedastic Monte Carlo softmax (as
 * `MCSoftmaxDense` in `@uqjs/mc-softmax`) whose per-class scales are predicted from the same
 * features.
 *
 * Legend: `B` batch, `D` input features, `L` random features, `K = units` classes,
 * `S` Monte Carlo samples.
 *
 * - Location: the GP's posterior mean logits `mu = phi(x) beta + bias`, `[B, K]`.
 * - Scale: `d = softplus(x W_s + b_s) + minScale`, `[B, K]` (weights `het_scale_kernel`
 *   `[D, K]`, `het_scale_bias` `[K]`), from the same input `x` as the GP; with `numFactors`
 *   `R >= 1` also loadings `V(x)` `[B, K, R]` (`het_factor_kernel` `[D, K R]`,
 *   `het_factor_bias` `[K R]`; parameter-efficient: `[D, K]`, `[K]` and `het_factor_loadings`
 *   `[K, R]`), and the latents are `mu + V(x) e_R + d * e_K` with normal `e`.
 * - Output of a call: the log predictive probabilities
 *   `log mean_s softmax(z_s / tau)`, `z_s = mu + d * u_s` (diagonal), `[B, K]` (the engine of `@uqjs/mc-softmax`:
 *   computed in log space, differentiable), with `trainSamples` fresh draws per training call
 *   (`deriveSeed(seed, 'het', 'train', i)` for call `i`) and `testSamples` fixed draws
 *   (`deriveSeed(seed, 'het', 'test')`) otherwise. Compile with `logProbNll` from
 *   `@uqjs/mc-softmax` (or {@link crossEntropyFromLogits}: the log-softmax of log-probabilities
 *   is themselves). A call never uses the GP's variance, so training is SNGP's with the
 *   heteroscedastic likelihood; every training call accumulates the GP precision as the
 *   parent layer does, and {@link resetCovarianceCallback} resets it each epoch.
 * - Prediction with distance awareness: {@link HetSNGPHead.predictive} (or `hetSngpPredictive`
 *   on a model) adds the GP's predictive variance `v(x)` to the latents' (see
 *   {@link HetSngpGpVariance}). `sngpPredictive` on a model ending in this layer gives the
 *   homoscedastic SNGP predictive of its GP part (the heteroscedastic scales ignored).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { layers, sequential } from '@tensorflow/tfjs-layers';
 * import { logProbNll } from '@uqjs/mc-softmax';
 * import { HetSNGPHead, hetSngpPredictive, resetCovarianceCallback } from '@uqjs/sngp';
 *
 * const model = sequential({ layers: [
 *   layers.dense({ inputShape: [2], units: 32, activation: 'relu' }),
 *   new HetSNGPHead({ units: 2, numInducing: 256, trainSamples: 50, seed: 1 }),
 * ] });
 * model.compile({ optimizer: tf.train.adam(0.01), loss: logProbNll });
 * await model.fit(x, tf.oneHot(y, 2), { epochs: 20, callbacks: [resetCovarianceCallback()] });
 * const { probs } = hetSngpPredictive(model, xTest); // [B, 2]
 * ```
 * @since 0.2.0
 */
export class HetSNGPHead extends RandomFeatureGaussianProcess {
  /** @nocollapse */
  static override className = 'HetSNGPHead';
  /** Noise family of the latents. */
  readonly noise: NoiseKind;
  /** Softmax temperature `tau`. */
  readonly temperature: number;
  /** Monte Carlo samples per training call. */
  readonly trainSamples: number;
  /** Monte Carlo samples per inference call and prediction. */
  readonly testSamples: number;
  /** Samples processed at once. */
  readonly maxSamplesInMemory: number;
  /** Added to every heteroscedastic scale. */
  readonly minScale: number;
  /** The low-rank factors (`null`: diagonal latents). */
  readonly factorSpec: FactorSpec | null;
  private scaleWeights: {
    kernel: LayerVariable;
    bias: LayerVariable;
    factorKernel: LayerVariable | null;
    factorBias: LayerVariable | null;
    factorLoadings: LayerVariable | null;
  } | null = null;
  private trainCalls = 0;

  constructor(args: HetSNGPHeadArgs) {
    super(args);
    if (this.units < 2) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'units',
        // 'binary_logistic' needs units 1, so this also keeps the likelihood 'gaussian'.
        expected: 'an integer >= 2 (the number of classes of the softmax)',
        given: this.units,
      });
    }
    this.noise = checkNoiseKind(args.noise ?? 'normal', 'noise', FN);
    this.temperature = checkPositive(args.temperature ?? 1, 'temperature', FN);
    this.trainSamples = checkPositiveInteger(args.trainSamples ?? 100, 'trainSamples', FN);
    this.testSamples = checkPositiveInteger(args.testSamples ?? 1000, 'testSamples', FN);
    this.maxSamplesInMemory = checkPositiveInteger(
      args.maxSamplesInMemory ?? 1000,
      'maxSamplesInMemory',
      FN,
    );
    this.minScale = checkNonNegative(args.minScale ?? 1e-3, 'minScale', FN);
    this.factorSpec =
      (args.numFactors ?? 0) === 0 && args.parameterEfficient !== true
        ? null
        : checkFactorArgs(args, this.units, this.noise, 'units', FN);
  }

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape); // checks [B, D] with D known
    const inputDim = singleShape(inputShape, FN)[1] as number;
    const glorot = (role: string) =>
      initializers.glorotUniform({ seed: deriveSeed(this.seed, 'het', role) });
    const zeros = initializers.zeros();
    const spec = this.factorSpec;
    const factorUnits = spec === null ? 0 : factorProjectionUnits(this.units, spec);
    this.scaleWeights = {
      kernel: this.addWeight(
        'het_scale_kernel',
        [inputDim, this.units],
        'float32',
        glorot('scale'),
      ),
      bias: this.addWeight('het_scale_bias', [this.units], 'float32', zeros),
      factorKernel:
        spec === null
          ? null
          : this.addWeight(
              'het_factor_kernel',
              [inputDim, factorUnits],
              'float32',
              glorot('factor'),
            ),
      factorBias:
        spec === null ? null : this.addWeight('het_factor_bias', [factorUnits], 'float32', zeros),
      factorLoadings:
        spec?.parameterEfficient === true
          ? this.addWeight(
              'het_factor_loadings',
              [this.units, spec.numFactors],
              'float32',
              glorot('loadings'),
            )
          : null,
    };
    this.built = true;
  }

  /**
   * Log predictive probabilities `[B, K]` of features `[B, D]`; see the class documentation.
   * With `training: true` it also accumulates the GP precision.
   */
  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, FN);
      const training = kwargs.training === true;
      const loc = super.call(x, kwargs); // GP mean logits [B, K]; accumulates P when training
      const seed = training
        ? deriveSeed(this.seed, 'het', 'train', this.trainCalls++)
        : this.inferenceSeed();
      return this.estimate(loc, this.heteroscedasticScale(x), this.factorLoadings(x), seed, {
        numSamples: training ? this.trainSamples : this.testSamples,
        argmax: false,
        computeVariance: false,
      }).logProbs;
    });
  }

  /**
   * The heteroscedastic scales `d = softplus(x W_s + b_s) + minScale` of features `[B, D]`,
   * `[B, K]`.
   *
   * @since 0.2.0
   */
  heteroscedasticScale(x: Tensor): Tensor2D {
    const { kernel, bias } = this.builtScaleWeights();
    checkRank(x, 2, 'x', `${FN}.heteroscedasticScale`);
    return tidy(() => {
      // [B, D] x [D, K] -> [B, K]
      const d = softplus(add(matMul(x as Tensor2D, kernel.read() as Tensor2D), bias.read()));
      return (this.minScale === 0 ? d : add(d, this.minScale)) as Tensor2D;
    });
  }

  /**
   * The factor loadings `V(x)` of features `[B, D]`, `[B, K, R]` (`x W_f + b_f` reshaped, or
   * `diag(x W_v + b_v) V0` when parameter-efficient); `null` for a diagonal head.
   *
   * @since 0.2.0
   */
  factorLoadings(x: Tensor): Tensor | null {
    const { factorKernel, factorBias, factorLoadings } = this.builtScaleWeights();
    if (this.factorSpec === null) return null;
    checkRank(x, 2, 'x', `${FN}.factorLoadings`);
    const spec = this.factorSpec;
    return tidy(() => {
      // [B, D] x [D, K R] (or [D, K]) -> [B, K R] -> [B, K, R]
      const projected = add(
        matMul(x as Tensor2D, factorKernel!.read() as Tensor2D),
        factorBias!.read(),
      );
      return loadingsFromProjection(projected, factorLoadings?.read() ?? null, this.units, spec);
    });
  }

  /**
   * The predictive distribution of features `[B, D]` with the GP's predictive variance added
   * to the heteroscedastic noise (see {@link HetSngpGpVariance}): `probs [B, K]` from
   * `testSamples` draws of the latents through the softmax at temperature `tau` (or their
   * argmax frequencies), and with `computeVariance` the variance of the per-sample
   * probabilities `[B, K]`. Deterministic: the layer's inference seed unless `opts.seed`.
   * Nothing trains; the GP's cached Cholesky factor is used as in
   * {@link RandomFeatureGaussianProcess.predictWithCovariance}.
   *
   * @param features - The layer's input, `[B, D]`.
   * @returns `{ probs [B, K], variance? [B, K] }`; the caller disposes it.
   * @throws `ShapeError` for features not `[B, D]`; `InvalidArgumentError` naming the option
   *   for a bad option; `DataError` when the GP's logits or variance are not finite (not
   *   checked on webgpu).
   * @since 0.2.0
   */
  predictive(features: Tensor, opts: HetSngpPredictOptions = {}): Predictive {
    const options = this.checkPredictOptions(opts);
    const { logits, variance } = this.predictWithCovariance(features); // [B, K], [B]
    try {
      return tidyObject(() => {
        const d = this.heteroscedasticScale(features);
        const loadings = this.factorLoadings(features);
        // The factor term V e_R carries heteroscedastic variance V V^T: weighted by w_het.
        const factors =
          loadings === null ? null : mul(loadings, Math.sqrt(options.hetVarianceWeight));
        let loc: Tensor = logits;
        let scale: Tensor;
        if (options.gpVariance === 'mean-field') {
          loc = meanFieldLogits(logits, variance, options.lambda);
          scale = mul(d, Math.sqrt(options.hetVarianceWeight));
        } else {
          // Latent variance w_gp v + w_het sigma^2 d^2 in units of the standard noise:
          // [B] -> [B, 1], shared by the K logits (one GP precision for all of them).
          const gp = mul(expandDims(variance, 1), options.gpVarianceWeight / this.noiseVariance());
          scale = sqrt(add(gp, mul(square(d), options.hetVarianceWeight)));
        }
        const result = this.estimate(loc, scale, factors, options.seed, {
          numSamples: this.testSamples,
          argmax: options.argmax,
          computeVariance: options.computeVariance,
        });
        return result.variance === undefined
          ? { probs: result.probs }
          : { probs: result.probs, variance: result.variance };
      });
    } finally {
      logits.dispose();
      variance.dispose();
    }
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      noise: this.noise,
      temperature: this.temperature,
      trainSamples: this.trainSamples,
      testSamples: this.testSamples,
      maxSamplesInMemory: this.maxSamplesInMemory,
      minScale: this.minScale,
      numFactors: this.factorSpec?.numFactors ?? 0,
      parameterEfficient: this.factorSpec?.parameterEfficient ?? false,
    };
  }

  /** Variance of the standard member of the noise family (1 for `'normal'`). */
  private noiseVariance(): number {
    return noiseFamily(this.noise).variance;
  }

  private inferenceSeed(): Seed {
    return deriveSeed(this.seed, 'het', 'test');
  }

  /**
   * The Monte Carlo softmax of latents `loc + scale * u` (`[B, K]` each), plus `V e_R` with
   * loadings `[B, K, R]` when given.
   */
  private estimate(
    loc: Tensor,
    scale: Tensor,
    loadings: Tensor | null,
    seed: Seed,
    opts: { numSamples: number; argmax: boolean; computeVariance: boolean },
  ): McEngineResult {
    const model =
      loadings === null
        ? diagonalLatents(loc, scale, { noise: this.noise, seed, shareSamplesAcrossBatch: false })
        : factorLatents(loc, loadings, scale, { seed, shareSamplesAcrossBatch: false });
    return mcEngine(model, softmaxLink, {
      ...opts,
      maxSamplesInMemory: this.maxSamplesInMemory,
      temperature: this.temperature,
    });
  }

  private checkPredictOptions(opts: HetSngpPredictOptions): CheckedPredictOptions {
    const fn = `${FN}.predictive`;
    const o = checkOptionsObject(opts, 'opts', fn);
    const weight = (value: unknown, name: string) =>
      checkNonNegative(value ?? 1, `opts.${name}`, fn);
    return {
      gpVariance: checkOneOf(o.gpVariance ?? 'sample', GP_VARIANCE_MODES, 'opts.gpVariance', fn),
      gpVarianceWeight: weight(o.gpVarianceWeight, 'gpVarianceWeight'),
      hetVarianceWeight: weight(o.hetVarianceWeight, 'hetVarianceWeight'),
      lambda: checkNonNegative(o.lambda ?? Math.PI / 8, 'opts.lambda', fn),
      computeVariance: checkBoolean(o.computeVariance ?? false, 'opts.computeVariance', fn),
      argmax: checkBoolean(o.argmax ?? false, 'opts.argmax', fn),
      seed: o.seed === undefined ? this.inferenceSeed() : checkSeed(o.seed, 'opts.seed', fn),
    };
  }

  private builtScaleWeights(): NonNullable<HetSNGPHead['scaleWeights']> {
    if (this.scaleWeights === null) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'this',
        expected: 'a built layer (apply it to an input or add it to a model first)',
        given: 'an unbuilt layer',
      });
    }
    return this.scaleWeights;
  }
}

function checkNonNegative(value: unknown, argument: string, fn: string): number {
  const number = checkFiniteNumber(value, argument, fn);
  if (number < 0) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a finite number >= 0',
      given: value,
    });
  }
  return number;
}

serialization.registerClass(HetSNGPHead);
