import type { Tensor } from '@tensorflow/tfjs-core';
import { checkRank, checkSameShape } from './checks.js';
import { InvalidArgumentError, ShapeError } from './errors.js';

/**
 * What every uqjs method predicts, and what `@uqjs/metrics` scores.
 *
 * Legend: `B` batch, `K` classes, `M` members (ensemble members or MC samples).
 *
 * @since 0.1.0
 */
export interface Predictive {
  /** Predictive class probabilities, `[B, K]`; each row sums to 1. */
  readonly probs: Tensor;
  /** Member probabilities, `[M, B, K]`, when the method has members (ensembles, MC dropout). */
  readonly members?: Tensor;
  /** Per-class variance of the probabilities across samples or members, `[B, K]`. */
  readonly variance?: Tensor;
}

/**
 * Checks that a `Predictive`'s tensors agree in shape: `probs` `[B, K]`, `members` `[M, B, K]`,
 * `variance` `[B, K]`.
 *
 * @since 0.1.0
 */
export function checkPredictive(predictive: Predictive, argument: string, fn: string): Predictive {
  if (predictive === null || typeof predictive !== 'object') {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a Predictive ({ probs, members?, variance? })',
      given: predictive,
    });
  }
  checkRank(predictive.probs, 2, `${argument}.probs`, fn);
  if (predictive.variance !== undefined) {
    checkSameShape(
      predictive.probs,
      predictive.variance,
      `${argument}.probs`,
      `${argument}.variance`,
      fn,
    );
  }
  if (predictive.members !== undefined) {
    const members = checkRank(predictive.members, 3, `${argument}.members`, fn);
    const [, b, k] = members.shape;
    if (b !== predictive.probs.shape[0] || k !== predictive.probs.shape[1]) {
      throw new ShapeError({
        fn,
        argument: `${argument}.members`,
        expected: `of shape [M, ${predictive.probs.shape.join(', ')}]`,
        given: members.shape,
      });
    }
  }
  return predictive;
}

/**
 * Disposes every tensor a `Predictive` holds.
 *
 * @since 0.1.0
 */
export function disposePredictive(predictive: Predictive): void {
  predictive.probs.dispose();
  predictive.members?.dispose();
  predictive.variance?.dispose();
}
