import {
  add,
  div,
  log,
  logSoftmax,
  logSumExp,
  matMul,
  mean,
  mul,
  neg,
  reshape,
  type Scalar,
  scalar,
  serialization,
  softmax,
  softplus,
  split,
  square,
  sub,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkRank,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { HALF_LOG_TWO_PI, regressionTargets } from './heteroscedastic-nll.js';
import { DEFAULT_HEAD_EPS, type RegressionHeadOptions } from './regression-head.js';

/**
 * Arguments of {@link MixtureDensityHead}.
 *
 * @since 0.1.0
 */
export interface MixtureDensityHeadArgs extends LayerArgs {
  /** Number of Gaussian components `M >= 1`. */
  numComponents: number;
  /** Seed of the kernel's glorot-uniform initialization. Default: unseeded. */
  seed?: number;
}

/**
 * The output layer of a mixture density network (Bishop, 1994) for scalar regression: a
 * linear map from the features `[B, D]` to the raw mixture parameters `[B, 3M]`, laid out as
 * `M` component logits, `M` means and `M` raw scales. Read them with
 * {@link mixtureDensityParams}, train with {@link mixtureDensityNll} as the loss, predict
 * with {@link mixtureDensityMoments}.
 *
 * Weights: `kernel` `[D, 3M]` (glorot uniform), `bias` `[3M]` (zeros).
 *
 * @example
 * ```ts
 * const model = tf.sequential();
 * model.add(tf.layers.dense({ inputShape: [1], units: 32, activation: 'tanh' }));
 * model.add(new MixtureDensityHead({ numComponents: 3, seed: 1 }));
 * const optimizer = tf.train.adam(0.01);
 * optimizer.minimize(() => mixtureDensityNll(y, model.apply(x) as tf.Tensor)); // one step
 * ```
 * @since 0.1.0
 */
export class MixtureDensityHead extends layers.Layer {
  /** @nocollapse */
  static className = 'MixtureDensityHead';
  /** Number of components `M`. */
  readonly numComponents: number;
  /** The kernel initializer's seed, if given. */
  readonly seed: number | undefined;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: MixtureDensityHeadArgs) {
    const fn = 'MixtureDensityHead';
    super(layerArgsObject(args, fn, 'an object { numComponents, seed? }'));
    this.numComponents = checkPositiveInteger(args.numComponents, 'numComponents', fn);
    this.seed = layerSeed(args.seed, fn);
  }

  override build(inputShape: Shape | Shape[]): void {
    const inputDim = this.inputDim(inputShape);
    const width = 3 * this.numComponents;
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, width],
      'float32',
      initializers.glorotUniform(this.seed === undefined ? {} : { seed: this.seed }),
    );
    this.bias = this.addWeight('bias', [width], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'MixtureDensityHead');
    this.inputDim(shape);
    return [shape[0]!, 3 * this.numComponents];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, 'MixtureDensityHead.call');
      // [B, D] x [D, 3M] + [3M] -> [B, 3M].
      return add(matMul(x, this.kernel!.read()), this.bias!.read());
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = { numComponents: this.numComponents };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }

  private inputDim(inputShape: Shape | Shape[]): number {
    const shape = singleShape(inputShape, 'MixtureDensityHead');
    const inputDim = shape[1];
    if (shape.length !== 2 || typeof inputDim !== 'number' || inputDim < 1) {
      throw new ShapeError({
        fn: 'MixtureDensityHead',
        argument: 'inputShape',
        expected: 'of shape [B, D] with a known D >= 1',
        given: shape,
      });
    }
    return inputDim;
  }
}

serialization.registerClass(MixtureDensityHead);

/** Splits a raw mixture output `[B, 3M]` into logits, means and stds `[B, M]` each. */
function splitMixture(
  output: Tensor,
  options: RegressionHeadOptions,
  fn: string,
): { logits: Tensor2D; means: Tensor2D; stds: Tensor2D } {
  checkRank(output, 2, 'output', fn);
  const width = output.shape[1]!;
  if (width < 3 || width % 3 !== 0) {
    throw new ShapeError({
      fn,
      argument: 'output',
      expected: 'of shape [B, 3M] (M logits, M means, M raw scales)',
      given: output.shape,
    });
  }
  const opts = checkOptionsObject(options, 'options', fn, 'an object { eps? }');
  const eps = checkPositive(opts.eps ?? DEFAULT_HEAD_EPS, 'options.eps', fn);
  return tidy(() => {
    // [B, 3M] -> three [B, M] blocks along axis 1.
    const [logits, means, raw] = split(output, 3, 1) as [Tensor2D, Tensor2D, Tensor2D];
    return { logits, means, stds: add(softplus(raw), scalar(eps)) as Tensor2D };
  });
}

