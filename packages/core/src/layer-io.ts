import type { Tensor } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from './errors.js';

/**
 * Small pieces every custom tfjs-layers layer of uqjs needs: the base constructor arguments,
 * the `call` keyword arguments, and unwrapping the single input of a one-input layer, whose
 * `call`, `build` and `computeOutputShape` may receive either one item or a list of one.
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
