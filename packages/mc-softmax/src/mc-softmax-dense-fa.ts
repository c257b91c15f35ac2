import type * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { FACTOR_INITIALIZER_ROLES, type FactorHeadArgs } from './factor-loadings.js';
import { MCSoftmaxDense, type MCSoftmaxDenseArgs } from './mc-softmax-dense.js';

/**
 * Arguments of {@link MCSoftmaxDenseFA}: those of `MCSoftmaxDense` and the factor arguments
 * (`numFactors` `R <= numClasses`, `parameterEfficient`, the factor initializers).
 *
 * @since 0.1.0
 */
export interface MCSoftmaxDenseFAArgs extends MCSoftmaxDenseArgs, FactorHeadArgs {}

/**
 * A heteroscedastic head with correlated latent noise: {@link MCSoftmaxDense} whose latents
 * have a low-rank plus diagonal covariance, `z = loc + V(x) e_R + d(x) * e_K`
 * (`mcSoftmaxFactor`; Collier et al. 2021, "Correlated input-dependent label noise in
 * large-scale image classification"). `d(x)` is `MCSoftmaxDense`'s scale; the loadings are
 * a linear projection `V(x) = reshape(h W_V + b_V, [K, R])`, or `diag(v(x)) V0` in the
 * parameter-efficient variant. Normal noise only. Output: log predictive probabilities, like
 * `MCSoftmaxDense` (same loss, `predictive`, seeds and sample counts).
 *
 * Shapes: input `[B, ..., D]`, output `[B, ..., K]`. Extra weights: `factorKernel`
 * `[D, K R]` and `factorBias` `[K R]`; or `factorKernel` `[D, K]`, `factorBias` `[K]` and
 * `factorLoadingsKernel` `[K, R]` when parameter-efficient.
 *
 * @example
 * ```ts
 * const head = new MCSoftmaxDenseFA({ numClasses: 10, numFactors: 3, temperature: 0.5, seed: 1 });
 * const model = sequential({ layers: [layers.dense({ inputShape: [64], units: 32 }), head] });
 * model.compile({ optimizer: 'adam', loss: logProbNll });
 * ```
 * @since 0.1.0
 */
export class MCSoftmaxDenseFA extends MCSoftmaxDense {
  /** @nocollapse */
  static override className = 'MCSoftmaxDenseFA';
  /** Number of noise factors `R`. */
  readonly numFactors: number;
  /** Whether the loadings are `diag(v(x)) V0`. */
  readonly parameterEfficient: boolean;

  constructor(args: MCSoftmaxDenseFAArgs) {
    super(args, FACTOR_INITIALIZER_ROLES);
    const { numFactors, parameterEfficient } = this.useFactors(args);
    this.numFactors = numFactors;
    this.parameterEfficient = parameterEfficient;
  }

  /** The factor loadings `V(x)` `[B, ..., K, R]` of features `[B, ..., D]`. */
  factorLoadings(features: tf.Tensor): tf.Tensor {
    return this.factorLoadingsFor(features);
  }
}

serialization.registerClass(MCSoftmaxDenseFA);
