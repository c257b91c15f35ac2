/**
 * Binning of (score, hit) pairs: the engine under `ece`, `mce`, `reliabilityDiagram` and
 * `Calibration`. Pairs are added one at a time, in example order, so a stream split into any
 * chunks adds the same numbers in the same order as one call: streaming results are identical,
 * bit for bit, to one-shot ones. Internal.
 */

/**
 * How bin edges are placed.
 *
 * @since 0.1.0
 */
export type Binning = 'equal-width' | 'equal-mass';

/** Every binning scheme, for option checks. */
export const BINNINGS: readonly Binning[] = ['equal-width', 'equal-mass'];

/** Per-bin sums: bin `m` covers `(lower[m], upper[m]]` (the first bin also holds 0). */
export interface BinTotals {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly count: Float64Array;
  /** Sum of the scores (confidences) in each bin. */
  readonly scoreSum: Float64Array;
  /** Sum of the hits (1 when the event happened: the prediction was right) in each bin. */
  readonly hitSum: Float64Array;
  /** Number of pairs in all bins. */
  readonly total: number;
}

/**
 * The equal-width bin of `score` in `[0, 1]` among `bins` bins `(m / bins, (m + 1) / bins]`,
 * with 0 in the first bin. The first guess `ceil(score * bins) - 1` can be off by one where
 * `score * bins` rounds across an integer; the loops settle it against the stated edges.
 */
export function equalWidthBin(score: number, bins: number): number {
  let m = Math.ceil(score * bins) - 1;
  if (m < 0) m = 0;
  else if (m > bins - 1) m = bins - 1;
  while (m > 0 && score <= m / bins) m--;
  while (m < bins - 1 && score > (m + 1) / bins) m++;
  return m;
}

/**
 * Equal-mass edges from ascending scores: `0`, the order statistics `s_(ceil(m N / bins))` for
 * `m = 1 .. bins - 1`, and `1`. Bins `(e_m, e_{m+1}]` then hold `N / bins` pairs each (give or
 * take one) when scores are distinct; tied scores stay together, so some bins may be empty.
 */
export function equalMassEdges(sorted: Float64Array, bins: number): Float64Array {
  const n = sorted.length;
  const edges = new Float64Array(bins + 1);
  for (let m = 1; m < bins; m++) edges[m] = sorted[Math.ceil((m * n) / bins) - 1]!;
  edges[bins] = 1;
  return edges;
}

/** The bin `m` with `edges[m] < score <= edges[m + 1]` (the first bin also holds `score <= edges[0]`). */
export function binOfEdges(score: number, edges: Float64Array): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (score <= edges[mid + 1]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Accumulates (score, hit) pairs into bins, by either binning scheme. */
export class BinAccumulator {
  private readonly bins: number;
  private readonly binning: Binning;
  private total = 0;
  // equal-width: running sums per bin.
  private readonly count: Float64Array;
  private readonly scoreSum: Float64Array;
  private readonly hitSum: Float64Array;
  // equal-mass: every pair is kept until the edges are known (O(N) memory).
  private scores: Float64Array;
  private hits: Uint8Array;

  constructor(bins: number, binning: Binning) {
    this.bins = bins;
    this.binning = binning;
    this.count = new Float64Array(bins);
    this.scoreSum = new Float64Array(bins);
    this.hitSum = new Float64Array(bins);
    const capacity = binning === 'equal-mass' ? 1024 : 0;
    this.scores = new Float64Array(capacity);
    this.hits = new Uint8Array(capacity);
  }

  /** Makes room for `extra` more pairs (equal-mass only). */
  reserve(extra: number): void {
    if (this.binning !== 'equal-mass') return;
    const needed = this.total + extra;
    if (needed <= this.scores.length) return;
    const capacity = Math.max(needed, 2 * this.scores.length);
    const scores = new Float64Array(capacity);
    scores.set(this.scores.subarray(0, this.total));
    const hits = new Uint8Array(capacity);
    hits.set(this.hits.subarray(0, this.total));
    this.scores = scores;
    this.hits = hits;
  }

  /** Adds one pair; `hit` is 1 or 0. Call `reserve` first for equal-mass binning. */
  add(score: number, hit: number): void {
    if (this.binning === 'equal-width') {
      const m = equalWidthBin(score, this.bins);
      this.count[m]! += 1;
      this.scoreSum[m]! += score;
      this.hitSum[m]! += hit;
    } else {
      this.scores[this.total] = score;
      this.hits[this.total] = hit;
    }
    this.total += 1;
  }

  /** The per-bin sums over every pair added so far. */
  totals(): BinTotals {
    const bins = this.bins;
    const lower = new Float64Array(bins);
    const upper = new Float64Array(bins);
    if (this.binning === 'equal-width') {
      for (let m = 0; m < bins; m++) {
        lower[m] = m / bins;
        upper[m] = (m + 1) / bins;
      }
      return {
        lower,
        upper,
        count: this.count.slice(),
        scoreSum: this.scoreSum.slice(),
        hitSum: this.hitSum.slice(),
        total: this.total,
      };
    }
    const scores = this.scores.subarray(0, this.total);
    const edges = equalMassEdges(scores.slice().sort(), bins);
    const count = new Float64Array(bins);
    const scoreSum = new Float64Array(bins);
    const hitSum = new Float64Array(bins);
    for (let i = 0; i < this.total; i++) {
      const score = scores[i]!;
      const m = binOfEdges(score, edges);
      count[m]! += 1;
      scoreSum[m]! += score;
      hitSum[m]! += this.hits[i]!;
    }
    lower.set(edges.subarray(0, bins));
    upper.set(edges.subarray(1));
    return { lower, upper, count, scoreSum, hitSum, total: this.total };
  }
}

/** `sum_m |hitSum_m - scoreSum_m| / N`, i.e. `sum_m |B_m|/N * |acc(B_m) - conf(B_m)|`. */
export function eceOfTotals(t: BinTotals): number {
  let sum = 0;
  for (let m = 0; m < t.count.length; m++) sum += Math.abs(t.hitSum[m]! - t.scoreSum[m]!);
  return sum / t.total;
}

/** `max_m |acc(B_m) - conf(B_m)|` over non-empty bins. */
export function mceOfTotals(t: BinTotals): number {
  let max = 0;
  for (let m = 0; m < t.count.length; m++) {
    const c = t.count[m]!;
    if (c > 0) max = Math.max(max, Math.abs(t.hitSum[m]! - t.scoreSum[m]!) / c);
  }
  return max;
}
