import {
  add,
  cos,
  dispose,
  div,
  expandDims,
  eye,
  getBackend,
  keep,
  matMul,
  moments,
  mul,
  rsqrt,
  scalar,
  serialization,
  sigmoid,
  sqrt,
  square,
  stack,
  sub,
  sum,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tensor1d,
  tensor2d,
  tensor3d,
  tidy,
  tile,
  transpose,
  unstack,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkCount,
  checkOneOf,
  checkOptionsObject,
  checkPositive,
  checkRank,
  checkSeed,
  checkShape,
  DataError,
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
  UqjsError,
} from '@uqjs/core';
import { inverseCholeskyFactor } from './inverse-cholesky-factor.js';
import { inverseCholeskyFactorOnDevice } from './inverse-cholesky-factor-on-device.js';
import { type RandomFeatureKind, sampleRandomFeatures } from './random-features.js';

const FN = 'RandomFeatureGaussianProcess';
const KINDS: readonly RandomFeatureKind[] = ['rff', 'orf'];
const LIKELIHOODS: readonly GpLikelihood[] = ['gaussian', 'binary_logistic'];
const CONVENTIONS: readonly GpCovarianceConvention[] = ['posterior', 'edward2'];
/** Epsilon of the parameter-free layer normalization applied when `normalizeInput` is set. */
const LAYER_NORM_EPSILON = 1e-3;
/**
 * Largest `numInducing` accepted: the precision is `[L, L]` float32 (256 MiB at 8192) and its
 * Cholesky factor is computed in float64 on the CPU (on webgpu: on the device, in an
 * `[L, 2L]` workspace), so a `model.json` asking for more would exhaust memory instead of loading.
 */
export const MAX_NUM_INDUCING = 8192;
/** Largest `units` accepted (the output kernel is `[L, K]`). */
export const MAX_GP_UNITS = 65536;

/**
 * How the ridge enters the predictive variance (see {@link RandomFeatureGaussianProcess}):
 * `'posterior'` (the default) `var(x) = phi^T P^{-1} phi`, the posterior variance under the
 * prior `beta ~ N(0, I / r)`; `'edward2'` `var(x) = r phi^T P^{-1} phi`, the formula of
 * edward2's `RandomFeatureGaussianProcess` and tensorflow/models' `nlp/modeling/layers/gaussian_process.py`.
 *
 * @since 0.2.0
 */
export type GpCovarianceConvention = 'posterior' | 'edward2';

/**
 * The likelihood whose curvature weights each example in the precision matrix:
 * `'gaussian'` weight 1 (one precision shared by all outputs), `'binary_logistic'` weight
 * `p_k (1 - p_k)` with `p_k = sigmoid(logit_k)` (one precision per output unit).
 *
 * @since 0.1.0
 */
export type GpLikelihood = 'gaussian' | 'binary_logistic';

/**
 * Arguments of {@link RandomFeatureGaussianProcess}.
 *
 * @since 0.1.0
 */
export interface RandomFeatureGaussianProcessArgs extends LayerArgs {
  /** Number of outputs `K` (logits), at most 65536. */
  units: number;
  /** Number of random features `L`, at most 8192. Default `1024`. */
  numInducing?: number;
  /** Apply a parameter-free layer normalization to the input first. Default `false`. */
  normalizeInput?: boolean;
  /** Multiply the features by `sqrt(2 / L)`, so `phi(x) . phi(x') ~ k(x, x')`. Default `true`. */
  scaleRandomFeatures?: boolean;
  /** `s` in the RBF kernel `exp(-||x - x'||^2 / (2 s))` (a squared length scale), `> 0`. Default `1`. */
  kernelScale?: number;
  /** `'rff'` (iid Gaussian frequencies) or `'orf'` (orthogonal random features). Default `'rff'`. */
  randomFeatures?: RandomFeatureKind;
  /**
   * `-1`: exact accumulation, `P = ridge I + sum_i w_i phi_i phi_i^T` over every training
   * example since the last reset (use {@link resetCovarianceCallback} so that `P` covers one
   * epoch). `m` in `[0, 1)`: moving average `P <- m P + (1 - m) (ridge I + Phi_b^T W_b Phi_b / B)`
   * over batches. Default `-1`.
   */
  gpCovMomentum?: number;
  /** The ridge `r > 0`, the prior precision of the output weights. Default `1`. */
  gpCovRidgePenalty?: number;
  /**
   * Likelihood of the Laplace approximation. Default `'gaussian'`. `'binary_logistic'` needs
   * `units: 1` (one sigmoid output; the per-logit Laplace of several sigmoid outputs is not a
   * softmax posterior, and its variances would change with a constant shift of the logits).
   */
  likelihood?: GpLikelihood;
  /**
   * `'posterior'` (default): `var(x) = phi^T P^{-1} phi`. `'edward2'`: `r phi^T P^{-1} phi`,
   * as edward2 and tensorflow/models compute it (their default ridge is `1e-6`, so porting a
   * model from them needs this convention or `gpCovRidgePenalty: 1`).
   */
  covarianceConvention?: GpCovarianceConvention;
  /** Seed of the random features and of the output kernel's initialization. Default `0`. */
  seed?: number;
}

