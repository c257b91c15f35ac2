import type * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { FACTOR_INITIALIZER_ROLES, type FactorHeadArgs } from '@uqjs/mc-softmax';
import { MCSigmoidDense, type MCSigmoidDenseArgs } from './mc-sigmoid-dense.js';

/**
 * Arguments of {@link MCSigmoidDenseFA}: those of `MCSigmoidDense` and the factor arguments
 * of `@uqjs/mc-softmax` (`numFactors` `R <= numOutputs`, `parameterEfficient`, the factor
 * initializers).
 *
 * @since 0.2.0
 */
export interface MCSigmoidDenseFAArgs extends MCSigmoidDenseArgs, FactorHeadArgs {}

/**
 * A correlated multi-label heteroscedastic head (edward2's `MCSigmoidDenseFA`; Collier et
 * al. 2021, "Correlated input-dependent label noise in large-scale image classification"):
 * `MCSigmoidDense` whose `O` latents share low-rank plus diagonal Normal noise,
 *
 *     y* = loc + V(x) e_R + d(x) * e_O,   Cov(y*) = V V^T + diag(d^2)
 *     P(y_o = 1) = (1/S) sum_s sigmoid(y*_s,o / tau)
 *
 * so labels that are noisy together (e.g. two tags annotators confuse) get correlated
 * latents. `d(x)` is `MCSigmoidDense`'s scale; the loadings `V(x)` `[B, ..., O, R]` are a
 * linear projection of the features, or `diag(v(x)) V0` when parameter-efficient (the same
 * weights as `MCSoftmaxDenseFA`). It samples with `factorLatents` and the sigmoid link on the
 * engine of `@uqjs/mc-softmax`. As `tau -> 0` (or with `predictive({ argmax: true })`) each
 * marginal is the probit `P(y_o = 1) = Phi(loc_o / sd_o)`, `sd_o^2 = sum_r V_or^2 + d_o^2`.
 * Output, loss (`binaryLogitNll`), seeds, sample counts and serialization as `MCSigmoidDense`.
 * Normal noise only.
 *
 * Shapes: input `[B, ..., D]`, output the predictive logits `[B, ..., O]`. Extra weights:
 * `factorKernel` `[D, O R]` and `factorBias` `[O R]`; or `factorKernel` `[D, O]`,
 * `factorBias` `[O]` and `factorLoadingsKernel` `[O, R]` when parameter-efficient.
 *
 * @example
 * ```ts
 * const head = new MCSigmoidDenseFA({ numOutputs: 5, numFactors: 2, temperature: 0.5, seed: 1 });
 * const model = sequential({ layers: [layers.dense({ inputShape: [16], units: 32 }), head] });
 * model.compile({ optimizer: 'adam', loss: binaryLogitNll });
 * ```
 * @since 0.2.0
 */
export class MCSigmoidDenseFA extends MCSigmoidDense {
  /** @nocollapse */
  static override className = 'MCSigmoidDenseFA';
  /** Number of noise factors `R`. */
  readonly numFactors: number;
  /** Whether the loadings are `diag(v(x)) V0`. */
  readonly parameterEfficient: boolean;

  constructor(args: MCSigmoidDenseFAArgs) {
    super(args, FACTOR_INITIALIZER_ROLES);
    const spec = this.useFactors(args);
    this.numFactors = spec.numFactors;
    this.parameterEfficient = spec.parameterEfficient;
  }

  /** The factor loadings `V(x)` `[B, ..., O, R]` of features `[B, ..., D]`. */
  factorLoadings(features: tf.Tensor): tf.Tensor {
    return this.factorLoadingsFor(features);
  }
}

serialization.registerClass(MCSigmoidDenseFA);
