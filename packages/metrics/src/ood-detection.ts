import type { Tensor } from '@tensorflow/tfjs-core';
import { checkAllFinite, checkOneOf, InvalidArgumentError } from '@uqjs/core';
import {
  checkLength,
  type ProbsInput,
  type ProbsOptions,
  readFlags,
  readProbs,
  readTolerance,
  readVector,
  type VectorInput,
} from './inputs.js';
import { type OodMetrics, oodMetricsOfSorted } from './ood-metrics.js';
import { maxProbOfRows, negativeEntropyOfRows } from './ood-scores.js';
import { readOptions } from './options.js';

/**
 * The score {@link OodDetection.updateProbs} computes from each row of probabilities: `'max-prob'`
 * is {@link maxProbScore}, `'negative-entropy'` is {@link negativeEntropyScore}.
 *
 * @since 0.1.0
 */
export type OodScore = 'max-prob' | 'negative-entropy';

const OOD_SCORES: readonly OodScore[] = ['max-prob', 'negative-entropy'];

/**
 * Options of {@link OodDetection}.
 *
 * @since 0.1.0
 */
export interface OodDetectionOptions extends ProbsOptions {
  /** The score `updateProbs` computes per row (default `'max-prob'`). */
  readonly score?: OodScore;
}

/**
 * Which examples of a chunk are OOD: `true` / `false` for the whole chunk, or one flag per
 * example (`boolean[]`, or numbers 0 / 1 in an array, a typed array or a rank-1 tensor).
 *
 * @since 0.1.0
 */
export type OodFlagsInput = boolean | ArrayLike<number | boolean> | Tensor;

/** A growable float64 array: the scores of one group (in-distribution or OOD). */
class ScoreStore {
  private data = new Float64Array(1024);
  length = 0;

  push(score: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = score;
  }

  /** The scores, sorted ascending in place (their order is of no consequence to the metrics). */
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
}

/**
 * Streaming OOD detection metrics for evaluation sets seen in chunks: the same `auroc`,
 * `auprIn`, `auprOut` and `fpr95` as {@link oodMetrics} on the concatenated in-distribution
 * and OOD scores, exactly (the same numbers, bit for bit, in whatever chunks).
 *
 * Scores are oriented as in `oodMetrics` (higher = more in-distribution). `update` takes
 * scores; `updateProbs` takes `[n, K]` probabilities and keeps only each row's score
 * (`opts.score`), so memory does not grow with `K`.
 *
 * Memory: the metrics are exact, so every score is kept: 8 bytes per example (float64) in
 * arrays that double when full (at most 16 bytes per example reserved, 24 for a moment while
 * one grows), nothing per class. `result()` sorts them in place, without copies.
 *
 * @example
 * ```ts
 * const m = new OodDetection({ score: 'max-prob' });
 * m.updateProbs([[0.9, 0.1], [0.8, 0.2]], false); // an in-distribution chunk
 * m.updateProbs([[0.6, 0.4], [0.95, 0.05]], [true, false]); // flags per example
 * const { auroc, fpr95 } = m.result(); // as oodMetrics([0.9, 0.8, 0.95], [0.6])
 * ```
 * @since 0.1.0
 */
export class OodDetection {
  private readonly score: OodScore;
  private readonly tolerance: number;
  private readonly inScores = new ScoreStore();
  private readonly outScores = new ScoreStore();

  constructor(opts: OodDetectionOptions = {}) {
    const fn = 'OodDetection';
    const options = readOptions(opts, fn);
    this.score =
      options.score === undefined
        ? 'max-prob'
        : checkOneOf(options.score, OOD_SCORES, 'opts.score', fn);
    this.tolerance = readTolerance(options.tolerance, fn);
  }

  /** Numbers of in-distribution and OOD examples added so far. */
  get count(): { readonly in: number; readonly out: number } {
    return { in: this.inScores.length, out: this.outScores.length };
  }

  /**
   * Adds a chunk of scores `[n]` (finite; higher = more in-distribution) and which of them are
   * OOD (`isOod`: one flag for the chunk, or `[n]`). Tensors are read, not disposed.
   */
  update(scores: VectorInput, isOod: OodFlagsInput): this {
    const fn = 'OodDetection.update';
    const values = readVector(scores, 'scores', fn);
    checkAllFinite(values, 'scores', fn);
    return this.add(values, isOod, fn);
  }

  /**
   * Adds a chunk of probabilities `[n, K]` (or `[n]` probabilities of class 1) and which rows
   * are OOD (`isOod`: one flag for the chunk, or `[n]`); each row is reduced to its score
   * (`opts.score` of the constructor) at once. Tensors are read, not disposed.
   */
  updateProbs(probs: ProbsInput, isOod: OodFlagsInput): this {
    const fn = 'OodDetection.updateProbs';
    const m = readProbs(probs, 'probs', fn, this.tolerance);
    const scores = this.score === 'max-prob' ? maxProbOfRows(m) : negativeEntropyOfRows(m);
    return this.add(scores, isOod, fn);
  }

  /**
   * The metrics over every example added so far, as `oodMetrics(inScores, outScores)`; throws
   * until both groups have at least one example. Later updates add to the same sets.
   */
  result(): OodMetrics {
    const fn = 'OodDetection.result';
    for (const [group, store] of [
      ['in', this.inScores],
      ['out', this.outScores],
    ] as const) {
      if (store.length === 0) {
        throw new InvalidArgumentError({
          fn,
          argument: `count.${group}`,
          expected: `at least 1 (add ${group === 'in' ? 'in-distribution' : 'OOD'} examples first)`,
          given: 0,
        });
      }
    }
    return oodMetricsOfSorted(this.inScores.sorted(), this.outScores.sorted());
  }

  private add(scores: ArrayLike<number>, isOod: OodFlagsInput, fn: string): this {
    const n = scores.length;
    if (typeof isOod === 'boolean') {
      const store = isOod ? this.outScores : this.inScores;
      for (let i = 0; i < n; i++) store.push(scores[i]!);
      return this;
    }
    const flags = readFlags(readVector(isOod, 'isOod', fn) as ArrayLike<unknown>, 'isOod', fn);
    checkLength(flags, n, 'isOod', fn, 'one per example');
    for (let i = 0; i < n; i++) {
      (flags[i] ? this.outScores : this.inScores).push(scores[i]!);
    }
    return this;
  }
}
