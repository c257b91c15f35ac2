import {
  add,
  conv2d,
  mul,
  randomNormal,
  serialization,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import {
  checkOneOf,
  checkPositiveInteger,
  InvalidArgumentError,
  type LayerShape as Shape,
  ShapeError,
  singleShape,
} from '@uqjs/core';
import { BayesianLayer, type BayesianLayerArgs } from './bayesian-layer.js';

const PADDINGS = ['valid', 'same'] as const;

/**
 * Arguments of {@link Conv2DReparameterization}.
 *
 * @since 0.1.0
 */
export interface Conv2DReparameterizationArgs extends BayesianLayerArgs {
  /** Output channels `F`. */
  filters: number;
  /** Kernel height and width: one number for a square kernel, or `[kh, kw]`. */
  kernelSize: number | [number, number];
  /** Strides: one number or `[sh, sw]`. Default `1`. */
  strides?: number | [number, number];
  /** `'valid'` (default) or `'same'`, as in `tf.layers.conv2d`. */
  padding?: 'valid' | 'same';
}

function pair(value: unknown, argument: string, fn: string): [number, number] {
  if (typeof value === 'number') {
    const n = checkPositiveInteger(value, argument, fn);
    return [n, n];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a positive integer or a pair of them',
      given: value,
    });
  }
  return [
    checkPositiveInteger(value[0], `${argument}[0]`, fn),
    checkPositiveInteger(value[1], `${argument}[1]`, fn),
  ];
}

/** Output size of one spatial axis, as tfjs computes it; `null` stays unknown. */
function outputSize(size: number | null, kernel: number, stride: number, same: boolean) {
  if (size === null) return null;
  return same ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/**
 * A Bayes by Backprop 2-D convolution with the reparameterization estimator: each call draws
 * one kernel `W = mean + softplus(rho) * eps` `[kh, kw, Cin, F]` (and one bias `[F]`), shared
 * by the batch, and returns `activation(conv2d(x, W) + b)`. Posterior, prior, KL loss, seeds
 * and config as in {@link DenseReparameterization}. Channels last.
 *
 * Input `[B, H, W, Cin]`, output `[B, H', W', F]`.
 *
 * @example
 * ```ts
 * const conv = new Conv2DReparameterization({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', numExamples: 60000, seed: 1 });
 * ```
 * @since 0.1.0
 */
export class Conv2DReparameterization extends BayesianLayer {
  /** @nocollapse */
  static className = 'Conv2DReparameterization';
  /** Output channels `F`. */
  readonly filters: number;
  /** `[kh, kw]`. */
  readonly kernelSize: [number, number];
  /** `[sh, sw]`. */
  readonly strides: [number, number];
  /** `'valid'` or `'same'`. */
  readonly padding: 'valid' | 'same';

  constructor(args: Conv2DReparameterizationArgs) {
    // Errors name the class constructed (a subclass such as Conv2DFlipout names itself).
    const fn = (new.target as { className: string }).className;
    super(args, fn, 'filters, kernelSize, strides?, padding?');
    this.filters = checkPositiveInteger(args.filters, 'filters', fn);
    this.kernelSize = pair(args.kernelSize, 'kernelSize', fn);
    this.strides = pair(args.strides ?? 1, 'strides', fn);
    this.padding = checkOneOf(args.padding ?? 'valid', PADDINGS, 'padding', fn);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.getClassName());
    this.kernelShape(shape);
    const same = this.padding === 'same';
    return [
      shape[0]!,
      outputSize(shape[1]!, this.kernelSize[0], this.strides[0], same),
      outputSize(shape[2]!, this.kernelSize[1], this.strides[1], same),
      this.filters,
    ];
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
    };
  }

  /** `[kh, kw, Cin, F]` for an input `[B, H, W, Cin]` with a known `Cin >= 1`. */
  protected override kernelShape(inputShape: Shape): number[] {
    const channels = inputShape[3];
    if (inputShape.length !== 4 || typeof channels !== 'number' || channels < 1) {
      throw new ShapeError({
        fn: this.getClassName(),
        argument: 'inputShape',
        expected: 'of shape [B, H, W, C] (channels last) with a known C >= 1',
        given: inputShape,
      });
    }
    return [...this.kernelSize, channels, this.filters];
  }

  protected override sampleProduct(
    x: Tensor,
    kernelMean: Tensor,
    kernelStd: Tensor,
    seedOf: (label: string) => number | undefined,
  ): Tensor {
    const eps = randomNormal(kernelMean.shape, 0, 1, 'float32', seedOf('kernel'));
    const kernel = add(kernelMean, mul(kernelStd, eps)) as Tensor4D;
    // [B, H, W, Cin] * [kh, kw, Cin, F] -> [B, H', W', F], one kernel draw for the batch.
    return conv2d(x as Tensor4D, kernel, this.strides, this.padding);
  }
}

serialization.registerClass(Conv2DReparameterization);
