import { checkOneOf } from '@uqjs/core';
import { diagnosticsOf, type FitDiagnostics } from './fit-diagnostics.js';
import { readOptions, type ScoresInput, type VectorInput } from './inputs.js';
import { fitLogistic, sigmoid } from './logistic-fit.js';
import {
  type CalibratorJson,
  fitOneVsRest,
  jsonNumber,
  OneVsRestCalibrator,
  readCalibratorJson,
  readFitData,
  readInputOption,
  readStoredInput,
  type ScoreKind,
} from './one-vs-rest.js';
import { logitOf } from './probability-features.js';

/**
 * Options of {@link PlattScaling.fit}.
 *
 * @since 0.1.0
 */
export interface PlattOptions {
  /**
   * `'probs'` (default): the inputs are probabilities and the score is `logit(p)` (with `p`
   * clamped to `[1e-12, 1 - 1e-12]`); `'logits'`: the inputs are real scores (logits, margins)
   * used as they are.
   */
  readonly input?: 'probs' | 'logits';
  /**
   * `'labels'` (default): the 0/1 labels (the plain maximum-likelihood fit); `'platt'`: Platt's
   * (1999) regularized targets `(N+ + 1) / (N+ + 2)` for positives and `1 / (N- + 2)` for
   * negatives, which keep the fit finite on separable data.
   */
  readonly targets?: 'labels' | 'platt';
  /** How far a row of `[N, K]` probabilities may sum from 1 (default `1e-3`). */
  readonly tolerance?: number;
}

/**
 * The map of one class: `P = sigmoid(a s + b)` on its score `s`.
 *
 * @since 0.1.0
 */
export interface PlattMap {
  readonly a: number;
  readonly b: number;
}

/** Stored form of a {@link PlattScaling} fit. */
export interface PlattJson extends CalibratorJson<'platt', PlattMap> {
  readonly input: 'probs' | 'logits';
}

/** Platt's targets: the 0/1 labels pulled towards 1/2 by a count of one example each way. */
function plattTargets(targets: Float64Array): Float64Array {
  const positives = targets.reduce((s, t) => s + t, 0);
  const negatives = targets.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  return targets.map((t) => (t === 1 ? hi : lo));
}

/**
 * Platt scaling (Platt 1999): logistic regression of the labels on the score,
 * `P(y = 1 | s) = sigmoid(a s + b)`, fitted by maximum likelihood with Newton's method. On
 * probabilities the score is `logit(p)`, so `a = 1, b = 0` is the identity. Binary scores
 * `[N]` get one map; `[N, K]` one per class (one-vs-rest), with rows renormalized.
 *
 * On separable data the likelihood has no maximum: the fit is a steep step and
 * `diagnostics[k].separable` is true (`targets: 'platt'` keeps it finite).
 *
 * @example
 * ```ts
 * const platt = await PlattScaling.fit([0.6, 0.7, 0.8, 0.9, 0.6, 0.7], [0, 1, 1, 1, 1, 0]);
 * platt.maps[0]; // { a, b } of sigmoid(a logit(p) + b)
 * ```
 * @since 0.1.0
 */
export class PlattScaling extends OneVsRestCalibrator<'platt', PlattMap, PlattJson> {
  static readonly kind = 'platt';

  private constructor(
    numClasses: number | null,
    readonly input: ScoreKind,
    maps: readonly PlattMap[],
    /** One entry per class for a fresh fit; empty for one read with `fromJSON`. */
    readonly diagnostics: readonly FitDiagnostics[],
  ) {
    super(
      { name: 'PlattScaling', kind: PlattScaling.kind, argument: 'scores', input },
      numClasses,
      maps,
    );
  }

  /**
   * @param scores `[N]` or `[N, K]` probabilities (default) or logits (`input: 'logits'`).
   * @param labels `[N]` labels in `{0, 1}` (binary) or `[0, K)`.
   */
  static async fit(
    scores: ScoresInput,
    labels: VectorInput,
    opts: PlattOptions = {},
  ): Promise<PlattScaling> {
    const fn = 'PlattScaling.fit';
    const options = readOptions(opts, fn);
    const input = readInputOption(options.input, fn);
    const targetKind = checkOneOf(
      options.targets ?? 'labels',
      ['labels', 'platt'],
      'opts.targets',
      fn,
    );
    const { values, labels: y } = await readFitData(scores, labels, options, input, 'scores', fn);
    const fits = fitOneVsRest(values, y, (column, targets) => {
      const feature = input === 'probs' ? column.map(logitOf) : column;
      const t = targetKind === 'platt' ? plattTargets(targets) : targets;
      return fitLogistic([feature, new Float64Array(feature.length).fill(1)], t);
    });
    return new PlattScaling(
      values.cols,
      input,
      fits.map((f) => ({ a: f.theta[0]!, b: f.theta[1]! })),
      fits.map(diagnosticsOf),
    );
  }

  /** Rebuilds a fit stored with {@link PlattScaling.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): PlattScaling {
    const fn = 'PlattScaling.fromJSON';
    const stored = readCalibratorJson(json, PlattScaling.kind, fn);
    const input = readStoredInput(stored, fn);
    const maps = stored.maps.map((map, k) => {
      const m = (map ?? {}) as Partial<PlattMap>;
      return { a: jsonNumber(m.a, `maps[${k}].a`, fn), b: jsonNumber(m.b, `maps[${k}].b`, fn) };
    });
    return new PlattScaling(stored.numClasses, input, maps, []);
  }

  protected override mapper(): (k: number, v: number) => number {
    return (k, v) => {
      const { a, b } = this.maps[k]!;
      return sigmoid(a * (this.input === 'probs' ? logitOf(v) : v) + b);
    };
  }
}
