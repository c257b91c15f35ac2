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
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  type LayerShape as Shape,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { gaussianKl } from './gaussian-kl.js';
import { bayesianPassSeeds } from './pass-seed.js';

/**
 * Activations of the Bayesian layers, stored by name in their configs.
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
 * Arguments every Bayesian layer takes (the dense and convolutional ones add their sizes).
 *
 * @since 0.1.0
 */
export interface BayesianLayerArgs extends LayerArgs {
  /** Applied to the sampled pre-activation (`x W + b`). Default `'linear'`. */
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
export function softplusInverse(s: number): number {
  return Math.log(Math.expm1(s));
}

/** `activation` applied to `x` (internal: shared by the Bayesian layers). */
export function activate(activation: BayesianActivation, x: Tensor): Tensor {
  return APPLY[activation](x);
}

/** The checked {@link BayesianLayerArgs} a Bayesian layer keeps (internal). */
export interface BayesianSettings {
  activation: BayesianActivation;
  useBias: boolean;
  priorStd: number;
  initStd: number;
  numExamples: number;
  seed: number | undefined;
}

/**
 * Checks the arguments every Bayesian layer takes (internal); `args` is an object (the layer
 * passed it through `layerArgsObject` first).
 */
function readBayesianArgs(args: BayesianLayerArgs, fn: string): BayesianSettings {
  const initStd = checkPositive(args.initStd ?? DEFAULT_INIT_STD, 'initStd', fn);
  if (!Number.isFinite(softplusInverse(initStd))) {
    throw new InvalidArgumentError({
      fn,
      argument: 'initStd',
      expected: 'a positive number whose softplus inverse is finite (below about 700)',
      given: initStd,
    });
  }
  return {
    activation: checkOneOf(args.activation ?? 'linear', ACTIVATIONS, 'activation', fn),
    useBias: checkBoolean(args.useBias ?? true, 'useBias', fn),
    priorStd: checkPositive(args.priorStd ?? 1, 'priorStd', fn),
    initStd,
    numExamples: checkPositive(args.numExamples ?? 1, 'numExamples', fn),
    seed: layerSeed(args.seed, fn),
  };
}

/** The JSON config entries of `settings` (internal); `seed` only when set. */
export function settingsConfig(settings: BayesianSettings): serialization.ConfigDict {
  const config: serialization.ConfigDict = {
    activation: settings.activation,
    useBias: settings.useBias,
    priorStd: settings.priorStd,
    initStd: settings.initStd,
    numExamples: settings.numExamples,
  };
  if (settings.seed !== undefined) config.seed = settings.seed;
  return config;
}

/**
 * The seeds of a Bayesian layer's calls (internal): the pass seed under `bayesPredictive` (or
 * another predictive that sets one), else `deriveSeed(seed, 'call', i)` for the layer's `i`-th
 * seeded call, else none.
 */
export class CallSeeds {
  private calls = 0;

  constructor(
    private readonly layer: object,
    private readonly seed: number | undefined,
  ) {}

  /** The seed of the next call. */
  next(): number | undefined {
    const pass = bayesianPassSeeds.of(this.layer);
    if (pass !== undefined) return pass;
    if (this.seed === undefined) return undefined;
    return deriveSeed(this.seed, 'call', this.calls++);
  }
}

/**
 * What every Bayesian layer of this package keeps (internal): the checked
 * {@link BayesianLayerArgs} and the seeds of its calls. {@link BayesianLayer} and
 * `Rank1BayesianDense` extend it.
 */
export abstract class BayesianSettingsLayer extends layers.Layer implements BayesianSettings {
  /** The activation's name. */
  readonly activation: BayesianActivation;
  /** Whether the layer has a bias (a per-member one in a rank-1 layer). */
  readonly useBias: boolean;
  /** Prior standard deviation (of each weight, or of each rank-1 factor entry). */
  readonly priorStd: number;
  /** Posterior standard deviation at initialization. */
  readonly initStd: number;
  /** The KL divisor `N`. */
  readonly numExamples: number;
  /** The layer's seed, if given. */
  readonly seed: number | undefined;
  /** The seeds of the layer's calls. */
  protected readonly callSeeds: CallSeeds;