/**
 * Options of {@link RandomFeatureGaussianProcess.predictWithCovariance}.
 *
 * @since 0.1.0
 */
export interface GpPredictOptions {
  /** Also return the full `[B, B]` posterior covariance. Default `false`: only its diagonal. */
  fullCovariance?: boolean;
}

/**
 * What {@link RandomFeatureGaussianProcess.predictWithCovariance} returns.
 *
 * @since 0.1.0
 */
export type GpPrediction = {
  /** Posterior mean logits, `[B, K]`. */
  readonly logits: Tensor2D;
  /**
   * Posterior predictive variance of the logits `phi(x)^T P^{-1} phi(x)`: `[B]` for the
   * Gaussian likelihood (shared by all `K` outputs), `[B, K]` for `'binary_logistic'`.
   */
  readonly variance: Tensor;
  /**
   * With `fullCovariance`: `Phi P^{-1} Phi^T`, `[B, B]` (Gaussian) or `[K, B, B]`
   * (`'binary_logistic'`, one per output).
   */
  readonly covariance?: Tensor;
};

/**
 * The Gaussian-process output layer of SNGP (Liu et al., 2020): a random-feature
 * approximation of a GP with RBF kernel, and its Laplace posterior.
 *
 * Legend: `B` batch, `D` input features, `L = numInducing` random features, `K = units`.
 *
 * - Features (frozen, non-trainable): `phi(x) = sqrt(2 / L) cos(x W / sqrt(s) + b)`, `[B, L]`,
 *   with `W` `[D, L]` random frequencies (`'rff'` or `'orf'`), `b` `U[0, 2 pi)` and
 *   `s = kernelScale`, so `phi(x) . phi(x') ~ exp(-||x - x'||^2 / (2 s))`. Inspect them with
 *   {@link RandomFeatureGaussianProcess.randomFeatures}.
 * - Output (trainable): `logits = phi(x) beta + bias`, `[B, K]`; this is what the layer
 *   returns, so a model ending in it trains with `model.fit` on logits.
 * - Posterior: with the prior `beta_k ~ N(0, I / r)` (`r = gpCovRidgePenalty`), the Laplace
 *   precision is `P = r I + sum_i w_i phi_i phi_i^T` (`w_i = 1` for `'gaussian'`,
 *   `p_ik (1 - p_ik)` per output `k` for `'binary_logistic'`), accumulated in every training
 *   call (`training: true`) and stored as the non-trainable weight `gp_precision`
 *   `[1 or K, L, L]`, saved with the model. The predictive variance is
 *   `var(x) = phi(x)^T P^{-1} phi(x)`.
 *
 * Where the ridge enters: once, as the prior precision `r I` inside `P` (at build, at
 * {@link RandomFeatureGaussianProcess.resetCovariance}, and in each moving-average step). The
 * covariance is `P^{-1}` itself; it is not multiplied by `r` again. Far from the training
 * data `phi(x)` is nearly orthogonal to every `phi_i`, so `var(x) -> ||phi(x)||^2 / r ~ 1 / r`.
 * edward2 and tensorflow/models multiply the variance by `r` (`r phi^T P^{-1} phi`, prior
 * variance ~1 whatever the ridge); `covarianceConvention: 'edward2'` computes theirs.
 *
 * `P^{-1}` is never formed: inference factors `P = L L^T` (Cholesky, in float64 with
 * ml-matrix) once, caches `L^{-1}`, and reuses it until `P` changes (a training call, a
 * reset, or loaded weights); `var(x) = ||L^{-1} phi(x)||^2`. On webgpu, which cannot read
 * back synchronously, `L^{-1}` is computed on the device instead (float32 elimination, `L`
 * steps of a few kernels each); there a precision that is not positive definite or holds NaN
 * gives NaN variances rather than an error.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { RandomFeatureGaussianProcess } from '@uqjs/sngp';
 *
 * const gp = new RandomFeatureGaussianProcess({ units: 3, numInducing: 256, seed: 1 });
 * const x = tf.randomNormal([32, 8], 0, 1, 'float32', 2);
 * gp.apply(x, { training: true }); // logits [32, 3]; accumulates the precision
 * const { logits, variance } = gp.predictWithCovariance(x); // [32, 3], [32]
 * ```
 * @since 0.1.0
 */
