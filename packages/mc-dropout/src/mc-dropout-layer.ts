import { dropout, serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import {
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  type LayerShape as Shape,
  singleInput,
} from '@uqjs/core';
import { dropoutPassSeeds } from './pass-seed.js';

/**
 * Arguments of {@link MCDropout}.
 *
 * @since 0.1.0
 */
export interface MCDropoutArgs extends LayerArgs {
  /** Fraction of units dropped, in `[0, 1)`. Kept units are scaled by `1 / (1 - rate)`. */
  rate: number;
  /**
   * Seed of the layer's own mask sequence: the `i`-th call draws its mask with
   * `deriveSeed(seed, i)`, so a fresh layer (or a loaded one) replays the same masks.
   * Without it, masks come from tfjs's unseeded generator. `mcDropoutPredict` overrides
   * it with a seed per forward pass.
   */
  seed?: number;
  /**
   * Shape of the binary mask, broadcast against the input; `null` entries take the input's
   * size. Default: the input's shape. E.g. `[null, 1, 1, null]` drops whole channels of a
   * `[B, H, W, C]` feature map.
   */
  noiseShape?: Shape;
}

/**
 * Dropout that stays active at prediction time (Gal and Ghahramani, 2016): every call, in
 * training and in inference, multiplies the input by a fresh Bernoulli mask
 * `m ~ Bernoulli(1 - rate) / (1 - rate)`, so `E[output] = input` and each `model.predict`
 * is one sample of the MC-dropout predictive. Use it where a layer must always be
 * stochastic; a standard `tf.layers.dropout` also works with `mcDropoutPredict`, which
 * switches it on only for MC prediction.
 *
 * Input and output: any shape `[B, ...]`. No weights.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { sequential, layers } from '@tensorflow/tfjs-layers';
 * import { MCDropout } from '@uqjs/mc-dropout';
 *
 * const model = sequential();
 * model.add(layers.dense({ inputShape: [4], units: 16, activation: 'relu' }));
 * model.add(new MCDropout({ rate: 0.2, seed: 1 }));
 * model.add(layers.dense({ units: 3, activation: 'softmax' }));
 * const sampleA = model.predict(tf.ones([2, 4])); // differs from the next call
 * ```
 * @since 0.1.0
 */
export class MCDropout extends layers.Layer {
  /** @nocollapse */
  static className = 'MCDropout';
  /** Fraction of units dropped, in `[0, 1)`. */
  readonly rate: number;
  /** Seed of the layer's own mask sequence, if given. */
  readonly seed: number | undefined;
  /** Mask shape, if given; `null` entries take the input's size. */
  readonly noiseShape: Shape | undefined;
  private calls = 0;

  constructor(args: MCDropoutArgs) {
    super(layerArgsObject(args, 'MCDropout', 'an object { rate, seed?, noiseShape? }'));
    const { rate, seed, noiseShape } = args;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new InvalidArgumentError({
        fn: 'MCDropout',
        argument: 'rate',
        expected: 'a number in [0, 1)',
        given: rate,
      });
    }
    this.seed = layerSeed(seed, 'MCDropout');
    if (noiseShape !== undefined && noiseShape !== null) checkNoiseShape(noiseShape);
    this.rate = rate;
    this.noiseShape = noiseShape ?? undefined;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, 'MCDropout.call');
      if (this.rate === 0) return x.clone();
      return dropout(x, this.rate, this.maskShape(x), this.nextSeed());
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = { rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    if (this.noiseShape !== undefined) config.noiseShape = this.noiseShape;
    return { ...super.getConfig(), ...config };
  }

  /** The pass seed under `mcDropoutPredict`, else the layer's own sequence, else none. */
  private nextSeed(): number | undefined {
    const pass = dropoutPassSeeds.of(this);
    if (pass !== undefined) return pass;
    if (this.seed === undefined) return undefined;
    return deriveSeed(this.seed, this.calls++);
  }

  /** The mask shape for input `x`: `noiseShape` with `null` filled from `x.shape`. */
  private maskShape(x: Tensor): number[] | undefined {
    if (this.noiseShape === undefined) return undefined;
    return this.noiseShape.map((size, axis) => size ?? x.shape[axis]!);
  }
}

function checkNoiseShape(noiseShape: unknown): void {
  const ok =
    Array.isArray(noiseShape) &&
    noiseShape.every((size) => size === null || (Number.isInteger(size) && size >= 1));
  if (!ok) {
    throw new InvalidArgumentError({
      fn: 'MCDropout',
      argument: 'noiseShape',
      expected: 'an array of positive integers or null',
      given: noiseShape,
    });
  }
}

serialization.registerClass(MCDropout);
