import { div, maximum, mul, scalar, serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkCount,
  checkPositive,
  checkSeed,
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
import {
  conv2dOperator,
  denseOperator,
  type KernelOperator,
  powerIterate,
  spectralNormEstimate,
} from './kernel-operator.js';

const FN = 'SpectralNormalization';
/** Class names of the layers this wrapper can normalize. */
const SUPPORTED = ['Dense', 'Conv2D'] as const;
/** Largest `powerIterations` accepted (a `model.json` could ask for any number). */
export const MAX_POWER_ITERATIONS = 1000;
/**
 * Power-iteration steps run once in `build`, from the random start, so that `sigma` is
 * (nearly) the spectral norm before the first call: the error of the estimate falls like
 * `(sigma_2 / sigma_1)^(2 n)`.
 */
const BUILD_ITERATIONS = 50;

/**
 * Arguments of {@link SpectralNormalization}.
 *
 * @since 0.1.0
 */
export interface SpectralNormalizationArgs extends LayerArgs {
  /** The layer to normalize: a `tf.layers.dense` or a `tf.layers.conv2d` (not yet applied, or applied). */
  layer: layers.Layer;
  /** The bound `c` on the spectral norm, `> 0`. Default `0.95`. */
  normMultiplier?: number;
  /**
   * Power-iteration steps per training call (and per inference call until the first training
   * call), an integer in `[1, 1000]`. Default `1`.
   */
  powerIterations?: number;
  /** Seed of the initial power-iteration vectors. Default `0`. */
  seed?: number;
}

/**
 * Spectral normalization (Miyato et al., 2018) as used by SNGP (Liu et al., 2020): wraps a
 * `Dense` or `Conv2D` layer so that its linear map has spectral norm at most
 * `c = normMultiplier`. With `sigma` the estimated largest singular value of the map
 * (`W` for `Dense`; for `Conv2D` the convolution operator on the layer's input size, found by
 * power iteration with conv / transposed conv, not the norm of the reshaped kernel),
 * the layer computes
 *
 * `layer(x)` with kernel `W_sn = W * c / max(sigma, c)`,
 *
 * i.e. it rescales only when `sigma > c`, and leaves the layer unchanged otherwise. Because
 * both maps are linear, `W_sn x = W (x c / max(sigma, c))`: the wrapper rescales the input
 * of the wrapped layer, so any activation, bias, padding or data format of the layer is
 * kept exactly; gradients flow through `sigma = <u, A v>` into `W` as in the paper.
 *
 * `u` and `v` (the left and right singular-vector estimates) are persistent non-trainable
 * weights (`sn_u`, `sn_v`), saved with the model. `build` runs 50 steps
 * `v <- A^T u / ||A^T u||`, `u <- A v / ||A v||` from a seeded random start, so the bound
 * holds from the first call (up to the error of 50 steps, `~(sigma_2 / sigma_1)^100`). Each training call (`training: true`, as in `model.fit`) runs
 * `powerIterations` steps and stores them. Inference calls do the same until this wrapper
 * has seen its first training call or had `sn_u` loaded or set (so a kernel set with
 * `setWeights` on a fresh layer is normalized too), and afterwards reuse the stored pair, so that a trained model's
 * predictions do not change from call to call.
 *
 * The wrapped layer's `losses` (its kernel, bias and activity regularizers) are the
 * wrapper's, as with tfjs-layers' own wrappers, so `model.fit` applies them.
 *
 * Input and output: those of the wrapped layer (`Dense`: `[B, ..., in] -> [B, ..., out]`;
 * `Conv2D`: `[B, H, W, C]` images whose `H` and `W` must be known when the layer is built).
 * `Conv2D` with a `dilationRate` other than 1 is not supported.
 * Serializes its wrapped layer as `{ className, config }`, like the tfjs-layers wrappers.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { layers, sequential } from '@tensorflow/tfjs-layers';
 * import { SpectralNormalization } from '@uqjs/sngp';
 *
 * const model = sequential();
 * model.add(
 *   new SpectralNormalization({
 *     layer: layers.dense({ units: 16, activation: 'relu' }),
 *     normMultiplier: 0.95,
 *     inputShape: [8],
 *   }),
 * );
 * const y = model.predict(tf.ones([2, 8])); // [2, 16]
 * ```
 * @since 0.1.0
 */
export class SpectralNormalization extends layers.Layer {
  /** @nocollapse */
  static className = 'SpectralNormalization';
  /** The wrapped `Dense` or `Conv2D` layer. */
  readonly layer: layers.Layer;
  /** The bound `c` on the spectral norm. */
  readonly normMultiplier: number;
  /** Power-iteration steps per training call. */
  readonly powerIterations: number;
  /** Seed of the initial `u` and `v`. */
  readonly seed: number;
  private operator: KernelOperator | null = null;
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through destructuring in state()
  private kernel: LayerVariable | null = null;
  private u: LayerVariable | null = null;
  private v: LayerVariable | null = null;
  /**
   * Whether `u` and `v` come from training or were restored (loaded or set weights): until
   * then inference calls iterate too.
   */
  private trained = false;
  /** `dataId` of `u` as this layer last wrote it; another one means `u` was restored. */
  private writtenU: object | null = null;

  constructor(args: SpectralNormalizationArgs) {
    super(
      layerArgsObject(args, FN, 'an object { layer, normMultiplier?, powerIterations?, seed? }'),
    );
    this.layer = checkWrappable(args.layer);
    this.normMultiplier = checkPositive(args.normMultiplier ?? 0.95, 'normMultiplier', FN);
    this.powerIterations = checkCount(
      args.powerIterations ?? 1,
      'powerIterations',
      FN,
      MAX_POWER_ITERATIONS,
    );
    this.seed = checkSeed(args.seed ?? 0, 'seed', FN);
  }

  // The base constructor reads these before `layer` is set, hence the `undefined` checks.
  override get trainableWeights(): LayerVariable[] {
    if (this.layer === undefined) return [];
    return this.trainable ? this.layer.trainableWeights : [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    if (this.layer === undefined) return super.nonTrainableWeights;
    const inner = this.trainable ? this.layer.nonTrainableWeights : this.layer.weights;
    return inner.concat(super.nonTrainableWeights);
  }

  /** The wrapped layer's regularization losses, then the wrapper's own (tfjs `Wrapper` does the same). */
  override get losses(): layers.Layer['losses'] {
    if (this.layer === undefined) return super.losses;
    return [...this.layer.losses, ...super.losses];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, FN);
    if (!this.layer.built) {
      this.layer.build(shape);
      this.layer.built = true;
    }
    const kernel = this.layer.weights.find((w) => w.originalName.split('/').pop() === 'kernel');
    if (kernel === undefined) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'layer',
        expected: 'a layer with a weight named "kernel"',
        given: this.layer.weights.map((w) => w.originalName),
      });
    }
    this.kernel = kernel;
    this.operator = operatorOf(this.layer, shape, kernel.shape as number[]);
    const init = (label: string) =>
      initializers.randomNormal({ mean: 0, stddev: 1, seed: deriveSeed(this.seed, label) });
    const [uShape, vShape] = [this.operator.outputShape, this.operator.inputShape];
    this.u = this.addWeight('sn_u', [...uShape], 'float32', init('u'), undefined, false);
    this.v = this.addWeight('sn_v', [...vShape], 'float32', init('v'), undefined, false);
    this.updateSingularVectors(Math.max(BUILD_ITERATIONS, this.powerIterations));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, FN);
      if (kwargs.training === true) {
        this.updateSingularVectors(this.powerIterations);
        this.trained = true;
      } else if (!this.trained) {
        if (this.state().u.read().dataId === this.writtenU) {
          this.updateSingularVectors(this.powerIterations);
        } else {
          this.trained = true; // u and v were loaded or set: use them as they are
        }
      }
      const c = scalar(this.normMultiplier);
      // W_sn x = W (x * c / max(sigma, c)): rescaling the input rescales the linear map.
      const factor = div(c, maximum(this.sigma(), c));
      return this.layer.apply(mul(x, factor), kwargs) as Tensor;
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      layer: { className: this.layer.getClassName(), config: this.layer.getConfig() },
      normMultiplier: this.normMultiplier,
      powerIterations: this.powerIterations,
      seed: this.seed,
    };
    return { ...super.getConfig(), ...config };
  }

  /** @nocollapse */
  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const { layer, ...rest } = config;
    return new cls({ ...rest, layer: deserializeLayer(layer) });
  }

  /** The current estimate `sigma = <u, A v>` of the wrapped map's spectral norm, a scalar. */
  private sigma(): Tensor {
    const { operator, kernel, u, v } = this.state();
    return spectralNormEstimate(operator, kernel.read(), u.read(), v.read());
  }

  /** Runs `iterations` steps from the stored `u` and stores the new `u` and `v`. */
  private updateSingularVectors(iterations: number): void {
    const { operator, kernel, u, v } = this.state();
    tidy(() => {
      const next = powerIterate(operator, kernel.read(), u.read(), iterations);
      u.write(next.u);
      v.write(next.v);
    });
    this.writtenU = u.read().dataId;
  }

  private state(): {
    operator: KernelOperator;
    kernel: LayerVariable;
    u: LayerVariable;
    v: LayerVariable;
  } {
    const { operator, kernel, u, v } = this;
    if (operator === null || kernel === null || u === null || v === null) {
      throw new UqjsError(`${FN}: the layer is not built yet; apply it to an input first`);
    }
    return { operator, kernel, u, v };
  }
}

