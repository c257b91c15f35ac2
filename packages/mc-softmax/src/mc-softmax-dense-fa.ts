import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkInteger,
  InvalidArgumentError,
  type Seed,
  type LayerShape as Shape,
  singleShape,
} from '@uqjs/core';
import { factorLatents } from './factor-latents.js';
import type { Projection } from './heteroscedastic-head.js';
import type { LatentModel } from './mc-engine.js';
import { MCSoftmaxDense, type MCSoftmaxDenseArgs } from './mc-softmax-dense.js';

const FN = 'MCSoftmaxDenseFA';

/**
 * Arguments of {@link MCSoftmaxDenseFA}.
 *
 * @since 0.1.0
 */
export interface MCSoftmaxDenseFAArgs extends MCSoftmaxDenseArgs {
  /** Number of noise factors `R`, `1 <= R <= numClasses`. */
  numFactors: number;
  /**
   * The parameter-efficient variant: `V(x) = diag(v(x)) V0` with one input-independent
   * `[K, R]` matrix `V0` and a per-class multiplier `v(x) = h W_v + b_v`, so the head costs
   * `D K + K R` factor parameters instead of `D K R`. Default false.
   */
  parameterEfficient?: boolean;
  /** Initializer of the factor kernel (`[D, K R]`, or `W_v` `[D, K]` when parameter-efficient). */
  factorKernelInitializer?: unknown;
  /** Initializer of the factor bias. Default `zeros`. */
  factorBiasInitializer?: unknown;
  /** Initializer of `V0` `[K, R]` (parameter-efficient only). Default seeded `glorotUniform`. */
  factorLoadingsKernelInitializer?: unknown;
}

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
  private factorProjection: Projection | null = null;
  private loadingsKernel: LayerVariable | null = null;

  constructor(args: MCSoftmaxDenseFAArgs) {
    super(args, ['factorKernel', 'factorBias', 'factorLoadingsKernel']);
    if (this.noise !== 'normal') {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'noise',
        expected: "'normal' (the factor model is Gaussian)",
        given: this.noise,
      });
    }
    this.numFactors = checkInteger(args?.numFactors, 'numFactors', FN, 1);
    if (this.numFactors > this.numClasses) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'numFactors',
        expected: `at most numClasses (${this.numClasses})`,
        given: this.numFactors,
      });
    }
    this.parameterEfficient = checkBoolean(
      args?.parameterEfficient ?? false,
      'parameterEfficient',
      FN,
    );
  }

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    const dim = this.inputDim(singleShape(inputShape, 'MCSoftmaxDenseFA.build'));
    const units = this.parameterEfficient ? this.numClasses : this.numClasses * this.numFactors;
    this.factorProjection = this.addProjection('factor', dim, units, 'factorKernel', 'factorBias');
    if (this.parameterEfficient) {
      this.loadingsKernel = this.addWeight(
        'factorLoadingsKernel',
        [this.numClasses, this.numFactors],
        'float32',
        this.initializerOf('factorLoadingsKernel'),
      );
    }
  }

  /** The factor loadings `V(x)` `[B, ..., K, R]` of features `[B, ..., D]`. */
  factorLoadings(features: tf.Tensor): tf.Tensor {
    this.checkFeatureShape(features, 'factorLoadings', 'features');
    return tf.tidy(() => {
      const projected = this.project(features, this.factorProjection!);
      const batch = features.shape.slice(0, -1);
      if (!this.parameterEfficient) {
        return tf.reshape(projected, [...batch, this.numClasses, this.numFactors]); // [..., K R] -> [..., K, R]
      }
      // diag(v(x)) V0: [..., K, 1] * [K, R] -> [..., K, R]
      return tf.mul(tf.expandDims(projected, -1), this.loadingsKernel!.read());
    });
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
