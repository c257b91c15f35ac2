import type { serialization } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import type { Predictive } from '@uqjs/core';
import {
  checkBoolean,
  checkOneOf,
  deriveSeed,
  InvalidArgumentError,
  type LayerArgs,
  layerSeed,
  type Seed,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { checkNoiseKind, checkTensorValues, type NoiseKind } from '@uqjs/noise';
import { checkOptionsObject } from './checks.js';
import {
  type FactorSpec,
  type FactorWeights,
  factorProjectionUnits,
  loadingsFromProjection,
} from './factor-loadings.js';
import { DEFAULT_MC_SEED } from './mc-options.js';
import {
  type Initializer,
  resolveInitializer,
  resolveRegularizer,
  serializeSpec,
} from './serializable-spec.js';
import { tidyObject } from './tidy-object.js';

/**
 * How a head turns a projection into a positive scale: `softplus(h) + minScale` (smooth, the
 * default) or `|h| + minScale` (as in Collier et al.).
 *
 * @since 0.1.0
 */
export const SCALE_ACTIVATIONS = ['softplus', 'abs'] as const;

/**
 * One of {@link SCALE_ACTIVATIONS}.
 *
 * @since 0.1.0
 */
export type ScaleActivation = (typeof SCALE_ACTIVATIONS)[number];

/**
 * Arguments every heteroscedastic head layer shares.
 *
 * @since 0.1.0
 */
export interface HeteroscedasticHeadArgs extends LayerArgs {
  /** Noise family of the latent utilities. Default `'normal'`. */
  noise?: NoiseKind;
  /** `'softplus'` (default) or `'abs'`; see {@link SCALE_ACTIVATIONS}. */
  scaleActivation?: ScaleActivation;
  /** Added to every scale, >= 0. Default 1e-3. */
  minScale?: number;
  /**
   * Seed of the head's noise and default initializers. Default:
   * `deriveSeed(DEFAULT_MC_SEED, className, name)`, i.e. fixed per layer name.
   */
  seed?: number;
  /** Regularizer of every kernel (an instance such as `regularizers.l2()`). */
  kernelRegularizer?: unknown;
  /** Regularizer of every bias. */
  biasRegularizer?: unknown;
  /**
   * Check that input features are finite (no NaN, no ±Infinity) in every `call` and
   * `predictive`, with one small read-back of a flag per call. Default true; pass false where a
   * device sync per step costs too much (e.g. WebGPU training loops). Shapes are always checked.
   */
  checkValues?: boolean;
}

/** A dense projection `x W + b` of the last input axis. */
export interface Projection {
  readonly kernel: LayerVariable;
  readonly bias: LayerVariable;
}

/**
 * Options of a head's `predictive`.
 *
 * @since 0.1.0
 */
export interface HeadPredictiveOptions {
  /** Return the variance over samples; default: the layer's `computeVariance`. */
  readonly computeVariance?: boolean;
  /**
   * The exact model instead of the smoothed one, as `mcSoftmax({ argmax: true })`: the average
   * over samples of the hard outcomes of the latents (the one-hot of `argmax_c z_c`, or
   * `z > 0` for a binary head), same seed and `testSamples`, no temperature. Probabilities are
   * multiples of `1 / testSamples` and may be 0; with `computeVariance` the variance is that of
   * the 0/1 outcome, `P (1 - P)`. Default false. A closed-form head (`ExactSigmoidDense`) is
   * exact already and gives the same result either way.
   */
  readonly argmax?: boolean;
}

/**
 * The base of the uqjs heteroscedastic head layers: what a head with latent locations and
 * scales needs whether or not it samples (`MonteCarloHead` adds the sampling). It owns the
 * argument checks, the noise kind, the seed, named dense projections with their initializers
 * and regularizers, the scale activation, the input checks (`inputDim` in `build` and
 * `computeOutputShape`, `callFeatures` / `checkFeatures` in `call` and `predictive`: shape
 * errors name the layer, NaN features are an error with `checkValues`; tfjs-layers'
 * `inputSpec` is left unset so that these `ShapeError`s, not tfjs `ValueError`s, are what a
 * caller sees) and the common part of `getConfig`.
 *
 * @example
 * ```ts
 * // A closed-form head (as ExactSigmoidDense in @uqjs/mc-sigmoid):
 * class MyHead extends HeteroscedasticHead {
 *   static className = 'MyHead';
 *   build(shape) { this.buildLocScale(this.inputDim(this.singleShape(shape, 'build')), 1); this.built = true; }
 *   call(inputs) { return tf.tidy(() => { const { loc, scale } = this.locScale(this.callFeatures(inputs)); return tf.div(loc, scale); }); }
 *   predictive(features) { ... }
 * }
 * ```
 * @since 0.1.0
 */
export abstract class HeteroscedasticHead extends layers.Layer {
  readonly noise: NoiseKind;
  readonly scaleActivation: ScaleActivation;
  readonly minScale: number;
  /** Whether `call` and `predictive` check that features are finite. */
  readonly checkValues: boolean;
  /** The size `D` of the last input axis, known once built. */
  protected featureDim: number | null = null;
  /** The seed given in the arguments, if any. */
  readonly seed: Seed | undefined;
  /** The seed actually used: `seed`, or the default derived from the class and layer name. */
  protected readonly headSeed: Seed;
  private readonly initializers: Record<string, Initializer> = {};
  private readonly kernelRegularizer: unknown;
  private readonly biasRegularizer: unknown;
  private locProjection: Projection | null = null;
  private scaleProjection: Projection | null = null;

  /**
   * @param headArgs the layer arguments (a subclass's `Args`).
   * @param extraInitializerRoles `<role>Initializer` arguments read besides `kernel`, `bias`
   *   (location) and `scaleKernel`, `scaleBias` (scale); `kernel` and roles ending in
   *   `Kernel` default to a seeded `glorotUniform`, the others to `zeros`.
   */
  protected constructor(
    headArgs: HeteroscedasticHeadArgs,
    extraInitializerRoles: readonly string[] = [],
  ) {
    const args: HeteroscedasticHeadArgs = headArgs ?? {};
    super(args);
    const fn = this.getClassName();
    this.noise = checkNoiseKind(args.noise ?? 'normal', 'noise', fn);
    this.scaleActivation = checkOneOf(
      args.scaleActivation ?? 'softplus',
      SCALE_ACTIVATIONS,
      'scaleActivation',
      fn,
    );
    this.minScale = checkNonNegative(args.minScale ?? 1e-3, 'minScale', fn);
    this.checkValues = checkBoolean(args.checkValues ?? true, 'checkValues', fn);
    this.seed = layerSeed(args.seed, fn);
    this.headSeed = this.seed ?? deriveSeed(DEFAULT_MC_SEED, fn, this.name);
    const record = args as unknown as Record<string, unknown>;
    const roles = ['kernel', 'bias', 'scaleKernel', 'scaleBias', ...extraInitializerRoles];
    for (const role of roles) {
      const isKernel = role === 'kernel' || role.endsWith('Kernel');
      this.initializers[role] = resolveInitializer(
        record[`${role}Initializer`],
        (seed) => (isKernel ? initializers.glorotUniform({ seed }) : initializers.zeros()),
        deriveSeed(this.headSeed, 'init', role),
        `${role}Initializer`,
        fn,
      );
    }
    this.kernelRegularizer = resolveRegularizer(args.kernelRegularizer, 'kernelRegularizer', fn);
    this.biasRegularizer = resolveRegularizer(args.biasRegularizer, 'biasRegularizer', fn);
  }

  /** The one input tensor of a call (tfjs-layers may pass a one-element array). */
  protected singleInput(inputs: tf.Tensor | tf.Tensor[], method: string): tf.Tensor {
    return singleInput(inputs, `${this.getClassName()}.${method}`);
  }

  /** The one input shape given to `build` or `computeOutputShape`. */
  protected singleShape(inputShape: Shape | Shape[], method: string): Shape {
    return singleShape(inputShape, `${this.getClassName()}.${method}`);
  }

  /**
   * The size of the last input axis, checked to be known, and (once built) to be the size the
   * layer was built for. Call in `build` and `computeOutputShape`.
   */
  protected inputDim(inputShape: Shape): number {
    const dim = Array.isArray(inputShape) ? inputShape[inputShape.length - 1] : undefined;
    if (!Array.isArray(inputShape) || inputShape.length < 2 || typeof dim !== 'number') {
      throw new ShapeError({
        fn: this.getClassName(),
        argument: 'inputShape',
        expected: 'of rank >= 2 with a known last axis ([B, ..., D])',
        given: inputShape,
      });
    }
    if (this.featureDim !== null && dim !== this.featureDim) {
      throw new ShapeError({
        fn: this.getClassName(),
        argument: 'inputShape',
        expected: `[B, ..., ${this.featureDim}] (the layer was built for ${this.featureDim} features)`,
        given: inputShape,
      });
    }
    return dim;
  }

  /**
   * Checks features `[B, ..., D]` given to a built layer: a tensor of rank >= 2 whose last axis
   * is the `D` the layer was built for (else a `ShapeError` naming the layer and `method`), and,
   * with `checkValues`, free of NaN and ±Infinity (one small read-back, in `checkTensorValues`).
   */
  protected checkFeatures(features: unknown, method: string, argument: string): tf.Tensor {
    const checked = this.checkFeatureShape(features, method, argument);
    if (this.checkValues) checkTensorValues(checked, argument, `${this.getClassName()}.${method}`);
    return checked;
  }

  /** The shape part of {@link checkFeatures} (no read-back). */
  protected checkFeatureShape(features: unknown, method: string, argument: string): tf.Tensor {
    const fn = `${this.getClassName()}.${method}`;
    this.checkBuilt(method);
    if (!(features instanceof tf.Tensor)) {
      throw new InvalidArgumentError({ fn, argument, expected: 'a tf.Tensor', given: features });
    }
    const dim = this.featureDim!;
    if (features.rank < 2 || features.shape[features.rank - 1] !== dim) {
      throw new ShapeError({
        fn,
        argument,
        expected: `of shape [B, ..., ${dim}] (rank >= 2, the ${dim} features the layer was built for)`,
        given: features.shape,
      });
    }
    return features;
  }

  /** The one input of a `call`, checked by {@link checkFeatures}. */
  protected callFeatures(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.checkFeatures(this.singleInput(inputs, 'call'), 'call', 'inputs');
  }

  /** Checks `predictive`'s options object and fills in the defaults. */
  protected predictiveOptions(
    opts: HeadPredictiveOptions | undefined,
    defaultVariance: boolean,
  ): { computeVariance: boolean; argmax: boolean } {
    const fn = `${this.getClassName()}.predictive`;
    const options = checkOptionsObject(opts, 'opts', fn);
    return {
      computeVariance: checkBoolean(
        options.computeVariance ?? defaultVariance,
        'opts.computeVariance',
        fn,
      ),
      argmax: checkBoolean(options.argmax ?? false, 'opts.argmax', fn),
    };
  }

  /** The initializer of a role (after resolution), e.g. for a weight that is not a projection. */
  protected initializerOf(role: string): Initializer {
    return this.initializers[role]!;
  }

  /** Adds a projection's weights `<name>Kernel` `[D, units]` and `<name>Bias` `[units]`. */
  protected addProjection(
    name: string,
    inputDim: number,
    units: number,
    kernelRole: string,
    biasRole: string,
  ): Projection {
    type AddWeight = (
      name: string,
      shape: number[],
      dtype: 'float32',
      initializer: Initializer,
      regularizer: unknown,
    ) => LayerVariable;
    const add = this.addWeight.bind(this) as unknown as AddWeight;
    return {
      kernel: add(
        `${name}Kernel`,
        [inputDim, units],
        'float32',
        this.initializers[kernelRole]!,
        this.kernelRegularizer,
      ),
      bias: add(
        `${name}Bias`,
        [units],
        'float32',
        this.initializers[biasRole]!,
        this.biasRegularizer,
      ),
    };
  }

  /**
   * Adds the weights of factor loadings `V(x)` `[B, ..., K, R]` (see `factor-loadings.ts`):
   * `factorKernel` `[D, K R]` and `factorBias` `[K R]`, or `factorKernel` `[D, K]`,
   * `factorBias` `[K]` and `factorLoadingsKernel` `[K, R]` when parameter-efficient (initializer
   * roles `FACTOR_INITIALIZER_ROLES`, which the subclass passes to the constructor). Call in `build`.
   */
  protected addFactorWeights(
    inputDim: number,
    numLatents: number,
    spec: FactorSpec,
  ): FactorWeights {
    const units = factorProjectionUnits(numLatents, spec);
    const projection = this.addProjection('factor', inputDim, units, 'factorKernel', 'factorBias');
    const loadingsKernel = spec.parameterEfficient
      ? this.addWeight(
          'factorLoadingsKernel',
          [numLatents, spec.numFactors],
          'float32',
          this.initializers.factorLoadingsKernel!,
        )
      : null;
    return { projection, loadingsKernel };
  }

  /** The factor loadings `V(x)` `[B, ..., K, R]` of features `[B, ..., D]`. */
  protected factorLoadingsOf(
    features: tf.Tensor,
    weights: FactorWeights,
    numLatents: number,
    spec: FactorSpec,
  ): tf.Tensor {
    return tf.tidy(() =>
      loadingsFromProjection(
        this.project(features, weights.projection),
        weights.loadingsKernel?.read() ?? null,
        numLatents,
        spec,
      ),
    );
  }

  /**
   * Adds the location and scale projections, `locKernel [D, units]`, `locBias [units]`,
   * `scaleKernel [D, units]`, `scaleBias [units]` (initializer roles `kernel`, `bias`,
   * `scaleKernel`, `scaleBias`). Call in `build`.
   */
  protected buildLocScale(inputDim: number, units: number): void {
    this.featureDim = inputDim;
    this.locProjection = this.addProjection('loc', inputDim, units, 'kernel', 'bias');
    this.scaleProjection = this.addProjection('scale', inputDim, units, 'scaleKernel', 'scaleBias');
  }

  /**
   * The latent locations `h W + b` and scales `softplus(h W_s + b_s) + minScale` (or `|.|`)
   * of features `[B, ..., D]`, each `[B, ..., units]`.
   */
  locScale(features: tf.Tensor): { loc: tf.Tensor; scale: tf.Tensor } {
    this.checkFeatureShape(features, 'locScale', 'features');
    return tidyObject(() => ({
      loc: this.project(features, this.locProjection!),
      scale: this.positiveScale(this.project(features, this.scaleProjection!)),
    }));
  }

  /**
   * `x W + b` over the last axis: `[B, ..., D]` -> `[B, ..., units]`, one fused product (the
   * bias added in it) of `x` seen as `[N, D]`.
   */
  protected project(x: tf.Tensor, projection: Projection): tf.Tensor {
    const kernel = projection.kernel.read();
    const [inputDim, units] = kernel.shape as [number, number];
    // [B, ..., D] -> [N, D] x [D, units] -> [N, units] -> [B, ..., units]
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputDim]);
    const out = tf.fused.matMul({ a: flat, b: kernel, bias: projection.bias.read() });
    return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), units]);
  }

  /** A non-negative scale from a projection: `softplus(h) + minScale` or `|h| + minScale`. */
  protected positiveScale(preActivation: tf.Tensor): tf.Tensor {
    const positive =
      this.scaleActivation === 'softplus' ? tf.softplus(preActivation) : tf.abs(preActivation);
    return this.minScale === 0 ? positive : tf.add(positive, this.minScale);
  }

  /** Checks that the layer is built before a direct call such as `predictive`. */
  protected checkBuilt(method: string): void {
    if (!this.built) {
      throw new InvalidArgumentError({
        fn: `${this.getClassName()}.${method}`,
        argument: 'this',
        expected: 'a built layer (add it to a model or call it once)',
        given: 'an unbuilt layer',
      });
    }
  }

  /**
   * The predictive distribution of features `[B, D]` as `@uqjs/metrics` scores it
   * (deterministic: a sampling head uses its inference seed).
   */
  abstract predictive(features: tf.Tensor, opts?: HeadPredictiveOptions): Predictive;

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      noise: this.noise,
      scaleActivation: this.scaleActivation,
      minScale: this.minScale,
      checkValues: this.checkValues,
      kernelRegularizer: serializeSpec(this.kernelRegularizer) as serialization.ConfigDictValue,
      biasRegularizer: serializeSpec(this.biasRegularizer) as serialization.ConfigDictValue,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    for (const [role, initializer] of Object.entries(this.initializers)) {
      config[`${role}Initializer`] = serializeSpec(initializer) as serialization.ConfigDictValue;
    }
    return { ...super.getConfig(), ...config };
  }
}

function checkNonNegative(value: unknown, argument: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a finite number >= 0',
      given: value,
    });
  }
  return value;
}
