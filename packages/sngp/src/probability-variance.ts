import {
  add,
  concat,
  expandDims,
  mul,
  relu,
  sigmoid,
  softmax,
  square,
  sub,
  sum,
  type Tensor,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';

/**
 * Class probabilities from logits `[B, K]`: `softmax` for `K >= 2`; for one logit (a binary
 * model) the two columns `[1 - sigmoid(z), sigmoid(z)]`, `[B, 2]`.
 */
export function probsFromLogits(logits: Tensor2D): Tensor2D {
  return tidy((): Tensor2D => {
    if (logits.shape[1] !== 1) return softmax(logits);
    const p = sigmoid(logits);
    return concat([sub(1, p), p], 1) as Tensor2D;
  });
}

/**
 * First-order (delta-method) variance of the class probabilities when the logits are
 * independent Gaussians with means `logits` `[B, K]` and variances `variance` (`[B]`, shared,
 * or `[B, K]`): `Var[p_k] ~ sum_j s_j (dp_k / dz_j)^2` at the mean.
 *
 * - `K >= 2`, `p = softmax(z)`, `dp_k / dz_j = p_k (delta_kj - p_j)`:
 *   `Var[p_k] = p_k^2 (s_k (1 - p_k)^2 + sum_{j != k} s_j p_j^2)`, `[B, K]`.
 * - `K = 1`, `p = sigmoid(z)`: both columns get `s (p (1 - p))^2`, `[B, 2]`.
 */
export function probabilityVariance(logits: Tensor2D, variance: Tensor): Tensor2D {
  return tidy((): Tensor2D => {
    // [B] -> [B, 1]: one variance shared by the K logits of an example.
    const s = variance.rank === 1 ? expandDims(variance, 1) : variance;
    if (logits.shape[1] === 1) {
      const p = sigmoid(logits);
      const v = mul(s, square(mul(p, sub(1, p)))); // [B, 1]
      return concat([v, v], 1) as Tensor2D;
    }
    const p = softmax(logits);
    const sp2 = mul(s, square(p)); // s_j p_j^2, [B, K]
    // sum_{j != k} s_j p_j^2 = sum_j s_j p_j^2 - s_k p_k^2 (clipped at 0 against round-off).
    const others = relu(sub(sum(sp2, 1, true), sp2));
    const own = mul(s, square(sub(1, p)));
    return mul(square(p), add(own, others)) as Tensor2D;
  });
}
