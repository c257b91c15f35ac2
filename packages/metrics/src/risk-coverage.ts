import { checkAllFinite } from '@uqjs/core';
import {
  checkLength,
  type LabelsInput,
  type ProbsInput,
  type ProbsOptions,
  readLabels,
  readProbs,
  readTolerance,
  readVector,
  type VectorInput,
} from './inputs.js';
import { readOptions } from './options.js';
import { argmaxRow } from './top-label.js';

/**
 * Options of {@link riskCoverage} and {@link aurc}.
 *
 * @since 0.1.0
 */
export interface RiskCoverageOptions extends ProbsOptions {
  /**
   * `[N]` confidence scores to rank examples by, higher kept first (default: the top-label
   * probability `max_k p[i, k]`). Any OOD score or negated uncertainty works.
   */
  readonly scores?: VectorInput;
}

/**
 * The selective-prediction curve of {@link riskCoverage}, one point per distinct score.
 *
 * @since 0.1.0
 */
export interface RiskCoverageCurve {
  /** Distinct scores, decreasing: point t keeps the examples with score >= threshold[t]. */
  readonly threshold: Float64Array;
  /** Fraction of examples kept at each threshold, increasing to 1. */
  readonly coverage: Float64Array;
  /** Top-1 error rate among the kept examples. */
  readonly risk: Float64Array;
}

/** Tie groups of examples sorted by decreasing score: each group's size and errors. */
interface Groups {
  readonly threshold: Float64Array;
  readonly size: Float64Array;
  readonly errors: Float64Array;
  readonly total: number;
}

function groupByScore(
  probs: ProbsInput,
  labels: LabelsInput,
  opts: RiskCoverageOptions | undefined,
  fn: string,
): Groups {
  const options = readOptions(opts, fn);
  const m = readProbs(probs, 'probs', fn, readTolerance(options.tolerance, fn));
  const y = readLabels(labels, m.rows, m.cols, 'labels', fn);
  const n = m.rows;
  const error = new Uint8Array(n);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const best = argmaxRow(m.data, i, m.cols);
    error[i] = best === y[i] ? 0 : 1;
    score[i] = m.data[i * m.cols + best]!;
  }
  if (options.scores !== undefined) {
    const s = readVector(options.scores, 'opts.scores', fn);
    checkLength(s, n, 'opts.scores', fn, 'one per row of probs');
    checkAllFinite(s, 'opts.scores', fn);
    score.set(Array.from(s));
  }
  // Examples in decreasing score; the order within ties does not matter below.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const threshold: number[] = [];
  const size: number[] = [];
  const errors: number[] = [];
  for (const i of order) {
    const last = threshold.length - 1;
    if (last >= 0 && threshold[last] === score[i]) {
      size[last]! += 1;
      errors[last]! += error[i]!;
    } else {
      threshold.push(score[i]!);
      size.push(1);
      errors.push(error[i]!);
    }
  }
  return {
    threshold: Float64Array.from(threshold),
    size: Float64Array.from(size),
    errors: Float64Array.from(errors),
    total: n,
  };
}

/**
 * Risk-coverage curve of selective prediction (Geifman & El-Yaniv 2017): keep the examples
 * whose score is at least a threshold, and report the fraction kept (coverage) and the top-1
 * error rate among them (risk), at every distinct score. Tied examples are kept together.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @param opts `scores` to rank by (default the top-label probability).
 * @example
 * ```ts
 * riskCoverage([[0.9, 0.1], [0.6, 0.4]], [0, 1]);
 * // { threshold: [0.9, 0.6], coverage: [0.5, 1], risk: [0, 0.5] }
 * ```
 * @since 0.1.0
 */
export function riskCoverage(
  probs: ProbsInput,
  labels: LabelsInput,
  opts: RiskCoverageOptions = {},
): RiskCoverageCurve {
  const g = groupByScore(probs, labels, opts, 'riskCoverage');
  const points = g.threshold.length;
  const coverage = new Float64Array(points);
  const risk = new Float64Array(points);
  let kept = 0;
  let wrong = 0;
  for (let t = 0; t < points; t++) {
    kept += g.size[t]!;
    wrong += g.errors[t]!;
    coverage[t] = kept / g.total;
    risk[t] = wrong / kept;
  }
  return { threshold: g.threshold, coverage, risk };
}

/**
 * Area under the risk-coverage curve (Geifman et al. 2019), lower is better:
 * `AURC = (1/N) sum_{n=1}^{N} risk(n)`, where `risk(n)` is the error rate of the n most
 * confident examples. Within a tie of s examples with e errors the order is unknown, so
 * `risk(n)` is its expectation over random tie-breaking: keeping j of them adds `j e / s`
 * errors. Invariant to the order of examples.
 *
 * @param probs `[N, K]` probabilities, or `[N]` probabilities of class 1.
 * @param labels `[N]` integer labels in `[0, K)`.
 * @example
 * ```ts
 * aurc([[0.9, 0.1], [0.6, 0.4]], [0, 1]); // (0/1 + 1/2) / 2 = 0.25
 * ```
 * @since 0.1.0
 */
export function aurc(
  probs: ProbsInput,
  labels: LabelsInput,
  opts: RiskCoverageOptions = {},
): number {
  const g = groupByScore(probs, labels, opts, 'aurc');
  let kept = 0;
  let wrong = 0;
  let sum = 0;
  for (let t = 0; t < g.threshold.length; t++) {
    const s = g.size[t]!;
    const e = g.errors[t]!;
    for (let j = 1; j <= s; j++) sum += (wrong + (j * e) / s) / (kept + j);
    kept += s;
    wrong += e;
  }
  return sum / g.total;
}
