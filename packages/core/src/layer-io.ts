import type { Tensor } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { checkInRange, checkPositiveInteger } from './checks.js';
import { InvalidArgumentError } from './errors.js';
import { checkSeed } from './seed.js';

/**
 * Small pieces every custom tfjs-layers layer of uqjs needs: the base constructor arguments,
 * the `call` keyword arguments, the checks of a constructor's `args` object and its counts,
 * and unwrapping the single input of a one-input layer, whose `call`, `build` and
 * `computeOutputShape` may receive either one item or a list of one.
 * Type-only use of `@tensorflow/tfjs-layers`: nothing here runs tfjs.
 */

/** The base layer arguments of tfjs-layers (`name`, `inputShape`, `trainable`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** The keyword arguments tfjs-layers passes to `Layer.call` (`training`, `mask`). */
export type LayerCallKwargs = Parameters<layers.Layer['call']>[1];

/** A layer shape with `null` for unknown sizes, e.g. `[null, 784]`. */
export type LayerShape = (number | null)[];

/**
 * The one tensor of a single-input layer call.
 *
 * @throws {InvalidArgumentError} naming `fn` when a list of several tensors is given.
 * @since 0.1.0
 */
export function singleInput(inputs: Tensor | Tensor[], fn: string): Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'inputs',
      expected: 'exactly one tensor',
      given: `${inputs.length} tensors`,
    });
  }
  return inputs[0]!;
}

/**
 * The one shape of a single-input layer's `build` / `computeOutputShape` argument.
 *
 * @throws {InvalidArgumentError} naming `fn` when several shapes are given.
 * @since 0.1.0
 */
export function singleShape(inputShape: LayerShape | LayerShape[], fn: string): LayerShape {
  const nested = inputShape.length > 0 && Array.isArray(inputShape[0]);
  if (!nested) return inputShape as LayerShape;
  if (inputShape.length !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'inputShape',
      expected: 'the shape of exactly one input',
      given: `${inputShape.length} shapes`,
    });
  }
  return inputShape[0] as LayerShape;
}

/**
 * The `args` of a layer constructor, checked to be an object, to pass to `super`: a
 * non-object would make the tfjs-layers base constructor throw a raw `TypeError`, so this
 * throws one naming the layer and `args` instead, before the base constructor runs.
 *
 * @param args the constructor's argument as the caller gave it.
 * @param fn the layer's name, e.g. `'MimoHead'`.
 * @param expected what `args` should be, e.g. `'an object { members, units, ... }'`.
 * @throws {InvalidArgumentError} naming `fn` and `args` when `args` is not an object (or is `null`).
 * @example
 * ```ts
 * constructor(args: MyLayerArgs) {
 *   super(layerArgsObject(args, 'MyLayer', 'an object { units, seed? }'));
 * }
 * ```
 * @since 0.1.0
 */
export function layerArgsObject<T>(args: T, fn: string, expected: string): T & object {
  if (args === null || typeof args !== 'object') {
    throw new InvalidArgumentError({ fn, argument: 'args', expected, given: args });
  }
  return args;
}

/**
 * Checks that `value` is a count: an integer in `[1, max]`. The error says "an integer >= 1"
 * for a value that is not a positive integer and "a number in [1, max]" for one above `max`
 * (the messages of `checkPositiveInteger` and `checkInRange`).
 *
 * @param max the largest count allowed (a bound on memory, e.g. members or units).
 * @throws {InvalidArgumentError} naming `fn` and `argument`.
 * @example
 * ```ts
 * const members = checkCount(args.members, 'members', 'MimoHead', 64);
 * ```
 * @since 0.1.0
 */
export function checkCount(value: unknown, argument: string, fn: string, max: number): number {
  return checkInRange(checkPositiveInteger(value, argument, fn), argument, fn, 1, max);
}

/**
 * The optional `seed` of a layer's arguments: `undefined`, or `null` (how a saved config
 * without one may read back), gives `undefined`; anything else must be a seed (`checkSeed`).
 *
 * @throws {InvalidArgumentError} naming `fn` and `seed` for a value that is not an integer in
 *   `[0, 2^32)`.
 * @example
 * ```ts
 * this.seed = layerSeed(args.seed, 'MyLayer'); // number | undefined
 * ```
 * @since 0.1.0
 */
export function layerSeed(seed: unknown, fn: string): number | undefined {
  return seed === undefined || seed === null ? undefined : checkSeed(seed, 'seed', fn);
}