export class RandomFeatureGaussianProcess extends layers.Layer {
  /** @nocollapse */
  static className = 'RandomFeatureGaussianProcess';
  /** Number of outputs `K`. */
  readonly units: number;
  /** Number of random features `L`. */
  readonly numInducing: number;
  /** Whether inputs are layer-normalized before the features. */
  readonly normalizeInput: boolean;
  /** Whether features are multiplied by `sqrt(2 / L)`. */
  readonly scaleRandomFeatures: boolean;
  /** `s` in `exp(-||x - x'||^2 / (2 s))`. */
  readonly kernelScale: number;
  /** How the frequencies were drawn (the `randomFeatures` option). */
  readonly randomFeatureKind: RandomFeatureKind;
  /** `-1` for exact accumulation, else the moving-average momentum. */
  readonly gpCovMomentum: number;
  /** The ridge `r`: the prior precision of the output weights. */
  readonly gpCovRidgePenalty: number;
  /** The likelihood of the Laplace approximation. */
  readonly likelihood: GpLikelihood;
  /** Whether the variance is multiplied by the ridge (`'edward2'`) or not (`'posterior'`). */
  readonly covarianceConvention: GpCovarianceConvention;
  /** Seed of the random features and of the output kernel's initialization. */
  readonly seed: number;
  private weightsOf: {
    frequencies: LayerVariable;
    phases: LayerVariable;
    kernel: LayerVariable;
    bias: LayerVariable;
    precision: LayerVariable;
  } | null = null;
  private cache: { dataId: object; factor: Tensor } | null = null;

