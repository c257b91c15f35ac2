import {
  add,
  mul,
  randomNormal,
  relu,
  type Scalar,
  scalar,
  type serialization,
  sigmoid,
  softmax,
  softplus,
  type Tensor,
  tanh,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { gaussianKl } from './gaussian-kl.js';
import { passSeedOf } from './pass-seed.js';

/**
 * Activations of the Bayesian dense layers, stored by name in their configs.
 *
 * @since 0.1.0
 */
export type BayesianActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'softmax';

const ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'softmax'] as const;

const APPLY: Record<BayesianActivation, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu: (x) => relu(x),
  tanh: (x) => tanh(x),
  sigmoid: (x) => sigmoid(x),
  softmax: (x) => softmax(x),
};

/**
 * Arguments of {@link DenseReparameterization} and {@link DenseFlipout}.
 *
 * @since 0.1.0
 */
export interface BayesianDenseArgs extends LayerArgs {
  /** Output width `U`. */
  units: number;
  /** Applied to `x W + b`. Default `'linear'`. */
  activation?: BayesianActivation;
  /** Whether the layer has a (Bayesian) bias. Default `true`. */
  useBias?: boolean;
  /** Standard deviation of the prior `N(0, priorStd^2)` on every weight. Default `1`. */
  priorStd?: number;
  /**
   * Posterior standard deviation at initialization, the same for every weight (the raw
   * parameter `rho` starts at `softplusInverse(initStd)`). Default `0.01`: small, so training
   * starts close to a deterministic network.
   */
  initStd?: number;
  /**
   * The KL term added as the layer's loss is divided by this. Give the number of training
   * examples `N`: `model.fit` minimizes the mean data loss over a batch plus the layer losses,
   * so the sum is the negative ELBO per example. Default `1` (the full KL).
   */
  numExamples?: number;
  /**
   * Seed of the layer: the posterior means are initialized from `deriveSeed(seed, 'init')`
   * and the `i`-th call samples its weights from `deriveSeed(seed, 'call', i)`, so repeated
   * calls differ while a fresh (or loaded) layer replays the same sequence. Without it, weights
   * come from tfjs's unseeded generators. `bayesPredictive` overrides it with a seed per pass.
   */
  seed?: number;
}

const DEFAULT_INIT_STD = 0.01;

/** `softplusInverse(s) = log(exp(s) - 1)`, in float64. */
function softplusInverse(s: number): number {
  return Math.log(Math.expm1(s));
}

/**
 * What the two Bayes by Backprop dense layers share: a mean-field Gaussian posterior
 * `q(W) = prod N(kernelMean, softplus(kernelRho)^2)` over the kernel `[D, U]` (and the bias
 * `[U]`), the prior `N(0, priorStd^2)`, the closed-form KL registered with `addLoss` (so
 * `model.fit` minimizes it), seeded sampling and the JSON config. Subclasses supply only how
 * the kernel sample meets the input (`sampleProduct`).
 *
 * Input `[B, D]`, output `[B, U]`.
 */
export abstract class BayesianDense extends layers.Layer {
  /** Output width `U`. */
  readonly units: number;
  /** The activation's name. */
  readonly activation: BayesianActivation;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** Prior standard deviation. */
  readonly priorStd: number;
  /** Posterior standard deviation at initialization. */
  readonly initStd: number;
  /** The KL divisor `N`. */
  readonly numExamples: number;
  /** The layer's seed, if given. */
  readonly seed: number | undefined;
  private kernelMean: LayerVariable | null = null;
  private kernelRho: LayerVariable | null = null;
  private biasMean: LayerVariable | null = null;
  private biasRho: LayerVariable | null = null;
  private calls = 0;

