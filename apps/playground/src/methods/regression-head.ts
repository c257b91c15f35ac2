import {
  type Scalar,
  slice,
  stack,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { gaussianNll, gaussianParams, laplaceNll, laplaceParams } from '@uqjs/ensembles';
import type { RegressionLikelihood } from '../settings.js';

/**
 * The heteroscedastic regression output of `@uqjs/ensembles`: a linear `[N, 2]` layer whose
 * columns are the mean and a raw dispersion (`softplus(raw) + eps` is the Gaussian variance
 * or the Laplace scale).
 */
export function regressionHead(): layers.Layer {
  return layers.dense({ units: 2 });
}

/**
 * Targets `[N]` padded to the head's shape `[N, 2]` as `[y, 0]`: tfjs-layers' `fit` wants
 * targets shaped like the output; {@link regressionLoss} reads column 0 only.
 */
export function paddedTargets(y: Tensor1D): Tensor2D {
  // [N] and [N] -> [N, 2].
  return tidy(() => stack([y, zerosLike(y)], 1) as Tensor2D);
}

/**
 * The negative log-likelihood of the head, `gaussianNll` or `laplaceNll` (a scalar), on
 * targets padded by {@link paddedTargets}.
 */
export function regressionLoss(
  likelihood: RegressionLikelihood,
): (yTrue: Tensor, yPred: Tensor) => Scalar {
  const nll = likelihood === 'gaussian' ? gaussianNll : laplaceNll;
  // [N, 2] -> [N, 1]: the target column.
  return (yTrue, yPred) => nll(slice(yTrue, [0, 0], [-1, 1]), yPred);
}

/** Mean `[N]` and noise variance `[N]` (`sigma^2`, or `2 b^2` for Laplace) of a `[N, 2]` head. */
export function headMoments(
  output: Tensor,
  likelihood: RegressionLikelihood,
): { mean: Tensor1D; variance: Tensor1D } {
  if (likelihood === 'gaussian') return gaussianParams(output);
  const { mean, scale, variance } = laplaceParams(output);
  scale.dispose();
  return { mean, variance };
}