  constructor(args: RandomFeatureGaussianProcessArgs) {
    super(layerArgsObject(args, FN, 'an object { units, numInducing?, ... }'));
    this.units = checkCount(args.units, 'units', FN, MAX_GP_UNITS);
    this.numInducing = checkCount(args.numInducing ?? 1024, 'numInducing', FN, MAX_NUM_INDUCING);
    this.normalizeInput = checkBoolean(args.normalizeInput ?? false, 'normalizeInput', FN);
    this.scaleRandomFeatures = checkBoolean(
      args.scaleRandomFeatures ?? true,
      'scaleRandomFeatures',
      FN,
    );
    this.kernelScale = checkPositive(args.kernelScale ?? 1, 'kernelScale', FN);
    this.randomFeatureKind = checkOneOf(args.randomFeatures ?? 'rff', KINDS, 'randomFeatures', FN);
    this.gpCovMomentum = checkMomentum(args.gpCovMomentum ?? -1);
    this.gpCovRidgePenalty = checkPositive(args.gpCovRidgePenalty ?? 1, 'gpCovRidgePenalty', FN);
    this.likelihood = checkOneOf(args.likelihood ?? 'gaussian', LIKELIHOODS, 'likelihood', FN);
    if (this.likelihood === 'binary_logistic' && this.units !== 1) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'units',
        expected: "1 with likelihood 'binary_logistic' (use 'gaussian' for K >= 2 outputs)",
        given: this.units,
      });
    }
    this.covarianceConvention = checkOneOf(
      args.covarianceConvention ?? 'posterior',
      CONVENTIONS,
      'covarianceConvention',
      FN,
    );
    this.seed = checkSeed(args.seed ?? 0, 'seed', FN);
  }

  /** Number of precision matrices: one shared (Gaussian) or one per output (logistic). */
  private get numPrecisions(): number {
    return this.likelihood === 'gaussian' ? 1 : this.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, FN);
    const inputDim = shape[1];
    if (shape.length !== 2 || typeof inputDim !== 'number') {
      throw new ShapeError({
        fn: FN,
        argument: 'inputShape',
        expected: 'of rank 2, [B, D] with D known',
        given: shape,
      });
    }
    const L = this.numInducing;
    const zeros = initializers.zeros();
    const features = sampleRandomFeatures(this.randomFeatureKind, inputDim, L, this.seed);
    const frequencies = this.addWeight(
      'gp_frequencies',
      [inputDim, L],
      'float32',
      zeros,
      undefined,
      false,
    );
    const phases = this.addWeight('gp_phases', [L], 'float32', zeros, undefined, false);
    const outputInit = initializers.glorotUniform({ seed: deriveSeed(this.seed, 'output') });
    const kernel = this.addWeight(
      'gp_kernel',
      [L, this.units],
      'float32',
      outputInit,
      undefined,
      true,
    );
    const bias = this.addWeight('gp_bias', [this.units], 'float32', zeros, undefined, true);
    const precision = this.addWeight(
      'gp_precision',
      [this.numPrecisions, L, L],
      'float32',
      zeros,
      undefined,
      false,
    );
    tidy(() => {
      frequencies.write(tensor2d(features.frequencies, [inputDim, L]));
      phases.write(tensor1d(features.phases));
    });
    this.weightsOf = { frequencies, phases, kernel, bias, precision };
    this.resetCovariance();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, FN);
    return [shape[0] ?? null, this.units];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, FN);
      const phi = this.randomFeatures(x);
      const logits = this.logitsOf(phi);
      if (kwargs.training === true) this.accumulatePrecision(phi, logits);
      return logits;
    });
  }

  /**
   * The frozen random features `phi(x) = sqrt(2 / L) cos(x W / sqrt(s) + b)` (without the
   * `sqrt(2 / L)` when `scaleRandomFeatures` is off; after layer normalization of `x` when
   * `normalizeInput` is on).
   *
   * @param x - Inputs, `[B, D]`.
   * @returns Features, `[B, L]`.
   * @since 0.1.0
   */
  randomFeatures(x: Tensor): Tensor2D {
    const { frequencies, phases } = this.builtWeights();
    checkShape(x, [null, frequencies.shape[0]!], 'x', `${FN}.randomFeatures`);
    return tidy(() => {
      const h = this.normalizeInput ? layerNormalize(x) : x;
      // Scaling the input by 1 / sqrt(s) gives the kernel exp(-||x - x'||^2 / (2 s)).
      const projected = matMul(
        mul(h, 1 / Math.sqrt(this.kernelScale)) as Tensor2D,
        frequencies.read() as Tensor2D,
      );
      const phi = cos(add(projected, phases.read()));
      return (
        this.scaleRandomFeatures ? mul(phi, Math.sqrt(2 / this.numInducing)) : phi
      ) as Tensor2D;
    });
  }

  /**
   * Posterior mean logits and predictive (co)variance at `x`, without touching the precision.
   * Uses the cached `L^{-1}` of the precision's Cholesky factor, computed on the first call
   * after the precision changed.
   *
   * @param x - Inputs, `[B, D]` (the features this layer receives in the model).
   * @returns `{ logits [B, K], variance [B] or [B, K], covariance? [B, B] or [K, B, B] }`.
   * @example
   * ```ts
   * const { logits, variance } = gp.predictWithCovariance(features);
   * const adjusted = meanFieldLogits(logits, variance);
   * ```
   * @since 0.1.0
   */
  predictWithCovariance(x: Tensor, options: GpPredictOptions = {}): GpPrediction {
    const fn = `${FN}.predictWithCovariance`;
    const { frequencies } = this.builtWeights();
    checkRank(x, 2, 'x', fn);
    checkShape(x, [null, frequencies.shape[0]!], 'x', fn);
    checkOptionsObject(options, 'options', fn, 'an object { fullCovariance? }');
    const full = options.fullCovariance ?? false;
    checkBoolean(full, 'options.fullCovariance', fn);
    const factor = this.inverseFactor();
    const scale = this.covarianceConvention === 'edward2' ? this.gpCovRidgePenalty : 1;
    const prediction = tidy(() => {
      const phi = this.randomFeatures(x);
      const logits = this.logitsOf(phi);
      // V_p = L_p^{-1} Phi^T: [L, L] x [L, B] -> [L, B]; the transpose of Phi is explicit.
      const phiT = transpose(phi);
      // 'edward2' multiplies Phi P^{-1} Phi^T by r: scale V_p by sqrt(r).
      const whitened = unstack(factor).map((f) => {
        const v = matMul(f as Tensor2D, phiT);
        return scale === 1 ? v : mul(v, Math.sqrt(scale));
      });
      const variances = whitened.map((v) => sum(square(v), 0)); // ||V_p[:, b]||^2, [B]
      const shared = this.likelihood === 'gaussian';
      const variance = shared ? variances[0]! : stack(variances, 1); // [B] or [B, K]
      if (!full) return { logits, variance };
      // Phi P^{-1} Phi^T = V_p^T V_p: [B, L] x [L, B] -> [B, B].
      const covariances = whitened.map((v) => matMul(transpose(v), v));
      const covariance = shared ? covariances[0]! : stack(covariances, 0); // [B, B] or [K, B, B]
      return { logits, variance, covariance };
    });
    checkFinitePrediction(prediction, fn);
    return prediction;
  }

  /**
   * Resets the precision to its prior, `gpCovRidgePenalty * I` (for each output under
   * `'binary_logistic'`). Call it at the start of each epoch when `gpCovMomentum` is `-1`
   * ({@link resetCovarianceCallback} does).
   *
   * @since 0.1.0
   */
  resetCovariance(): void {
    const { precision } = this.builtWeights();
    tidy(() => {
      const prior = mul(eye(this.numInducing), this.gpCovRidgePenalty);
      // [L, L] -> [1, L, L] -> [P, L, L].
      precision.write(tile(expandDims(prior, 0), [this.numPrecisions, 1, 1]));
    });
    this.disposeCache();
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      units: this.units,
      numInducing: this.numInducing,
      normalizeInput: this.normalizeInput,
      scaleRandomFeatures: this.scaleRandomFeatures,
      kernelScale: this.kernelScale,
      randomFeatures: this.randomFeatureKind,
      gpCovMomentum: this.gpCovMomentum,
      gpCovRidgePenalty: this.gpCovRidgePenalty,
      likelihood: this.likelihood,
      covarianceConvention: this.covarianceConvention,
      seed: this.seed,
    };
    return { ...super.getConfig(), ...config };
  }

  override dispose(): ReturnType<layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.disposeCache();
    return result;
  }

  /** `phi beta + bias`: `[B, L] x [L, K] -> [B, K]`. */
  private logitsOf(phi: Tensor2D): Tensor2D {
    const { kernel, bias } = this.builtWeights();
    return add(matMul(phi, kernel.read() as Tensor2D), bias.read());
  }

  /** Adds this batch's curvature to the precision (see `gpCovMomentum`). */
  private accumulatePrecision(phi: Tensor2D, logits: Tensor2D): void {
    const { precision } = this.builtWeights();
    tidy(() => {
      // Rows of Phi weighted by sqrt(w): [P, B, L] (P = 1 shared, or one per output).
      let weighted = expandDims(phi, 0);
      if (this.likelihood === 'binary_logistic') {
        const p = sigmoid(logits);
        // sqrt(p (1 - p)) [B, K] -> [K, B] -> [K, B, 1], broadcast against [1, B, L].
        const root = expandDims(transpose(sqrt(mul(p, sub(1, p)))), 2);
        weighted = mul(root, weighted);
      }
      // Phi_w^T Phi_w: [P, L, B] x [P, B, L] -> [P, L, L]; the transpose is explicit.
      const batch = matMul(transpose(weighted, [0, 2, 1]), weighted);
      const current = precision.read();
      if (this.gpCovMomentum < 0) {
        precision.write(add(current, batch));
        return;
      }
      const m = this.gpCovMomentum;
      const prior = expandDims(mul(eye(this.numInducing), this.gpCovRidgePenalty), 0);
      const batchPrecision = add(prior, div(batch, phi.shape[0])); // ridge I + Phi_b^T W Phi_b / B
      precision.write(add(mul(current, m), mul(batchPrecision, 1 - m)));
    });
    this.disposeCache();
  }

  /**
   * `L_p^{-1}` for each precision `P_p = L_p L_p^T`, `[P, L, L]`: cached until `P` changes.
   * On webgpu (no synchronous read back) it is computed on the device in float32
   * ({@link inverseCholeskyFactorOnDevice}); elsewhere on the host in float64.
   */
  private inverseFactor(): Tensor {
    const { precision } = this.builtWeights();
    const current = precision.read();
    if (this.cache !== null && this.cache.dataId === current.dataId) return this.cache.factor;
    this.disposeCache();
    const factor = keep(
      getBackend() === 'webgpu'
        ? inverseCholeskyFactorOnDevice(current as Tensor3D)
        : this.inverseFactorOnHost(current),
    );
    this.cache = { dataId: current.dataId, factor };
    return factor;
  }

  /** {@link inverseCholeskyFactor} of each precision, `[P, L, L]` (float64 on the host). */
  private inverseFactorOnHost(current: Tensor): Tensor3D {
    const L = this.numInducing;
    // sync read: the precision for the float64 Cholesky on the host (not on webgpu, which
    // factors it on the device)
    const data = current.dataSync();
    if (!data.every((value) => Number.isFinite(value))) {
      throw new DataError(
        `${FN}.predictWithCovariance: the precision matrix gp_precision holds NaN or infinite values`,
      );
    }
    const out = new Float32Array(data.length);
    for (let p = 0; p < this.numPrecisions; p++) {
      out.set(inverseCholeskyFactor(data, L, FN, p * L * L), p * L * L);
    }
    return tensor3d(out, [this.numPrecisions, L, L]);
  }

  private disposeCache(): void {
    this.cache?.factor.dispose();
    this.cache = null;
  }

  private builtWeights(): NonNullable<RandomFeatureGaussianProcess['weightsOf']> {
    if (this.weightsOf === null) {
      throw new UqjsError(
        `${FN}: the layer is not built yet; apply it to an input or add it to a model first`,
      );
    }
    return this.weightsOf;
  }
}

