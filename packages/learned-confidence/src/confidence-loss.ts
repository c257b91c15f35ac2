import {
  add,
  clipByValue,
  log,
  logSoftmax,
  mean,
  mul,
  neg,
  reshape,
  type Scalar,
  scalar,
  sigmoid,
  slice,
  softmax,
  softplus,
  sub,
  sum,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import {
  checkFiniteNumber,
  checkRank,
  InvalidArgumentError,
  Rng,
  type Seed,
  ShapeError,
} from '@uqjs/core';

/**
 * The two parts of a {@link ConfidenceBranch} output `[B, K + 1]`.
 *
 * @since 0.1.0
 */
export interface ConfidenceParts {
  /** Class logits `[B, K]` (columns `0..K-1`). */
  readonly logits: Tensor2D;
  /** Confidence logit `[B]` (column `K`); the confidence is its sigmoid. */
  readonly confidenceLogit: Tensor1D;
}

/**
 * Splits a confidence-branch output `[B, K + 1]` into the class logits `[B, K]` and the
 * confidence logit `[B]`. The caller owns (and disposes) both.
 *
 * @throws ShapeError unless `output` is `[B, K + 1]` with `K >= 2`.
 * @since 0.1.0
 */
export function splitConfidence(output: Tensor, fn = 'splitConfidence'): ConfidenceParts {
  checkRank(output, 2, 'output', fn);
  const [rows, width] = output.shape as [number, number];
  if (width < 3) {
    throw new ShapeError({
      fn,
      argument: 'output',
      expected: 'of shape [B, K + 1] with K >= 2 (logits, then the confidence logit)',
      given: output.shape,
    });
  }
  return tidy(() => ({
    logits: slice(output, [0, 0], [rows, width - 1]) as Tensor2D,
    // [B, 1] -> [B].
    confidenceLogit: reshape(slice(output, [0, width - 1], [rows, 1]), [rows]) as Tensor1D,
  }));
}

/**
 * What {@link confidenceLoss} returns: scalars the caller owns.
 *
 * @since 0.1.0
 */
export interface ConfidenceLossValue {
  /** `nll + lambda * penalty`, the objective to minimize. */
  readonly loss: Scalar;
  /** Mean negative log-likelihood of the hinted predictions `p'`. */
  readonly nll: Scalar;
  /** Mean confidence penalty `-log c` over the batch (every example, hinted or not). */
  readonly penalty: Scalar;
}

/** Smallest hinted probability inside the log; `p'_y >= p_y`, so it binds only at `p_y < 1e-12`. */
const PROBABILITY_FLOOR = 1e-12;

/**
 * The learned-confidence training loss of DeVries and Taylor (2018). With `p = softmax(logits)`
 * `[B, K]`, `c = sigmoid(confidenceLogit)` `[B]`, one-hot `targets` `[B, K]` and `hints`
 * `[B]` in `{0, 1}`, each hinted example (`hints[b] = 1`) sees the prediction interpolated
 * towards its label, `p' = c p + (1 - c) onehot(y)`, so the network can lower its loss by
 * asking for a hint (low `c`) and pays `-log c` for it; an unhinted example uses `p' = p`:
 *
 * ```text
 * nll     = mean_b -log p'_b[y_b]      p'_b[y_b] = c_b p_b[y_b] + 1 - c_b (hinted) or p_b[y_b]
 * penalty = mean_b -log c_b            (every example)
 * loss    = nll + lambda * penalty
 * ```
 *
 * Unhinted terms use `logSoftmax` (exact for any logits); `-log c` is `softplus(-s)`, exact
 * for any confidence logit `s`; the hinted term is `-log(max(p'_y, 1e-12))`.
 *
 * @param output - the confidence-branch output `[B, K + 1]` (logits, then the confidence logit).
 * @param targets - one-hot labels `[B, K]`.
 * @param hints - `[B]`, `1` where the hint is applied (draw with `drawHints`), `0` elsewhere.
 * @param lambda - weight of the confidence penalty, `>= 0`.
 * @throws ShapeError when the shapes do not agree; InvalidArgumentError for a bad `lambda`.
 * @since 0.1.0
 */
export function confidenceLoss(
  output: Tensor,
  targets: Tensor,
  hints: Tensor,
  lambda: number,
): ConfidenceLossValue {
  const fn = 'confidenceLoss';
  const weight = checkFiniteNumber(lambda, 'lambda', fn);
  if (weight < 0) {
    throw new InvalidArgumentError({ fn, argument: 'lambda', expected: '>= 0', given: weight });
  }
  checkRank(output, 2, 'output', fn);
  const [rows, width] = output.shape as [number, number];
  checkRank(targets, 2, 'targets', fn);
  if (targets.shape[0] !== rows || targets.shape[1] !== width - 1) {
    throw new ShapeError({
      fn,
      argument: 'targets',
      expected: `of shape [${rows}, ${width - 1}] (one-hot labels for output [${rows}, ${width}])`,
      given: targets.shape,
    });
  }
  checkRank(hints, 1, 'hints', fn);
  if (hints.shape[0] !== rows) {
    throw new ShapeError({
      fn,
      argument: 'hints',
      expected: `of shape [${rows}]`,
      given: hints.shape,
    });
  }
  return tidy(() => {
    const { logits, confidenceLogit } = splitConfidence(output, fn);
    const c = sigmoid(confidenceLogit);
    // Sum over classes (axis 1) picks the label's entry: [B, K] -> [B].
    const logPy = sum(mul(targets, logSoftmax(logits)), 1);
    const py = sum(mul(targets, softmax(logits)), 1);
    const hinted = log(clipByValue(add(mul(c, py), sub(1, c)), PROBABILITY_FLOOR, 1));
    // Per example: hints * log p'_hinted + (1 - hints) * log p_y, both finite.
    const logPPrime = add(mul(hints, hinted), mul(sub(1, hints), logPy));
    const nll = neg(mean(logPPrime)) as Scalar;
    // -log sigmoid(s) = softplus(-s).
    const penalty = mean(softplus(neg(confidenceLogit))) as Scalar;
    const loss = add(nll, mul(scalar(weight), penalty)) as Scalar;
    return { loss, nll, penalty };
  });
}

/**
 * One step of the budget rule: `lambda * 1.01` when the batch's mean `-log c` (`penalty`)
 * exceeds the budget `beta` (the network asks for too many hints), else `lambda / 1.01`. So
 * `lambda` settles where the average penalty hovers around `beta`.
 *
 * @since 0.1.0
 */
export function adaptLambda(lambda: number, penalty: number, budget: number): number {
  return penalty > budget ? lambda * 1.01 : lambda / 1.01;
}

/**
 * The hint mask of one batch: `rows` independent Bernoulli(0.5) draws (`1` = hinted) from
 * `Rng(seed)`, as `Float32Array` `[rows]`.
 *
 * @since 0.1.0
 */
export function drawHints(rows: number, seed: Seed): Float32Array {
  const rng = new Rng(seed);
  const hints = new Float32Array(rows);
  for (let i = 0; i < rows; i++) hints[i] = rng.uniform() < 0.5 ? 1 : 0;
  return hints;
}
