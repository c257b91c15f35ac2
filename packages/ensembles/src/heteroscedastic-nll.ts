import {
  abs,
  add,
  div,
  log,
  mean,
  mul,
  reshape,
  type Scalar,
  scalar,
  square,
  sub,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { ShapeError } from '@uqjs/core';
import { type RegressionHeadOptions, splitHead } from './regression-head.js';

/** `log(2 pi) / 2`, the Gaussian density's constant. */
export const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Checks `yTrue` (`[B]` or `[B, 1]`, one target per row of `output` `[B, ...]`) and flattens it
 * to `[B]`.
 */
export function regressionTargets(yTrue: Tensor, output: Tensor, fn: string): Tensor {
  const rows = output.shape[0];
  const ok =
    (yTrue.rank === 1 && yTrue.shape[0] === rows) ||
    (yTrue.rank === 2 && yTrue.shape[0] === rows && yTrue.shape[1] === 1);
  if (!ok) {
    throw new ShapeError({
      fn,
      argument: 'yTrue',
      expected: `of shape [${rows}] or [${rows}, 1] (one target per row of output)`,
      given: yTrue.shape,
    });
  }
  // [B, 1] or [B] -> [B].
  return reshape(yTrue, [-1]);
}

/**
 * Mean Gaussian negative log-likelihood of a heteroscedastic regression network
 * (Nix and Weigend, 1994; Lakshminarayanan et al., 2017):
 * `mean_b [ 0.5 log(2 pi sigma_b^2) + (y_b - mu_b)^2 / (2 sigma_b^2) ]`,
 * with `mu = output[:, 0]` and `sigma^2 = softplus(output[:, 1]) + eps` (see `gaussianParams`).
 *
 * Shapes: `yTrue` `[B]` or `[B, 1]`, `output` `[B, 2]`; returns a scalar.
 *
 * @example
 * ```ts
 * const loss = gaussianNll(tf.tensor1d([0.5]), tf.tensor2d([[0, 0]])); // variance softplus(0) = log 2
 * ```
 * @since 0.1.0
 */
export function gaussianNll(
  yTrue: Tensor,
  output: Tensor,
  options: RegressionHeadOptions = {},
): Scalar {
  const fn = 'gaussianNll';
  return tidy(() => {
    const { mean: mu, dispersion: variance } = splitHead(output, options, fn);
    const y = regressionTargets(yTrue, output, fn);
    const perRow = add(
      add(scalar(HALF_LOG_TWO_PI), mul(scalar(0.5), log(variance))),
      div(square(sub(y, mu)), mul(scalar(2), variance)),
    );
    return mean(perRow) as Scalar;
  });
}

/**
 * Mean Laplace negative log-likelihood of a heteroscedastic regression network:
 * `mean_b [ log(2 b_b) + |y_b - mu_b| / b_b ]`, with `mu = output[:, 0]` and
 * `b = softplus(output[:, 1]) + eps` (see `laplaceParams`). Its mean minimizer is the
 * conditional median; the variance of each prediction is `2 b^2`.
 *
 * Shapes: `yTrue` `[B]` or `[B, 1]`, `output` `[B, 2]`; returns a scalar.
 *
 * @example
 * ```ts
 * const loss = laplaceNll(tf.tensor1d([0.5]), tf.tensor2d([[0, 0]])); // scale softplus(0) = log 2
 * ```
 * @since 0.1.0
 */
export function laplaceNll(
  yTrue: Tensor,
  output: Tensor,
  options: RegressionHeadOptions = {},
): Scalar {
  const fn = 'laplaceNll';
  return tidy(() => {
    const { mean: mu, dispersion: scale } = splitHead(output, options, fn);
    const y = regressionTargets(yTrue, output, fn);
    const perRow = add(log(mul(scalar(2), scale)), div(abs(sub(y, mu)), scale));
    return mean(perRow) as Scalar;
  });
}
