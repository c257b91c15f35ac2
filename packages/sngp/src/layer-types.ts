import type { Tensor } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@uqjs/core';

/** The base layer arguments of tfjs-layers (`name`, `inputShape`, `trainable`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
/** The keyword arguments tfjs-layers passes to `Layer.call` (`training`, `mask`). */
export type Kwargs = Parameters<layers.Layer['call']>[1];
/** A layer shape with `null` for unknown sizes. */
export type Shape = (number | null)[];

/** The one tensor of a single-input layer call; `fn` names the layer in the error. */
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

/** The one shape of a single-input layer's `build` / `computeOutputShape` argument. */
export function singleShape(inputShape: Shape | Shape[], fn: string): Shape {
  const nested = inputShape.length > 0 && Array.isArray(inputShape[0]);
  if (!nested) return inputShape as Shape;
  if (inputShape.length !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'inputShape',
      expected: 'the shape of exactly one input',
      given: `${inputShape.length} shapes`,
    });
  }
  return inputShape[0] as Shape;
}
