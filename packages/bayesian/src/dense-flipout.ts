import {
  add,
  matMul,
  mul,
  randomNormal,
  randomUniform,
  scalar,
  serialization,
  step,
  sub,
  type Tensor,
} from '@tensorflow/tfjs-core';
import { BayesianDense, type BayesianDenseArgs } from './bayesian-dense.js';

/** Random signs `+-1` of `shape`, each with probability 1/2, from `seed`. */
export function randomSigns(shape: number[], seed: number | undefined): Tensor {
  const u = randomUniform(shape, 0, 1, 'float32', seed);
  // step(u - 1/2) is 1 above one half and 0 below; 2 step - 1 maps that to +1 / -1. (Float
  // throughout: no bool -> float cast.)
  return sub(mul(step(sub(u, scalar(0.5))), scalar(2)), scalar(1));
}

/**
 * A Bayes by Backprop dense layer with the Flipout estimator (Wen et al., 2018): one kernel
 * perturbation `dW = softplus(rho) * eps` `[D, U]` is drawn per call, and each row `b` of the
 * batch sees it multiplied by its own random sign matrix `s_b r_b^T` (`s_b` `[D]`, `r_b` `[U]`,
 * independent `+-1`):
 * `x_b W_b = x_b mean + ((x_b * s_b) dW) * r_b`.
 * Since `dW` is symmetric about 0, every row's marginal is exactly that of the
 * reparameterization estimator (so the mean output is `x mean + bias mean` and the variance
 * `sum_d x_d^2 std_du^2 + biasStd_u^2`), but the rows' perturbations are uncorrelated, which
 * lowers the gradient variance of a batch. The bias is drawn once per call as in
 * {@link DenseReparameterization}; the KL loss, config and seeding are the same.
 *
 * Input `[B, D]`, output `[B, U]`.
 *
 * @example
 * ```ts
 * const layer = new DenseFlipout({ inputShape: [8], units: 4, numExamples: 1000, seed: 3 });
 * ```
 * @since 0.1.0
 */
export class DenseFlipout extends BayesianDense {
  /** @nocollapse */
  static className = 'DenseFlipout';

  constructor(args: BayesianDenseArgs) {
    super(args, 'DenseFlipout');
  }

  protected override sampleProduct(
    x: Tensor,
    kernelMean: Tensor,
    kernelStd: Tensor,
    seedOf: (label: string) => number | undefined,
  ): Tensor {
    const [rows, inputDim] = x.shape as [number, number];
    const eps = randomNormal(kernelMean.shape, 0, 1, 'float32', seedOf('kernel'));
    const signsIn = randomSigns([rows, inputDim], seedOf('signs-in')); // [B, D]
    const signsOut = randomSigns([rows, this.units], seedOf('signs-out')); // [B, U]
    // [B, D] x [D, U] -> [B, U]: the mean part, then the sign-flipped perturbation per row.
    const perturbation = mul(matMul(mul(x, signsIn), mul(kernelStd, eps)), signsOut);
    return add(matMul(x, kernelMean), perturbation);
  }
}

serialization.registerClass(DenseFlipout);
