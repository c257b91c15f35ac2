import { add, matMul, mul, randomNormal, serialization, type Tensor } from '@tensorflow/tfjs-core';
import { BayesianDense, type BayesianDenseArgs } from './bayesian-dense.js';

/**
 * A Bayes by Backprop dense layer (Blundell et al., 2015) with the reparameterization
 * estimator: each call draws one kernel `W = mean + softplus(rho) * eps`, `eps ~ N(0, I)`
 * `[D, U]`, shared by every row of the batch, and one bias likewise, and returns
 * `activation(x W + b)`. The KL divergence of the posterior from the prior `N(0, priorStd^2)`
 * (closed form, divided by `numExamples`) is the layer's loss, which `model.fit` adds to the
 * data loss. Every call samples, in training and in inference; `bayesPredictive` averages
 * seeded passes.
 *
 * Input `[B, D]`, output `[B, U]`. Weights: `kernel_mean`, `kernel_rho` `[D, U]`,
 * `bias_mean`, `bias_rho` `[U]`.
 *
 * @example
 * ```ts
 * const model = tf.sequential();
 * model.add(new DenseReparameterization({ inputShape: [2], units: 16, activation: 'relu', numExamples: 200, seed: 1 }));
 * model.add(new DenseReparameterization({ units: 2, activation: 'softmax', numExamples: 200, seed: 2 }));
 * ```
 * @since 0.1.0
 */
export class DenseReparameterization extends BayesianDense {
  /** @nocollapse */
  static className = 'DenseReparameterization';

  constructor(args: BayesianDenseArgs) {
    super(args, 'DenseReparameterization');
  }

  protected override sampleProduct(
    x: Tensor,
    kernelMean: Tensor,
    kernelStd: Tensor,
    seedOf: (label: string) => number | undefined,
  ): Tensor {
    const eps = randomNormal(kernelMean.shape, 0, 1, 'float32', seedOf('kernel'));
    // [B, D] x [D, U] -> [B, U] with one kernel draw for the whole batch.
    return matMul(x, add(kernelMean, mul(kernelStd, eps)));
  }
}

serialization.registerClass(DenseReparameterization);
