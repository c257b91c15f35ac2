import { moments, type Tensor } from '@tensorflow/tfjs-core';
import { checkRank, type Predictive } from '@uqjs/core';

/**
 * The `Predictive` of member probabilities `[M, N, K]`: `probs` their mean over members and
 * `variance` their population variance over members (both `[N, K]`), `members` as given (as
 * `batchEnsemblePredict` returns them from `batchEnsembleMembers`' output). Takes ownership of
 * `members`; call inside `tidy` (the moments' intermediates are freed there).
 *
 * @example
 * ```ts
 * const predictive = tf.tidy(() => membersPredictive(batchEnsembleMembers(model, xTest)));
 * ```
 * @throws {ShapeError} when `members` is not a rank-3 tensor.
 * @since 0.1.0
 */
export function membersPredictive(members: Tensor): Required<Predictive> {
  checkRank(members, 3, 'members', 'membersPredictive');
  // Moments over the member axis 0: [M, N, K] -> [N, K].
  const { mean, variance } = moments(members, 0);
  return { probs: mean, members, variance };
}
