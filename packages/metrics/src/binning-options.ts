import { checkOneOf, checkPositiveInteger, InvalidArgumentError } from '@uqjs/core';
import { BINNINGS, type Binning } from './bins.js';
import type { ProbsOptions } from './inputs.js';

/**
 * Which probabilities are binned: the top label's, or every class's.
 *
 * @since 0.1.0
 */
export type CalibrationScope = 'top-label' | 'classwise';

const SCOPES: readonly CalibrationScope[] = ['top-label', 'classwise'];

/**
 * The most bins `ece`, `mce`, `reliabilityDiagram` and `Calibration` accept (10,000): far more
 * than any estimate of calibration can use (the usual 10-20 bins; 10,000 bins need about a
 * million examples to hold 100 each), small enough that the per-bin sums stay a few hundred KB.
 *
 * @since 0.1.1
 */
export const MAX_BINS = 10_000;

/**
 * The most `bins * numClasses` of classwise scope (10^7: one accumulator of `bins` bins per
 * class, about 240 MB at the limit; 1,000 classes x 10,000 bins).
 *
 * @since 0.1.1
 */
export const MAX_CLASSWISE_BINS = 10_000_000;

/**
 * Binning options shared by `ece`, `mce`, `reliabilityDiagram` and `Calibration`.
 *
 * @since 0.1.0
 */
export interface BinningOptions extends ProbsOptions {
  /** Number of bins, an integer in `[1, 10000]` ({@link MAX_BINS}; default 15). */
  readonly bins?: number;
  /**
   * `'equal-width'` (default): bins `(m/B, (m+1)/B]`. `'equal-mass'`: edges at the
   * `ceil(m N / B)`-th smallest score, so each bin holds about `N / B` examples (ties stay in
   * one bin; `lower` of the first bin is 0 and `upper` of the last is 1).
   */
  readonly binning?: Binning;
}

/**
 * Options of `ece` and `mce`.
 *
 * @since 0.1.0
 */
export interface EceOptions extends BinningOptions {
  /**
   * `'top-label'` (default): bin the confidence of the predicted class, a hit when it is the
   * label. `'classwise'`: bin `p[i, k]` for every class `k` (a hit when `y_i == k`) and average
   * the K per-class errors (classwise ECE of Kull et al. 2019; MCE is the max over classes).
   */
  readonly scope?: CalibrationScope;
}

/** Checked binning options with defaults filled in. Internal. */
export interface ResolvedBinning {
  readonly bins: number;
  readonly binning: Binning;
  readonly scope: CalibrationScope;
}

/** Checks `opts.bins`, `opts.binning` and `opts.scope`; fills in the defaults. Internal. */
export function readBinningOptions(opts: EceOptions, fn: string): ResolvedBinning {
  return {
    bins: opts.bins === undefined ? 15 : readBins(opts.bins, fn),
    binning:
      opts.binning === undefined
        ? 'equal-width'
        : checkOneOf(opts.binning, BINNINGS, 'opts.binning', fn),
    scope:
      opts.scope === undefined ? 'top-label' : checkOneOf(opts.scope, SCOPES, 'opts.scope', fn),
  };
}

function readBins(bins: unknown, fn: string): number {
  const b = checkPositiveInteger(bins, 'opts.bins', fn);
  if (b > MAX_BINS) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.bins',
      expected: `an integer in [1, ${MAX_BINS}] (the limit on bins)`,
      given: b,
    });
  }
  return b;
}

/**
 * Checks that classwise scope fits its limit: `bins * numClasses <= MAX_CLASSWISE_BINS`.
 * Internal.
 */
export function checkClasswiseSize(options: ResolvedBinning, numClasses: number, fn: string): void {
  if (options.scope === 'classwise' && options.bins * numClasses > MAX_CLASSWISE_BINS) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.bins',
      expected: `at most ${Math.floor(MAX_CLASSWISE_BINS / numClasses)} with scope 'classwise' and ${numClasses} classes (bins * numClasses <= ${MAX_CLASSWISE_BINS})`,
      given: options.bins,
    });
  }
}
