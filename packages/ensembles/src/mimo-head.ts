import { add, matMul, reshape, serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkCount,
  checkOneOf,
  deriveSeed,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';
import { MAX_MEMBERS } from './ensemble-manifest.js';

const FN = 'MimoHead';

/** Largest `units` accepted (a `model.json` could ask for any size). */
const MAX_UNITS = 65536;

/** The kernel initializers a {@link MimoHead} takes, by tfjs-layers name; each is seeded. */
const KERNEL_INITIALIZERS = {
  glorotUniform: initializers.glorotUniform,
  glorotNormal: initializers.glorotNormal,
  heUniform: initializers.heUniform,
  heNormal: initializers.heNormal,
  leCunUniform: initializers.leCunUniform,
  leCunNormal: initializers.leCunNormal,
} as const;

/**
 * Name of a {@link MimoHead} kernel initializer (a tfjs-layers variance-scaling initializer).
 *
 * @since 0.1.0
 */
export type MimoKernelInitializer = keyof typeof KERNEL_INITIALIZERS;
const INITIALIZER_NAMES = Object.keys(KERNEL_INITIALIZERS) as MimoKernelInitializer[];

/**
 * Arguments of {@link MimoHead}.
 *
 * @since 0.1.0
 */
export interface MimoHeadArgs extends LayerArgs {
  /** Number of members `M`, in `[1, 1000]`. */
  members: number;
  /** Outputs `U` per member: `K` logits, or `2` for a heteroscedastic regression head. */
  units: number;
  /** Initializer of the kernel `[F, M * U]`. Default `'glorotUniform'`. */
  kernelInitializer?: MimoKernelInitializer;
  /** Whether the head has a bias `[M * U]` (initialized to zeros). Default `true`. */
  useBias?: boolean;
  /** Seed of the kernel initializer. Default: unseeded (from `Math.random`, as tfjs's). */
  seed?: number;
}

/**
 * The output layer of a MIMO network (Havasi et al., 2021): one dense map of the shared
 * features to `M * U` linear outputs, read as `U` outputs per member, member `m` at columns
 * `[m U, (m + 1) U)` before the reshape. Features `[B, F] -> [B, M, U]`. Train with
 * `mimoLoss`, predict with `mimoPredict`.
 *
 * @example
 * ```ts
 * const logits = new MimoHead({ members: 3, units: 2, seed: 1 }).apply(features); // [B, 3, 2]
 * ```
 * @since 0.1.0
 */
export class MimoHead extends layers.Layer {
  /** @nocollapse */
  static className = 'MimoHead';
  readonly members: number;
  readonly units: number;
  readonly kernelInitializer: MimoKernelInitializer;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: MimoHeadArgs) {
    super(layerArgsObject(args, FN, 'an object { members, units, ... }'));
    this.members = checkCount(args.members, 'members', FN, MAX_MEMBERS);
    this.units = checkCount(args.units, 'units', FN, MAX_UNITS);
    this.kernelInitializer = checkOneOf(
      args.kernelInitializer ?? 'glorotUniform',
      INITIALIZER_NAMES,
      'kernelInitializer',
      FN,
    );
    this.useBias = checkBoolean(args.useBias ?? true, 'useBias', FN);
    this.seed = layerSeed(args.seed, FN);
  }

  override build(inputShape: Shape | Shape[]): void {
    const features = featureSize(singleShape(inputShape, FN));
    const seed = this.seed ?? Math.floor(Math.random() * 2 ** 32);
    const width = this.members * this.units;
    this.kernel = this.addWeight(
      'kernel',
      [features, width],
      'float32',
      KERNEL_INITIALIZERS[this.kernelInitializer]({ seed: deriveSeed(seed, 'kernel') }),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [width], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, FN);
    featureSize(shape);
    return [shape[0] ?? null, this.members, this.units];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, FN);
      // [B, F] x [F, M * U] -> [B, M * U].
      let out = matMul(x, this.kernel!.read());
      if (this.bias !== null) out = add(out, this.bias.read());
      // [B, M * U] -> [B, M, U]: row-major, so member m's outputs are columns [m U, (m + 1) U).
      return reshape(out, [x.shape[0]!, this.members, this.units]);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      members: this.members,
      units: this.units,
      kernelInitializer: this.kernelInitializer,
      useBias: this.useBias,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }
}

/** The known `F` of features `[B, F]`. */
function featureSize(shape: Shape): number {
  const features = shape[1];
  if (shape.length !== 2 || typeof features !== 'number') {
    throw new ShapeError({
      fn: FN,
      argument: 'inputShape',
      expected: '[B, F] with F known (flatten or pool the features first)',
      given: shape,
    });
  }
  return features;
}

serialization.registerClass(MimoHead);
