import { moments, type Tensor } from '@tensorflow/tfjs-core';
import type { Predictive } from '@uqjs/core';

/**
 * The `Predictive` of member probabilities `[M, N, K]`: `probs` their mean over members and
 * `variance` their population variance over members (both `[N, K]`). Takes ownership of
 * `members`; call inside `tidy` (the moments' intermediates are freed there).
 */
export function membersPredictive(members: Tensor): Required<Predictive> {
  // Moments over the member axis 0: [M, N, K] -> [N, K].
  const { mean, variance } = moments(members, 0);
  return { probs: mean, members, variance };
}
