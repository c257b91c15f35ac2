import type { CalibratorName, ConformalMethodName } from './config.js';
import type { Cell } from './grid.js';

/**
 * Test or validation scores of one trained model.
 *
 * @since 0.1.0
 */
export interface SplitMetrics {
  /** Mean negative log-likelihood of the (noisy) labels, nats. */
  readonly nll: number;
  readonly accuracy: number;
  /** Expected calibration error, 15 equal-width bins, top label. */
  readonly ece: number;
  /** Mean over examples of the sum over classes of `(p - onehot)^2`. */
  readonly brier: number;
}

/**
 * Per-bin sums of a reliability diagram, pooled across runs by adding them.
 *
 * @since 0.1.0
 */
export interface ReliabilityBins {
  /** Examples whose top-label confidence falls in each bin `(lo, hi]`. */
  readonly count: readonly number[];
  /** Sum of top-label confidences per bin. */
  readonly confidenceSum: readonly number[];
  /** Number of correct top-label predictions per bin. */
  readonly correctSum: readonly number[];
}

/**
 * The test scores of one run's split-conformal prediction sets (`--conformal`), calibrated on
 * its validation predictions.
 *
 * @since 0.1.0
 */
export interface ConformalScores {
  /** Fraction of test examples whose set holds the (noisy) label. */
  readonly coverage: number;
  /** Mean number of classes per test set. */
  readonly meanSetSize: number;
  /** Fraction of test sets that are empty. */
  readonly emptyFraction: number;
  /** The calibrated score threshold `qhat`. */
  readonly threshold: number;
  /** Coverage per set size that occurs on test, by increasing size. */
  readonly strata: readonly {
    readonly size: number;
    readonly count: number;
    readonly coverage: number;
  }[];
  /** Size-stratified coverage violation: `max` over the strata of `|coverage_s - (1 - alpha)|`. */
  readonly violation: number;
}

/**
 * The uncertainty surface of a 2-D toy run, over a regular grid (row-major, y outer).
 *
 * @since 0.1.0
 */
export interface Surface {
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  /** Points per axis. */
  readonly n: number;
  /** `K`: the entropy is at most `log K`. */
  readonly numClasses: number;
  /** Predictive entropy at each grid point, nats, `[n * n]`. */
  readonly entropy: readonly number[];
  /** Training points `[x, y, label]`, subsampled, for the overlay. */
  readonly train: readonly (readonly [number, number, number])[];
  /** Out-of-domain points `[x, y]`, for the overlay. */
  readonly ood: readonly (readonly [number, number])[];
  /** AUROC of predictive entropy separating OOD points from test points. */
  readonly oodAuroc: number;
}

/**
 * One finished training run, as written to a line of `runs.jsonl`.
 *
 * @since 0.1.0
 */
export interface RunRecord {
  /** {@link cellKey} of the cell. */
  readonly key: string;
  readonly cell: Cell;
  /** Scores on validation at the best epoch (the checkpoint used for test). */
  readonly validation: SplitMetrics;
  readonly test: SplitMetrics;
  /** 1-based epoch of the best validation NLL. */
  readonly bestEpoch: number;
  /** Epochs trained before early stopping (or the maximum). */
  readonly epochs: number;
  /** Mean training loss and validation NLL per epoch. */
  readonly history: {
    readonly trainLoss: readonly number[];
    readonly validationNll: readonly number[];
  };
  /** Reliability-diagram sums on the test set. */
  readonly reliability: ReliabilityBins;
  /**
   * Test scores after each post-hoc calibrator of the protocol (`--calibrate`), fitted on this
   * run's validation predictions; absent without `--calibrate`.
   */
  readonly calibrated?: Readonly<Partial<Record<CalibratorName, SplitMetrics>>>;
  /**
   * Test scores of the conformal prediction sets of each score function of the protocol
   * (`--conformal`), calibrated on this run's validation predictions; absent without it.
   */
  readonly conformal?: Readonly<Partial<Record<ConformalMethodName, ConformalScores>>>;
  /** Only for 2-D toy data. */
  readonly surface?: Surface;
  /** Wall time of the run (data preparation, training, evaluation), seconds. */
  readonly seconds: number;
  /** The tfjs backend that trained it. */
  readonly backend: string;
  readonly finishedAt: string;
}