/**
 * The mixture parameters of a {@link MixtureDensityHead} output `[B, 3M]`: component weights
 * `softmax(logits)`, means, and standard deviations `softplus(raw) + eps`, each `[B, M]`.
 *
 * @example
 * ```ts
 * const { weights, means, stds } = mixtureDensityParams(model.predict(x) as tf.Tensor); // [B, M] each
 * ```
 * @throws {ShapeError} when `output` is not `[B, 3M]`; {InvalidArgumentError} for a bad `eps`.
 * @since 0.1.0
 */
export function mixtureDensityParams(
  output: Tensor,
  options: RegressionHeadOptions = {},
): { weights: Tensor2D; means: Tensor2D; stds: Tensor2D } {
  return tidy(() => {
    const { logits, means, stds } = splitMixture(output, options, 'mixtureDensityParams');
    return { weights: softmax(logits) as Tensor2D, means, stds };
  });
}

/**
 * Mean negative log-likelihood of a Gaussian mixture density network:
 * `mean_b -log sum_m w_bm N(y_b; mu_bm, s_bm^2)`, computed as a log-sum-exp over components
 * of `log_softmax(logits)_m - log s_m - log(2 pi) / 2 - (y - mu_m)^2 / (2 s_m^2)`, so it stays
 * finite where every component's density underflows. (`model.fit` insists that targets have
 * the output's shape `[B, 3M]`; train with `optimizer.minimize`, as in the example.)
 *
 * Shapes: `yTrue` `[B]` or `[B, 1]`, `output` `[B, 3M]`; returns a scalar.
 *
 * @example
 * ```ts
 * const step = () => mixtureDensityNll(y, model.apply(x) as tf.Tensor);
 * tf.train.adam(0.01).minimize(step);
 * ```
 * @throws {ShapeError} when the shapes do not match.
 * @since 0.1.0
 */
export function mixtureDensityNll(
  yTrue: Tensor,
  output: Tensor,
  options: RegressionHeadOptions = {},
): Scalar {
  const fn = 'mixtureDensityNll';
  return tidy(() => {
    const { logits, means, stds } = splitMixture(output, options, fn);
    // [B] or [B, 1] -> [B, 1], broadcast over the M components.
    const y = reshape(regressionTargets(yTrue, output, fn), [-1, 1]);
    const z = div(sub(y, means), stds);
    // [B, M]: log w_m + log N(y; mu_m, s_m^2).
    const logJoint = sub(
      sub(logSoftmax(logits), log(stds)),
      add(scalar(HALF_LOG_TWO_PI), mul(scalar(0.5), square(z))),
    );
    return mean(neg(logSumExp(logJoint, 1))) as Scalar;
  });
}

/**
 * The predictive mean and variance of a Gaussian mixture density output, by the law of total
 * variance: `mean = sum_m w_m mu_m`, `variance = sum_m w_m s_m^2 + sum_m w_m (mu_m - mean)^2`
 * (the expected component variance plus the variance of the component means; the
 * cancellation-free form of `sum_m w_m (s_m^2 + mu_m^2) - mean^2`).
 *
 * Shapes: `output` `[B, 3M]`; returns `mean`, `variance` `[B]`.
 *
 * @example
 * ```ts
 * const { mean, variance } = mixtureDensityMoments(model.predict(x) as tf.Tensor); // [B], [B]
 * ```
 * @throws {ShapeError} when `output` is not `[B, 3M]`.
 * @since 0.1.0
 */
export function mixtureDensityMoments(
  output: Tensor,
  options: RegressionHeadOptions = {},
): { mean: Tensor1D; variance: Tensor1D } {
  return tidy(() => {
    const { logits, means, stds } = splitMixture(output, options, 'mixtureDensityMoments');
    const weights = softmax(logits);
    // [B, M] -> [B]: weighted sums over the components (axis 1).
    const m = sum(mul(weights, means), 1);
    const spread = square(sub(means, reshape(m, [-1, 1])));
    const variance = sum(mul(weights, add(square(stds), spread)), 1);
    return { mean: m as Tensor1D, variance: variance as Tensor1D };
  });
}