  /** `sizes` names the subclass's own arguments in the error for a non-object `args`. */
  constructor(args: BayesianLayerArgs, fn: string, sizes: string) {
    super(
      layerArgsObject(
        args,
        fn,
        `an object { ${sizes}, activation?, useBias?, priorStd?, initStd?, numExamples?, seed? }`,
      ),
    );
    const settings = readBayesianArgs(args, fn);
    this.activation = settings.activation;
    this.useBias = settings.useBias;
    this.priorStd = settings.priorStd;
    this.initStd = settings.initStd;
    this.numExamples = settings.numExamples;
    this.seed = settings.seed;
    this.callSeeds = new CallSeeds(this, this.seed);
  }
}

/**
 * What every Bayes by Backprop layer shares: a mean-field Gaussian posterior
 * `q(W) = prod N(kernelMean, softplus(kernelRho)^2)` over the kernel (and the bias `[C]`, one
 * per output channel), the prior `N(0, priorStd^2)`, the closed-form KL registered with
 * `addLoss` (so `model.fit` minimizes it), seeded sampling and the JSON config. Subclasses
 * supply the kernel's shape, the output shape, and how a kernel draw meets the input
 * (`sampleProduct`); the bias is added on the last axis.
 *
 * @since 0.1.0
 */
export abstract class BayesianLayer extends BayesianSettingsLayer {
  private kernelMean: LayerVariable | null = null;
  private kernelRho: LayerVariable | null = null;
  private biasMean: LayerVariable | null = null;
  private biasRho: LayerVariable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    const kernelShape = this.kernelShape(singleShape(inputShape, this.getClassName()));
    const channels = kernelShape.at(-1)!;
    const initSeed = this.seed === undefined ? undefined : deriveSeed(this.seed, 'init');
    const rho = initializers.constant({ value: softplusInverse(this.initStd) });
    this.kernelMean = this.addWeight(
      'kernel_mean',
      kernelShape,
      'float32',
      initializers.glorotUniform(initSeed === undefined ? {} : { seed: initSeed }),
    );
    this.kernelRho = this.addWeight('kernel_rho', kernelShape, 'float32', rho);
    if (this.useBias) {
      this.biasMean = this.addWeight('bias_mean', [channels], 'float32', initializers.zeros());
      this.biasRho = this.addWeight('bias_rho', [channels], 'float32', rho);
    }
    // The KL term joins the losses `model.fit` adds to the data loss on every step.
    this.addLoss(() => this.klDivergence());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, `${this.getClassName()}.call`);
      const seed = this.callSeeds.next();
      const sub = (label: string) => (seed === undefined ? undefined : deriveSeed(seed, label));
      const { kernelMean, kernelStd, biasMean, biasStd } = this.posterior();
      // One draw of the kernel's product with x, as the subclass samples it: [..., C].
      let out = this.sampleProduct(x, kernelMean, kernelStd, sub);
      if (biasMean !== null && biasStd !== null) {
        // One bias draw [C], shared by the batch and broadcast on the last axis: mean + std * eps.
        const eps = randomNormal(biasMean.shape, 0, 1, 'float32', sub('bias'));
        out = add(out, add(biasMean, mul(biasStd, eps)));
      }
      return activate(this.activation, out);
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
    return { ...super.getConfig(), ...settingsConfig(this) };
  }

  /** The kernel's shape for an input of shape `inputShape`, output channels last; checks it. */
  protected abstract kernelShape(inputShape: Shape): number[];

  /**
   * One draw of the layer's linear map of `x` with a kernel `W ~ q(W)` (`kernelMean`,
   * `kernelStd` of the kernel's shape), output channels last. `seedOf(label)` gives the
   * sub-seed of a named random draw of this call.
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
}
