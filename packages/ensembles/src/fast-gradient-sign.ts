import {
  add,
  grad,
  mul,
  type Scalar,
  scalar,
  sign,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkFiniteNumber, InvalidArgumentError } from '@uqjs/core';

/**
 * The fast gradient sign adversarial example (Goodfellow et al., 2015), used for adversarial
 * training in deep ensembles (Lakshminarayanan et al., 2017):
 * `x' = x + eps * sign(d loss(x) / dx)`.
 *
 * Shapes: `x` any `[B, ...]`; returns a tensor of the same shape (the caller disposes it).
 * `eps` is in the units of `x`; the deep-ensembles paper uses 1% of each input's range.
 *
 * @example
 * ```ts
 * const xAdv = fastGradientSign((input) => gaussianNll(y, model.apply(input) as tf.Tensor), x, 0.01);
 * ```
 * @since 0.1.0
 */
export function fastGradientSign(loss: (x: Tensor) => Scalar, x: Tensor, eps: number): Tensor {
  if (typeof loss !== 'function') {
    throw new InvalidArgumentError({
      fn: 'fastGradientSign',
      argument: 'loss',
      expected: 'a function from the input tensor to a scalar loss',
      given: loss,
    });
  }
  checkFiniteNumber(eps, 'eps', 'fastGradientSign');
  if (eps < 0) {
    throw new InvalidArgumentError({
      fn: 'fastGradientSign',
      argument: 'eps',
      expected: '>= 0',
      given: eps,
    });
  }
  return tidy(() => add(x, mul(scalar(eps), sign(grad(loss)(x)))));
}
