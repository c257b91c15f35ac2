import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { type EceOptions, readBinningOptions } from './binning-options.js';
import { brierSum } from './brier.js';
import { CalibrationBins } from './calibration-bins.js';
import {
  type LabelsInput,
  type ProbsInput,
  readLabels,
  readProbs,
  readTolerance,
} from './inputs.js';
import { nllSum, readEps } from './nll.js';
import { readOptions } from './options.js';
import { diagramOfTotals, type ReliabilityBin } from './reliability-diagram.js';

/**
 * Options of {@link Calibration}: those of `ece` plus the `eps` of `nll`.
 *
 * @since 0.1.0
 */
export interface CalibrationOptions extends EceOptions {
  /** Floor on the probability of the label in the NLL (default `1e-12`, as in `nll`). */
  readonly eps?: number;
}

/**
 * What {@link Calibration.result} returns.
 *
 * @since 0.1.0
 */
export interface CalibrationResult {
  /** As `ece(probs, labels, opts)` over every example seen. */
  readonly ece: number;
  /** As `mce(probs, labels, opts)`. */
  readonly mce: number;
  /** As `nll(probs, labels, { eps })`. */
  readonly nll: number;
  /** As `brier(probs, labels)`. */
  readonly brier: number;
  /** As `accuracy(probs, labels)`. */
  readonly accuracy: number;
  /** Number of examples seen. */
  readonly count: number;
  /** The top-label reliability diagram, as `reliabilityDiagram(probs, labels, opts)` (whatever the scope). */
  readonly diagram: ReliabilityBin[];
}

/**
 * Streaming calibration metrics for evaluation sets seen in chunks: ECE, MCE, NLL, Brier,
 * accuracy and the reliability diagram in one pass. Sums are added per example in arrival
 * order, so the results are identical (bit for bit) to the one-shot functions on the
 * concatenated data.
 *
 * Memory: O(bins) for equal-width binning; equal-mass binning keeps one score per example
 * (top-label) or per example and class (classwise) until `result()`, since its edges are
 * quantiles of all scores.
 *
 * @example
 * ```ts
 * const m = new Calibration({ bins: 15 });
 * m.update([[0.9, 0.1], [0.2, 0.8]], [0, 1]);
 * m.update(tf.tensor2d([[0.6, 0.4]]), tf.tensor1d([1], 'int32'));
 * const { ece, nll, brier, accuracy, diagram } = m.result();
 * ```
 * @since 0.1.0
 */
export class Calibration {
  private readonly resolved: ReturnType<typeof readBinningOptions>;
  private readonly eps: number;
  private readonly tolerance: number;
  private bins: CalibrationBins | null = null;
  private numClasses = 0;
  private count = 0;
  private correct = 0;
  private nllTotal = 0;
  private brierTotal = 0;

  constructor(opts: CalibrationOptions = {}) {
    const fn = 'Calibration';
    const options = readOptions(opts, fn);
    this.resolved = readBinningOptions(options, fn);
    this.eps = readEps(options.eps, fn);
    this.tolerance = readTolerance(options.tolerance, fn);
  }

  /**
   * Adds a chunk: `probs` `[n, K]` (or `[n]` probabilities of class 1) and `labels` `[n]`.
   * `K` is fixed by the first chunk. Tensors are read, not disposed.
   */
  update(probs: ProbsInput, labels: LabelsInput): this {
    const fn = 'Calibration.update';
    const m = readProbs(probs, 'probs', fn, this.tolerance);
    if (this.bins !== null && m.cols !== this.numClasses) {
      throw new ShapeError({
        fn,
        argument: 'probs',
        expected: `of shape [n, ${this.numClasses}] (the number of classes of the first update)`,
        given: [m.rows, m.cols],
      });
    }
    const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
    if (this.bins === null) {
      this.numClasses = m.cols;
      this.bins = new CalibrationBins(this.resolved, m.cols, fn);
    }
    this.correct += this.bins.add(m, y);
    this.nllTotal = nllSum(m, y, this.eps, this.nllTotal);
    this.brierTotal = brierSum(m, y, this.brierTotal);
    this.count += m.rows;
    return this;
  }

  /** The metrics over every example added so far; throws before the first `update`. */
  result(): CalibrationResult {
    if (this.bins === null) {
      throw new InvalidArgumentError({
        fn: 'Calibration.result',
        argument: 'count',
        expected: 'at least 1 (call update first)',
        given: 0,
      });
    }
    const { ece, mce } = this.bins.errors();
    return {
      ece,
      mce,
      nll: this.nllTotal / this.count,
      brier: this.brierTotal / this.count,
      accuracy: this.correct / this.count,
      count: this.count,
      diagram: diagramOfTotals(this.bins.topLabelTotals()),
    };
  }
}