  constructor(args: BayesianDenseArgs, fn: string) {
    // A non-object would make the base constructor throw a raw TypeError; the check below names it.
    super(args !== null && typeof args === 'object' ? args : {});
    if (args === null || typeof args !== 'object') {
      throw new InvalidArgumentError({
        fn,
        argument: 'args',
        expected:
          'an object { units, activation?, useBias?, priorStd?, initStd?, numExamples?, seed? }',
        given: args,
      });
    }
    this.units = checkPositiveInteger(args.units, 'units', fn);
    this.activation = checkOneOf(args.activation ?? 'linear', ACTIVATIONS, 'activation', fn);
    this.useBias = checkBoolean(args.useBias ?? true, 'useBias', fn);
    this.priorStd = checkPositive(args.priorStd ?? 1, 'priorStd', fn);
    this.initStd = checkPositive(args.initStd ?? DEFAULT_INIT_STD, 'initStd', fn);
    if (!Number.isFinite(softplusInverse(this.initStd))) {
      throw new InvalidArgumentError({
        fn,
        argument: 'initStd',
        expected: 'a positive number whose softplus inverse is finite (below about 700)',
        given: this.initStd,
      });
    }
    this.numExamples = checkPositive(args.numExamples ?? 1, 'numExamples', fn);
    this.seed =
      args.seed === undefined || args.seed === null ? undefined : checkSeed(args.seed, 'seed', fn);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.inputShapeOf(inputShape);
    const inputDim = shape[1]!;
    const initSeed = this.seed === undefined ? undefined : deriveSeed(this.seed, 'init');
    const rho = initializers.constant({ value: softplusInverse(this.initStd) });
    this.kernelMean = this.addWeight(
      'kernel_mean',
      [inputDim, this.units],
      'float32',
      initializers.glorotUniform(initSeed === undefined ? {} : { seed: initSeed }),
    );
    this.kernelRho = this.addWeight('kernel_rho', [inputDim, this.units], 'float32', rho);
    if (this.useBias) {
      this.biasMean = this.addWeight('bias_mean', [this.units], 'float32', initializers.zeros());
      this.biasRho = this.addWeight('bias_rho', [this.units], 'float32', rho);
    }
    // The KL term joins the losses `model.fit` adds to the data loss on every step.
    this.addLoss(() => this.klDivergence());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = this.inputShapeOf(inputShape);
    return [shape[0]!, this.units];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, `${this.getClassName()}.call`);
      const seed = this.nextSeed();
      const sub = (label: string) => (seed === undefined ? undefined : deriveSeed(seed, label));
      const { kernelMean, kernelStd, biasMean, biasStd } = this.posterior();
      // [B, D] x posterior [D, U] -> [B, U]: one draw of the product, as the subclass samples it.
      let out = this.sampleProduct(x, kernelMean, kernelStd, sub);
      if (biasMean !== null && biasStd !== null) {
        // One bias draw [U], shared by the batch: mean + std * eps.
        const eps = randomNormal([this.units], 0, 1, 'float32', sub('bias'));
        out = add(out, add(biasMean, mul(biasStd, eps)));
      }
      return APPLY[this.activation](out);
    });
  }

  /**
   * The KL divergence of the posterior from the prior over all the layer's weights, divided
   * by `numExamples`: the loss this layer adds. A scalar.
   *
   * @throws {InvalidArgumentError} before the layer is built.
   */
  klDivergence(): Scalar {
    return tidy(() => {
      const { kernelMean, kernelStd, biasMean, biasStd } = this.posterior();
      let kl = gaussianKl(kernelMean, kernelStd, this.priorStd);
      if (biasMean !== null && biasStd !== null) {
        kl = add(kl, gaussianKl(biasMean, biasStd, this.priorStd));
      }
      return mul(kl, scalar(1 / this.numExamples)) as Scalar;
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      priorStd: this.priorStd,
      initStd: this.initStd,
      numExamples: this.numExamples,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }

  /**
   * One draw of `x W` for `W ~ q(W)`: `x` `[B, D]`, `kernelMean` and `kernelStd` `[D, U]`,
   * result `[B, U]`. `seedOf(label)` gives the sub-seed of a named random draw of this call.
   */
  protected abstract sampleProduct(
    x: Tensor,
    kernelMean: Tensor,
    kernelStd: Tensor,
    seedOf: (label: string) => number | undefined,
  ): Tensor;

  /** The posterior's means and standard deviations `softplus(rho)`. */
  private posterior(): {
    kernelMean: Tensor;
    kernelStd: Tensor;
    biasMean: Tensor | null;
    biasStd: Tensor | null;
  } {
    if (this.kernelMean === null || this.kernelRho === null) {
      throw new InvalidArgumentError({
        fn: `${this.getClassName()}.klDivergence`,
        argument: 'layer',
        expected: 'a built layer (call it or add it to a model first)',
        given: 'an unbuilt layer',
      });
    }
    const biasMean = this.biasMean?.read() ?? null;
    const biasRho = this.biasRho?.read() ?? null;
    return {
      kernelMean: this.kernelMean.read(),
      kernelStd: softplus(this.kernelRho.read()),
      biasMean,
      biasStd: biasRho === null ? null : softplus(biasRho),
    };
  }

  /** The pass seed under `bayesPredictive`, else the layer's own sequence, else none. */
  private nextSeed(): number | undefined {
    const pass = passSeedOf(this);
    if (pass !== undefined) return pass;
    if (this.seed === undefined) return undefined;
    return deriveSeed(this.seed, 'call', this.calls++);
  }

  /** The input shape, checked to be `[B, D]` with a known `D >= 1`. */
  private inputShapeOf(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.getClassName());
    const inputDim = shape[1];
    if (shape.length !== 2 || typeof inputDim !== 'number' || inputDim < 1) {
      throw new ShapeError({
        fn: this.getClassName(),
        argument: 'inputShape',
        expected: 'of shape [B, D] with a known D >= 1',
        given: shape,
      });
    }
    return shape;
  }
}
