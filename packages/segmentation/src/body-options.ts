import { initializers, input, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import {
  checkInRange,
  checkOptionsObject,
  checkPositiveInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  type Seed,
} from '@uqjs/core';

/**
 * Options every body builder shares.
 *
 * @since 0.1.0
 */
export interface BodyOptions {
  /** Image shape `[H, W, C]` (without the batch axis). */
  readonly inputShape: readonly [number, number, number];
  /** Filters of the first level; deeper levels double it. Default 16. */
  readonly baseFilters?: number;
  /**
   * Dropout rate in `[0, 1)` after the deepest block and each decoder block (standard
   * `tf.layers.dropout`, which `mcDropoutPredict` of `@uqjs/mc-dropout` switches on for MC
   * dropout). Default 0 (no dropout layers).
   */
  readonly dropoutRate?: number;
  /** Seed of every kernel initializer and dropout mask. Default 0. */
  readonly seed?: Seed;
}

/** {@link BodyOptions} after checks and defaults. */
export interface CheckedBody {
  readonly inputShape: [number, number, number];
  readonly baseFilters: number;
  readonly dropoutRate: number;
  readonly seed: Seed;
}

/** Checks the shared options; `divisor` is what H and W must be multiples of. */
export function checkBodyOptions(options: BodyOptions, divisor: number, fn: string): CheckedBody {
  // Left out, the options read as {} and the error names the missing opts.inputShape.
  const opts = checkOptionsObject(options, 'opts', fn, 'an options object');
  const shape = opts.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.inputShape',
      expected: '[H, W, C] (three positive integers)',
      given: shape,
    });
  }
  const [height, width, channels] = shape.map((size, i) =>
    checkPositiveInteger(size, `opts.inputShape[${i}]`, fn),
  ) as [number, number, number];
  if (height % divisor !== 0 || width % divisor !== 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.inputShape',
      expected: `H and W multiples of ${divisor}`,
      given: shape,
    });
  }
  const dropoutRate = checkInRange(opts.dropoutRate ?? 0, 'opts.dropoutRate', fn, 0, 1);
  if (dropoutRate === 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.dropoutRate',
      expected: 'a number in [0, 1)',
      given: 1,
    });
  }
  return {
    inputShape: [height, width, channels],
    baseFilters: checkPositiveInteger(opts.baseFilters ?? 16, 'opts.baseFilters', fn),
    dropoutRate,
    seed: checkSeed(opts.seed ?? 0, 'opts.seed', fn),
  };
}

/**
 * Builds named, seeded layers for one body: every layer's initializer and dropout mask get
 * `deriveSeed(seed, layerName)`, so the same seed gives the same network.
 */
export class LayerFactory {
  constructor(
    private readonly body: CheckedBody,
    private readonly prefix: string,
  ) {}

  /** A 3x3 (or `kernelSize`) `same` convolution with ReLU (so dilated ones train: see `@uqjs/backend`). */
  conv(
    x: SymbolicTensor,
    name: string,
    filters: number,
    opts: { kernelSize?: number; dilationRate?: number; strides?: number } = {},
  ): SymbolicTensor {
    const layerName = `${this.prefix}_${name}`;
    return layers
      .conv2d({
        name: layerName,
        filters,
        kernelSize: opts.kernelSize ?? 3,
        strides: opts.strides ?? 1,
        dilationRate: opts.dilationRate ?? 1,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: initializers.heNormal({ seed: deriveSeed(this.body.seed, layerName) }),
      })
      .apply(x) as SymbolicTensor;
  }

  /** Dropout with the body's rate (identity when the rate is 0). */
  dropout(x: SymbolicTensor, name: string): SymbolicTensor {
    if (this.body.dropoutRate === 0) return x;
    const layerName = `${this.prefix}_${name}`;
    return layers
      .dropout({
        name: layerName,
        rate: this.body.dropoutRate,
        seed: deriveSeed(this.body.seed, layerName),
      })
      .apply(x) as SymbolicTensor;
  }
}

/** The symbolic input of a body. */
export function bodyInput(body: CheckedBody, prefix: string): SymbolicTensor {
  return input({ shape: [...body.inputShape], name: `${prefix}_input` });
}