function checkWrappable(layer: unknown): layers.Layer {
  const supported = SUPPORTED as readonly string[];
  if (layer instanceof layers.Layer && supported.includes(layer.getClassName())) return layer;
  throw new InvalidArgumentError({
    fn: FN,
    argument: 'layer',
    expected: 'a tf.layers.dense or tf.layers.conv2d layer',
    given: layer instanceof layers.Layer ? `a ${layer.getClassName()} layer` : layer,
  });
}

/** The linear map of `layer`'s kernel on inputs of shape `inputShape`. */
function operatorOf(
  layer: layers.Layer,
  inputShape: Shape,
  kernelShape: readonly number[],
): KernelOperator {
  if (layer.getClassName() === 'Dense') {
    const [inputDim, units] = kernelShape as [number, number];
    return denseOperator(inputDim, units);
  }
  const config = layer.getConfig();
  const dilation = [config.dilationRate].flat();
  if (dilation.some((d) => d !== 1)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'layer.dilationRate',
      expected: '1 (dilated convolutions are not supported)',
      given: config.dilationRate,
    });
  }
  const channelsLast = config.dataFormat !== 'channelsFirst';
  // Spatial axes of [B, H, W, C] (channels last) or [B, C, H, W] (channels first).
  const [height, width] = channelsLast ? inputShape.slice(1, 3) : inputShape.slice(2, 4);
  if (inputShape.length !== 4 || typeof height !== 'number' || typeof width !== 'number') {
    throw new ShapeError({
      fn: FN,
      argument: 'inputShape',
      expected: 'a 4D image shape with known height and width',
      given: inputShape,
    });
  }
  const [kh, kw, inChannels, outChannels] = kernelShape as [number, number, number, number];
  const strides = [config.strides].flat() as number[];
  return conv2dOperator({
    height,
    width,
    inChannels,
    outChannels,
    kernelSize: [kh, kw],
    strides: [strides[0] ?? 1, strides[1] ?? strides[0] ?? 1],
    padding: config.padding === 'same' ? 'same' : 'valid',
  });
}

/** Rebuilds a layer from its `{ className, config }`, as tfjs-layers' own wrappers do. */
function deserializeLayer(value: serialization.ConfigDictValue | undefined): layers.Layer {
  const spec = value as { className?: unknown; config?: unknown } | null | undefined;
  const className = typeof spec?.className === 'string' ? spec.className : undefined;
  const entry =
    className === undefined
      ? undefined
      : serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined || spec?.config === null || typeof spec?.config !== 'object') {
    throw new InvalidArgumentError({
      fn: `${FN}.fromConfig`,
      argument: 'config.layer',
      expected: 'a registered layer as { className, config }',
      given: className ?? value,
    });
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, spec.config as serialization.ConfigDict) as unknown as layers.Layer;
}

serialization.registerClass(SpectralNormalization);
