/**
 * Nonconformity scores of classification sets, for one row of probabilities `p` (`K` entries)
 * and every class at once. A prediction set is `{ y : score(y) <= qhat }`, so a class is in the
 * set exactly when its score would have passed the calibration threshold.
 *
 * Ranks order the classes by decreasing probability, ties to the lower class index; `rank(y)`
 * is 1-based and `mass(y)` is the sum of the probabilities ranked before `y`.
 *
 * - `lac` (least ambiguous set-valued classifier, Sadinle et al. 2019): `1 - p_y`.
 * - `aps` (adaptive prediction sets, Romano et al. 2020): `mass(y) + u * p_y`, with `u` uniform
 *   on `[0, 1)` (one draw per row) when randomized, `u = 1` (the cumulative mass up to and
 *   including `y`) when not.
 * - `raps` (regularized APS, Angelopoulos et al. 2021): the APS score plus
 *   `lambda * max(0, rank(y) - kReg)`.
 */

/** The score functions by name. */
export type ScoreMethod = 'lac' | 'aps' | 'raps';

/** What a score needs besides the probabilities. Internal. */
export interface ScoreParams {
  readonly method: ScoreMethod;
  /** RAPS penalty per rank beyond `kReg` (0 for `aps`). */
  readonly lambda: number;
  /** RAPS: ranks up to `kReg` carry no penalty. */
  readonly kReg: number;
}

/**
 * Writes the scores of every class of row `row` of `probs` (`[N, K]` row-major) into `out`
 * (`K` entries, indexed by class). `u` is the row's uniform draw (1 when not randomized).
 * `order` is scratch space of `K` entries.
 */
export function rowScores(
  probs: ArrayLike<number>,
  row: number,
  numClasses: number,
  params: ScoreParams,
  u: number,
  order: Int32Array,
  out: Float64Array,
): void {
  const offset = row * numClasses;
  if (params.method === 'lac') {
    for (let k = 0; k < numClasses; k++) out[k] = 1 - probs[offset + k]!;
    return;
  }
  for (let k = 0; k < numClasses; k++) order[k] = k;
  // Decreasing probability, ties to the lower class index (a total order, so the ranks and
  // masses are the same on calibration and test rows with equal probabilities).
  order.sort((a, b) => probs[offset + b]! - probs[offset + a]! || a - b);
  let mass = 0;
  for (let r = 0; r < numClasses; r++) {
    const k = order[r]!;
    const p = probs[offset + k]!;
    out[k] = mass + u * p + params.lambda * Math.max(0, r + 1 - params.kReg);
    mass += p;
  }
}
