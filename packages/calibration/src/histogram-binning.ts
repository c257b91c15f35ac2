import { checkOneOf, DataError } from '@uqjs/core';
import { readBins, readOptions, type ScoresInput, type VectorInput } from './inputs.js';
import {
  fitOneVsRest,
  jsonNumbers,
  OneVsRestCalibrator,
  readCalibratorJson,
  readFitData,
} from './one-vs-rest.js';

/**
 * Options of {@link HistogramBinning.fit}.
 *
 * @since 0.1.0
 */
export interface HistogramBinningOptions {
  /** Number of bins, an integer in `[1, 10000]` (default 15). */
  readonly bins?: number;
  /**
   * `'equal-width'` (default): edges `m / bins`; `'equal-mass'`: edges at the quantiles of the
   * fitting probabilities, so that bins hold about equally many examples (tied quantiles merge
   * into one bin, so there may be fewer bins).
   */
  readonly binning?: 'equal-width' | 'equal-mass';
  /** How far a row of `[N, K]` probabilities may sum from 1 (default `1e-3`). */
  readonly tolerance?: number;
}

/**
 * The bins of one class: bin `m` is `(edges[m], edges[m + 1]]` (the first also holds 0) and
 * maps every probability in it to `values[m]`.
 *
 * @since 0.1.0
 */
export interface BinMap {
  /** `[M + 1]` increasing edges from 0 to 1. */
  readonly edges: readonly number[];
  /** `[M]` calibrated probabilities: the fraction of positives among the fitting examples in the bin (its midpoint when empty). */
  readonly values: readonly number[];
}

/** The bin of `v` under `(lo, hi]` bins: the number of interior edges (`edges[1 .. M-1]`) below it. */
function binOf(edges: readonly number[], v: number): number {
  const interior = edges.length - 2;
  let lo = 0;
  let hi = interior;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid + 1]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function equalWidthEdges(bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, m) => m / bins);
}

/**
 * Edges at the empirical quantiles: interior edge `m` is the `ceil(m n / bins)`-th smallest
 * probability, so with `(lo, hi]` bins, bin `m` holds the ranks up to it. Repeated edges (ties)
 * and edges at 0 or 1 are dropped.
 */
function equalMassEdges(p: Float64Array, bins: number): number[] {
  const sorted = Float64Array.from(p).sort();
  const n = sorted.length;
  const edges = [0];
  for (let m = 1; m < bins; m++) {
    const e = sorted[Math.ceil((m * n) / bins) - 1]!;
    if (e > edges[edges.length - 1]! && e < 1) edges.push(e);
  }
  edges.push(1);
  return edges;
}

function fitBins(p: Float64Array, targets: Float64Array, edges: number[]): BinMap {
  const bins = edges.length - 1;
  const positives = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const m = binOf(edges, p[i]!);
    positives[m]! += targets[i]!;
    counts[m]! += 1;
  }
  const values = Array.from(counts, (c, m) =>
    c > 0 ? positives[m]! / c : 0.5 * (edges[m]! + edges[m + 1]!),
  );
  return { edges, values };
}

/**
 * Histogram binning (Zadrozny & Elkan 2001): probabilities are grouped into bins and each bin
 * maps to the fraction of positives among the fitting examples in it. Binary probabilities
 * `[N]` use one set of bins; `[N, K]` probabilities use one set per class (class `k` against
 * the rest on column `k`), and calibrated rows are renormalized to sum to 1.
 *
 * @example
 * ```ts
 * const binning = await HistogramBinning.fit([0.1, 0.2, 0.7, 0.8], [0, 1, 1, 1], { bins: 2 });
 * await binning.apply([0.3, 0.9]); // Float64Array [0.5, 1]
 * ```
 * @since 0.1.0
 */
export class HistogramBinning extends OneVsRestCalibrator<'histogram-binning', BinMap> {
  static readonly kind = 'histogram-binning';

  private constructor(numClasses: number | null, maps: readonly BinMap[]) {
    super(
      { name: 'HistogramBinning', kind: HistogramBinning.kind, argument: 'probs' },
      numClasses,
      maps,
    );
  }

  /**
   * Fits the bins on held-out probabilities.
   *
   * @param probs `[N]` probabilities of class 1, or `[N, K]` rows summing to 1.
   * @param labels `[N]` labels in `{0, 1}` (binary) or `[0, K)`.
   */
  static async fit(
    probs: ScoresInput,
    labels: VectorInput,
    opts: HistogramBinningOptions = {},
  ): Promise<HistogramBinning> {
    const fn = 'HistogramBinning.fit';
    const options = readOptions(opts, fn);
    const bins = readBins(options.bins ?? 15, 'opts.bins', fn);
    const binning = checkOneOf(
      options.binning ?? 'equal-width',
      ['equal-width', 'equal-mass'],
      'opts.binning',
      fn,
    );
    const { values, labels: y } = await readFitData(probs, labels, options, 'probs', 'probs', fn);
    const maps = fitOneVsRest(values, y, (scores, targets) =>
      fitBins(
        scores,
        targets,
        binning === 'equal-width' ? equalWidthEdges(bins) : equalMassEdges(scores, bins),
      ),
    );
    return new HistogramBinning(values.cols, maps);
  }

  /** Rebuilds a fit stored with {@link HistogramBinning.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): HistogramBinning {
    const fn = 'HistogramBinning.fromJSON';
    const stored = readCalibratorJson(json, HistogramBinning.kind, fn);
    const maps = stored.maps.map((map, k) => {
      const { edges, values } = (map ?? {}) as Partial<BinMap>;
      const e = jsonNumbers(edges, `maps[${k}].edges`, fn);
      const v = jsonNumbers(values, `maps[${k}].values`, fn, e.length - 1);
      const increasing = e.every((x, m) => m === 0 || x > e[m - 1]!);
      if (e.length < 2 || e[0] !== 0 || e[e.length - 1] !== 1 || !increasing) {
        throw new DataError(`${fn}: json maps[${k}].edges must increase from 0 to 1`);
      }
      if (!v.every((x) => x >= 0 && x <= 1)) {
        throw new DataError(`${fn}: json maps[${k}].values must be probabilities in [0, 1]`);
      }
      return { edges: Array.from(e), values: Array.from(v) };
    });
    return new HistogramBinning(stored.numClasses, maps);
  }

  protected override mapper(): (k: number, v: number) => number {
    return (k, v) => {
      const map = this.maps[k]!;
      return map.values[binOf(map.edges, v)]!;
    };
  }
}
