import { checkAllFinite, ShapeError } from '@uqjs/core';
import { readVector, type VectorInput } from './inputs.js';

/**
 * What {@link oodMetrics} returns; each value in `[0, 1]`.
 *
 * @since 0.1.0
 */
export interface OodMetrics {
  /** Area under the ROC curve, ties counted 1/2: Mann-Whitney `U / (nIn nOut)`. */
  readonly auroc: number;
  /** Average precision with in-distribution as the positive class. */
  readonly auprIn: number;
  /** Average precision with OOD as the positive class (scores negated). */
  readonly auprOut: number;
  /** False positive rate (OOD accepted as in) at the largest threshold with TPR >= 95%. */
  readonly fpr95: number;
}

/** Sorted ascending float64 copy of finite scores; at least one. */
function sortedScores(input: VectorInput, argument: string, fn: string): Float64Array {
  const v = readVector(input, argument, fn);
  if (v.length === 0) {
    throw new ShapeError({ fn, argument, expected: 'non-empty', given: [0] });
  }
  checkAllFinite(v, argument, fn);
  return Float64Array.from(v).sort();
}

/** `U = #{(i, o): in_i > out_o} + #{(i, o): in_i == out_o} / 2`, both arrays ascending. */
function mannWhitneyU(inAsc: Float64Array, outAsc: Float64Array): number {
  let u = 0;
  let below = 0; // #out < s
  let atOrBelow = 0; // #out <= s
  for (const s of inAsc) {
    while (below < outAsc.length && outAsc[below]! < s) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < outAsc.length && outAsc[atOrBelow]! <= s) atOrBelow++;
    u += below + (atOrBelow - below) / 2;
  }
  return u;
}

/**
 * Average precision, `sum_t (R_t - R_{t-1}) P_t` over the distinct thresholds t in decreasing
 * order, a score >= t counted positive, of ascending `posAsc` (positives) and `negAsc`. With
 * `sign = -1` the scores are negated (read from the bottom): the AP of "score <= t" positive.
 * Negation is exact, so this equals the AP of the negated arrays bit for bit.
 */
function averagePrecision(posAsc: Float64Array, negAsc: Float64Array, sign: 1 | -1): number {
  const nPos = posAsc.length;
  const nNeg = negAsc.length;
  // The i-th largest of sign * values.
  const pos = (i: number) => sign * posAsc[sign === 1 ? nPos - 1 - i : i]!;
  const neg = (j: number) => sign * negAsc[sign === 1 ? nNeg - 1 - j : j]!;
  let i = 0;
  let j = 0;
  let ap = 0;
  while (i < nPos) {
    const t = Math.max(pos(i), j < nNeg ? neg(j) : Number.NEGATIVE_INFINITY);
    const tpBefore = i;
    while (i < nPos && pos(i) >= t) i++;
    while (j < nNeg && neg(j) >= t) j++;
    ap += ((i - tpBefore) / nPos) * (i / (i + j));
  }
  return ap;
}

/**
 * The metrics of {@link oodMetrics} from non-empty ascending, finite score arrays (read, not
 * changed or copied): shared with the streaming `OodDetection`. Internal.
 */
export function oodMetricsOfSorted(inAsc: Float64Array, outAsc: Float64Array): OodMetrics {
  const nIn = inAsc.length;
  const nOut = outAsc.length;
  const auroc = mannWhitneyU(inAsc, outAsc) / (nIn * nOut);
  const auprIn = averagePrecision(inAsc, outAsc, 1);
  // OOD positive with negated scores.
  const auprOut = averagePrecision(outAsc, inAsc, -1);
  // 95 * nIn / 100 in integer arithmetic so that e.g. nIn = 20 needs exactly 19 positives.
  const needed = Math.ceil((95 * nIn) / 100);
  const threshold = inAsc[nIn - needed]!;
  let accepted = 0;
  for (let j = nOut - 1; j >= 0 && outAsc[j]! >= threshold; j--) accepted++;
  return { auroc, auprIn, auprOut, fpr95: accepted / nOut };
}

/**
 * OOD detection metrics. In-distribution is the positive class and a higher score means more
 * in-distribution (use {@link maxProbScore}, {@link negativeEntropyScore},
 * {@link dempsterShaferScore}, or negate an uncertainty).
 *
 * - `auroc = U / (nIn nOut)`, `U = #{in > out} + #{in == out} / 2` over all pairs (exact with ties).
 * - `auprIn`: average precision `sum_t (R_t - R_{t-1}) P_t` over distinct thresholds t
 *   (predict "in" when score >= t), no interpolation; `auprOut` the same with OOD positive
 *   and scores negated.
 * - `fpr95`: predict "in" when score >= t*, where t* is the largest threshold whose TPR
 *   `#{in >= t*} / nIn` is at least 0.95, i.e. the `ceil(0.95 nIn)`-th largest in-score;
 *   `fpr95 = #{out >= t*} / nOut`, the smallest FPR of any threshold reaching 95% TPR.
 *
 * @param inScores `[nIn]` scores of in-distribution examples.
 * @param outScores `[nOut]` scores of OOD examples.
 * @example
 * ```ts
 * oodMetrics([0.35, 0.8], [0.1, 0.4]);
 * // { auroc: 0.75, auprIn: 0.8333, auprOut: 0.8333, fpr95: 0.5 }
 * ```
 * @since 0.1.0
 */
export function oodMetrics(inScores: VectorInput, outScores: VectorInput): OodMetrics {
  const fn = 'oodMetrics';
  return oodMetricsOfSorted(
    sortedScores(inScores, 'inScores', fn),
    sortedScores(outScores, 'outScores', fn),
  );
}
