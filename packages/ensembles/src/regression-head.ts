import {
  add,
  mul,
  scalar,
  softplus,
  square,
  type Tensor,
  type Tensor1D,
  tidy,
  unstack,
} from '@tensorflow/tfjs-core';
import { checkOptionsObject, checkPositive, checkRank, ShapeError } from '@uqjs/core';

/**
 * Options of the heteroscedastic regression heads.
 *
 * @since 0.1.0
 */
export interface RegressionHeadOptions {
  /** Floor added after the softplus so the variance (or scale) never reaches 0. Default `1e-6`. */
  eps?: number;
}

/** Default floor of the softplus heads. */
export const DEFAULT_HEAD_EPS = 1e-6;

/**
 * Checks a two-column regression output `[B, 2]` and returns its columns: the mean `[B]` and
 * the positive dispersion `softplus(raw) + eps` `[B]`.
 */
export function splitHead(
  output: Tensor,
  options: RegressionHeadOptions,
  fn: string,
): { mean: Tensor1D; dispersion: Tensor1D } {
  checkRank(output, 2, 'output', fn);
  if (output.shape[1] !== 2) {
    throw new ShapeError({
      fn,
      argument: 'output',
      expected: 'of shape [B, 2] (mean, raw dispersion)',
      given: output.shape,
    });
  }
  const opts = checkOptionsObject(options, 'options', fn, 'an object { eps? }');
  const eps = checkPositive(opts.eps ?? DEFAULT_HEAD_EPS, 'options.eps', fn);
  return tidy(() => {
    // [B, 2] -> two columns [B]: column 0 the mean, column 1 the raw dispersion.
    const [mean, raw] = unstack(output, 1) as [Tensor1D, Tensor1D];
    return { mean, dispersion: add(softplus(raw), scalar(eps)) as Tensor1D };
  });
}

/**
 * The Gaussian head of a heteroscedastic regression network: the output `[B, 2]` holds the
 * mean `mu` and a raw value `r`; the variance is `sigma^2 = softplus(r) + eps`.
 *
 * @example
 * ```ts
 * const { mean, variance } = gaussianParams(model.predict(x) as tf.Tensor); // [B], [B]
 * ```
 * @since 0.1.0
 */
export function gaussianParams(
  output: Tensor,
  options: RegressionHeadOptions = {},
): { mean: Tensor1D; variance: Tensor1D } {
  const { mean, dispersion } = splitHead(output, options, 'gaussianParams');
  return { mean, variance: dispersion };
}

/**
 * The Laplace head of a heteroscedastic regression network: the output `[B, 2]` holds the
 * location `mu` and a raw value `r`; the scale is `b = softplus(r) + eps`, so the density is
 * `exp(-|y - mu| / b) / (2 b)` and the variance `2 b^2` (returned too).
 *
 * @example
 * ```ts
 * const { mean, scale, variance } = laplaceParams(model.predict(x) as tf.Tensor); // each [B]
 * ```
 * @since 0.1.0
 */
export function laplaceParams(
  output: Tensor,
  options: RegressionHeadOptions = {},
): { mean: Tensor1D; scale: Tensor1D; variance: Tensor1D } {
  const { mean, dispersion } = splitHead(output, options, 'laplaceParams');
  const variance = tidy(() => mul(scalar(2), square(dispersion)) as Tensor1D);
  return { mean, scale: dispersion, variance };
}
