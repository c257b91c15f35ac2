import type * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { type Seed, type LayerShape as Shape, singleShape } from '@uqjs/core';
import { factorLatents } from './factor-latents.js';
import {
  checkFactorArgs,
  FACTOR_INITIALIZER_ROLES,
  type FactorHeadArgs,
  type FactorSpec,
  type FactorWeights,
} from './factor-loadings.js';
import type { LatentModel } from './mc-engine.js';
import { MCSoftmaxDense, type MCSoftmaxDenseArgs } from './mc-softmax-dense.js';

const FN = 'MCSoftmaxDenseFA';

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
  private readonly factorSpec: FactorSpec;
  private factorWeights: FactorWeights | null = null;

  constructor(args: MCSoftmaxDenseFAArgs) {
    super(args, FACTOR_INITIALIZER_ROLES);
    this.factorSpec = checkFactorArgs(args, this.numClasses, this.noise, 'numClasses', FN);
    this.numFactors = this.factorSpec.numFactors;
    this.parameterEfficient = this.factorSpec.parameterEfficient;
  }

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    const dim = this.inputDim(singleShape(inputShape, 'MCSoftmaxDenseFA.build'));
    this.factorWeights = this.addFactorWeights(dim, this.numClasses, this.factorSpec);
  }

  /** The factor loadings `V(x)` `[B, ..., K, R]` of features `[B, ..., D]`. */
  factorLoadings(features: tf.Tensor): tf.Tensor {
    this.checkFeatureShape(features, 'factorLoadings', 'features');
    return this.factorLoadingsOf(features, this.factorWeights!, this.numClasses, this.factorSpec);
  }

  protected override latentModel(features: tf.Tensor, seed: Seed): LatentModel {
    const { loc, scale } = this.locScale(features);
    return factorLatents(loc, this.factorLoadings(features), scale, {
      seed,
      shareSamplesAcrossBatch: this.shareSamplesAcrossBatch,
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numFactors: this.numFactors,
      parameterEfficient: this.parameterEfficient,
    };
  }
}

serialization.registerClass(MCSoftmaxDenseFA);
