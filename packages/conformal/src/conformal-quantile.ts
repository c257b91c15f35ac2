import { InvalidArgumentError } from '@uqjs/core';

/**
 * The split-conformal threshold: the `k`-th smallest of `n` calibration scores with
 * `k = ceil((n + 1)(1 - alpha))`, i.e. the empirical quantile at level `k / n`. For a test
 * score exchangeable with the calibration scores, `P(score <= qhat) >= k / (n + 1) >= 1 - alpha`,
 * and `<= k / (n + 1) < 1 - alpha + 1 / (n + 1)` when the scores have no ties.
 */
export interface ConformalQuantile {
  /** The threshold `qhat`. */
  readonly threshold: number;
  /** The rank `k` (1-based) of `qhat` among the sorted calibration scores. */
  readonly rank: number;
}

/**
 * Slack for the ceiling: `(n + 1)(1 - alpha)` computed in float64 may land a few ulps above an
 * integer it equals exactly (e.g. `alpha = 0.1`), which would ask for one score too many. The
 * coverage lost when the true product is within this slack above an integer is below
 * `1e-9 / (n + 1)`.
 */
const CEIL_SLACK = 1e-9;

/** The rank `k = ceil((n + 1)(1 - alpha))` of the conformal threshold among `n` scores. */
export function conformalRank(n: number, alpha: number): number {
  return Math.max(1, Math.ceil((n + 1) * (1 - alpha) - CEIL_SLACK));
}

/** Checks `alpha`, the miscoverage level: a number in the open interval `(0, 1)`. */
export function checkAlpha(alpha: unknown, fn: string): number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.alpha',
      expected: 'a miscoverage level in the open interval (0, 1)',
      given: alpha,
    });
  }
  return alpha;
}

/**
 * The conformal threshold of `scores` (finite numbers, length `n`) at miscoverage `alpha`.
 * Throws when `n` is too small for `alpha` (`k > n`: `n < 1 / alpha - 1`), where no finite
 * threshold gives the guarantee.
 */
export function conformalQuantile(
  scores: Float64Array,
  alpha: number,
  argument: string,
  fn: string,
): ConformalQuantile {
  const n = scores.length;
  const rank = conformalRank(n, alpha);
  if (rank > n) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.length`,
      expected: `at least ${Math.ceil(1 / alpha - 1 - CEIL_SLACK)} calibration examples for alpha = ${alpha} (ceil((n + 1)(1 - alpha)) <= n)`,
      given: n,
    });
  }
  const sorted = Float64Array.from(scores).sort();
  return { threshold: sorted[rank - 1]!, rank };
}