/** `(x - mean) / sqrt(var + eps)` over the feature axis of `[B, D]`: no trainable scale or shift. */
function layerNormalize(x: Tensor): Tensor {
  return tidy(() => {
    const { mean, variance } = moments(x, -1, true);
    return mul(sub(x, mean), rsqrt(add(variance, scalar(LAYER_NORM_EPSILON))));
  });
}

/**
 * Throws a `DataError` (disposing `prediction`) when any logit or variance is NaN or
 * infinite: NaN in `x` or in the weights would otherwise pass through silently.
 */
function checkFinitePrediction(prediction: GpPrediction, fn: string): void {
  // sync read: one number, the NaN check of a sync API (issue 19.17); skipped on webgpu, which
  // cannot read back without awaiting.
  if (getBackend() === 'webgpu') return;
  const total = tidy(() => add(sum(prediction.logits), sum(prediction.variance)).dataSync()[0]!);
  if (Number.isFinite(total)) return;
  dispose([prediction.logits, prediction.variance, prediction.covariance ?? []]);
  throw new DataError(
    `${fn}: the logits or variances are not finite (NaN or infinite values in x or in the layer's weights)`,
  );
}

function checkMomentum(value: unknown): number {
  if (value === -1) return -1;
  if (typeof value === 'number' && value >= 0 && value < 1) return value;
  throw new InvalidArgumentError({
    fn: FN,
    argument: 'gpCovMomentum',
    expected: '-1 (exact accumulation) or a number in [0, 1)',
    given: value,
  });
}

serialization.registerClass(RandomFeatureGaussianProcess);
