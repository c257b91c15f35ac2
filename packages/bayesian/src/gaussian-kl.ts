import {
  add,
  div,
  log,
  type Scalar,
  scalar,
  square,
  sub,
  sum,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { checkPositive, checkSameShape } from '@uqjs/core';

/**
 * The KL divergence of a mean-field Gaussian posterior from a zero-mean Gaussian prior,
 * summed over every weight:
 * `KL(q || p) = sum_i [ log(priorStd / std_i) + (std_i^2 + mean_i^2) / (2 priorStd^2) - 1/2 ]`
 * with `q = prod_i N(mean_i, std_i^2)` and `p = prod_i N(0, priorStd^2)`.
 *
 * Shapes: `mean` and `std` of any one shape (e.g. a kernel `[D, U]`); returns a scalar.
 *
 * @example
 * ```ts
 * const kl = gaussianKl(tf.tensor1d([0, 1]), tf.tensor1d([1, 1]), 1); // 0 + 0.5 = 0.5
 * ```
 * @throws {ShapeError} when `mean` and `std` differ in shape.
 * @throws {InvalidArgumentError} when `priorStd` is not a positive number.
 * @since 0.1.0
 */
export function gaussianKl(mean: Tensor, std: Tensor, priorStd: number): Scalar {
  const fn = 'gaussianKl';
  checkSameShape(mean, std, 'mean', 'std', fn);
  checkPositive(priorStd, 'priorStd', fn);
  return tidy(() => {
    const priorVar = 2 * priorStd * priorStd;
    // Per weight: log(priorStd) - log(std) + (std^2 + mean^2) / (2 priorStd^2) - 1/2.
    const perWeight = add(
      sub(scalar(Math.log(priorStd) - 0.5), log(std)),
      div(add(square(std), square(mean)), scalar(priorVar)),
    );
    return sum(perWeight) as Scalar;
  });
}
