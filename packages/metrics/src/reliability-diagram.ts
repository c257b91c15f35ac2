import { type BinningOptions, readBinningOptions } from './binning-options.js';
import type { BinTotals } from './bins.js';
import { CalibrationBins } from './calibration-bins.js';
import {
  type LabelsInput,
  type ProbsInput,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

/**
 * One bin of a reliability diagram: examples whose top-label confidence lies in
 * `(lower, upper]` (the first bin also holds 0).
 *
 * @since 0.1.0
 */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  /** Number of examples in the bin. */
  readonly count: number;
  /** Mean confidence in the bin; `NaN` when the bin is empty. */
  readonly confidence: number;
  /** Fraction of right predictions in the bin; `NaN` when the bin is empty. */
  readonly accuracy: number;
}

/** Turns per-bin sums into diagram bins. Internal. */
export function diagramOfTotals(t: BinTotals): ReliabilityBin[] {
  return Array.from(t.count, (count, m) => ({
    lower: t.lower[m]!,
    upper: t.upper[m]!,
    count,
    confidence: count > 0 ? t.scoreSum[m]! / count : Number.NaN,
    accuracy: count > 0 ? t.hitSum[m]! / count : Number.NaN,
  }));
}

/**
 * The top-label reliability diagram: per confidence bin, the count, the mean confidence and
 * the accuracy. `ece = sum_m count_m / N * |accuracy_m - confidence_m|` over non-empty bins.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @param opts `bins` (default 15), `binning` (`'equal-width'` default, or `'equal-mass'`),
 *   `tolerance` on row sums (default `1e-3`).
 * @returns one {@link ReliabilityBin} per bin, in increasing confidence.
 * @example
 * ```ts
 * const bins = reliabilityDiagram([[0.9, 0.1], [0.3, 0.7]], [0, 0], { bins: 5 });
 * // bins[4]: { lower: 0.8, upper: 1, count: 1, confidence: 0.9, accuracy: 1 }
 * ```
 * @since 0.1.0
 */
export function reliabilityDiagram(
  probs: ProbsInput,
  labels: LabelsInput,
  opts: BinningOptions = {},
): ReliabilityBin[] {
  const fn = 'reliabilityDiagram';
  const options = readOptions(opts, fn);
  const resolved = { ...readBinningOptions(options, fn), scope: 'top-label' as const };
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const bins = new CalibrationBins(resolved, m.cols, fn);
  bins.add(m, y);
  return diagramOfTotals(bins.topLabelTotals());
}
