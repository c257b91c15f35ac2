import { checkOneOf, checkPositiveInteger } from '@uqjs/core';
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
 * Binning options shared by `ece`, `mce`, `reliabilityDiagram` and `Calibration`.
 *
 * @since 0.1.0
 */
export interface BinningOptions extends ProbsOptions {
  /** Number of bins (default 15). */
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
    bins: opts.bins === undefined ? 15 : checkPositiveInteger(opts.bins, 'opts.bins', fn),
    binning:
      opts.binning === undefined
        ? 'equal-width'
        : checkOneOf(opts.binning, BINNINGS, 'opts.binning', fn),
    scope:
      opts.scope === undefined ? 'top-label' : checkOneOf(opts.scope, SCOPES, 'opts.scope', fn),
  };
}
