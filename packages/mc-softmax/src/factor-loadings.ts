import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger, InvalidArgumentError } from '@uqjs/core';
import type { NoiseKind } from '@uqjs/noise';
import type { Projection } from './heteroscedastic-head.js';

/**
 * The low-rank factor loadings `V(x)` `[B, ..., K, R]` of the correlated heads
 * (`MCSoftmaxDenseFA`, and `MCSigmoidDenseFA` in `@uqjs/mc-sigmoid`): their arguments, checks
 * and the map from a projection of the features to the loadings. `K` is the head's number of
 * latents (classes of a softmax head, outputs of a sigmoid head), `R` the number of factors.
 */

/**
 * The initializer roles of the factor weights (`<role>Initializer` arguments).
 *
 * @since 0.2.0
 */
export const FACTOR_INITIALIZER_ROLES = [
  'factorKernel',
  'factorBias',
  'factorLoadingsKernel',
] as const;

/**
 * Arguments every factor (low-rank plus diagonal) head adds.
 *
 * @since 0.2.0
 */
export interface FactorHeadArgs {
  /** Number of noise factors `R`, `1 <= R <= K`. */
  numFactors: number;
  /**
   * The parameter-efficient variant: `V(x) = diag(v(x)) V0` with one input-independent
   * `[K, R]` matrix `V0` and a per-latent multiplier `v(x) = h W_v + b_v`, so the head costs
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
 * The checked factor settings of a head.
 *
 * @since 0.2.0
 */
export interface FactorSpec {
  /** Number of noise factors `R`. */
  readonly numFactors: number;
  /** Whether the loadings are `diag(v(x)) V0`. */
  readonly parameterEfficient: boolean;
}

/**
 * The weights of the loadings: the projection of the features (`[D, K R]`, or `[D, K]`
 * parameter-efficient) and `V0` `[K, R]` (parameter-efficient only, else null).
 *
 * @since 0.2.0
 */
export interface FactorWeights {
  readonly projection: Projection;
  readonly loadingsKernel: LayerVariable | null;
}

/**
 * Checks a factor head's `numFactors` (an integer in `[1, numLatents]`), `parameterEfficient`
 * and noise (Normal only: the factor model is Gaussian). `latentsName` is the argument that
 * set `numLatents` (`'numClasses'`, `'numOutputs'`), named in the error.
 *
 * @example
 * ```ts
 * checkFactorArgs({ numFactors: 2 }, 10, 'normal', 'numClasses', 'MyHead'); // { numFactors: 2, parameterEfficient: false }
 * ```
 * @throws `InvalidArgumentError` naming `noise`, `numFactors` or `parameterEfficient`.
 * @since 0.2.0
 */
export function checkFactorArgs(
  args: Partial<FactorHeadArgs> | undefined,
  numLatents: number,
  noise: NoiseKind,
  latentsName: string,
  fn: string,
): FactorSpec {
  if (noise !== 'normal') {
    throw new InvalidArgumentError({
      fn,
      argument: 'noise',
      expected: "'normal' (the factor model is Gaussian)",
      given: noise,
    });
  }
  const numFactors = checkInteger(args?.numFactors, 'numFactors', fn, 1);
  if (numFactors > numLatents) {
    throw new InvalidArgumentError({
      fn,
      argument: 'numFactors',
      expected: `at most ${latentsName} (${numLatents})`,
      given: numFactors,
    });
  }
  const parameterEfficient = checkBoolean(
    args?.parameterEfficient ?? false,
    'parameterEfficient',
    fn,
  );
  return { numFactors, parameterEfficient };
}

/**
 * The width of the factor projection: `K R`, or `K` when parameter-efficient.
 *
 * @since 0.2.0
 */
export function factorProjectionUnits(numLatents: number, spec: FactorSpec): number {
  return spec.parameterEfficient ? numLatents : numLatents * spec.numFactors;
}

/**
 * The loadings `V(x)` `[B, ..., K, R]` from the factor projection of the features
 * `[B, ..., K R]` (or `[B, ..., K]` with `V0` `[K, R]` when parameter-efficient). Call inside
 * a tidy.
 *
 * @since 0.2.0
 */
export function loadingsFromProjection(
  projected: tf.Tensor,
  loadingsKernel: tf.Tensor | null,
  numLatents: number,
  spec: FactorSpec,
): tf.Tensor {
  const batch = projected.shape.slice(0, -1);
  if (loadingsKernel === null) {
    return tf.reshape(projected, [...batch, numLatents, spec.numFactors]); // [..., K R] -> [..., K, R]
  }
  // diag(v(x)) V0: [..., K, 1] * [K, R] -> [..., K, R]
  return tf.mul(tf.expandDims(projected, -1), loadingsKernel);
}
