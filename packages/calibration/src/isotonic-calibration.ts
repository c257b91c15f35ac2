import { DataError } from '@uqjs/core';
import { readOptions, readValues, type ScoresInput, type VectorInput } from './inputs.js';
import { fitIsotonicKnots, interpolate, readWeights } from './isotonic-regression.js';
import {
  type CalibratorJson,
  fitOneVsRest,
  jsonNumbers,
  OneVsRestCalibrator,
  readCalibratorJson,
  readFitData,
  readInputOption,
  readStoredInput,
  type ScoreKind,
} from './one-vs-rest.js';

/**
 * Options of {@link IsotonicCalibration.fit}.
 *
 * @since 0.1.0
 */
export interface IsotonicCalibrationOptions {
  /** `'probs'` (default: rows checked to sum to 1) or `'logits'` (any finite scores). */
  readonly input?: 'probs' | 'logits';
  /** `[N]` example weights, each `> 0` (default all 1). */
  readonly weights?: VectorInput;
  /** How far a row of `[N, K]` probabilities may sum from 1 (default `1e-3`). */
  readonly tolerance?: number;
}

/**
 * The map of one class: piecewise linear through the knots `(x[j], y[j])` (`x` strictly
 * increasing, `y` non-decreasing), constant beyond the first and last knot.
 *
 * @since 0.1.0
 */
export interface IsotonicMap {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Stored form of an {@link IsotonicCalibration} fit. */
export interface IsotonicJson extends CalibratorJson<'isotonic', IsotonicMap> {
  readonly input: 'probs' | 'logits';
}

/**
 * Isotonic calibration (Zadrozny & Elkan 2002): the non-decreasing map of scores to
 * probabilities minimizing the (weighted) squared error to the labels, by
 * pool-adjacent-violators. Tied scores are pooled first (their mean label), and the map
 * interpolates linearly between the fitted scores, clamped outside their range. Binary scores
 * `[N]` get one map; `[N, K]` one per class (one-vs-rest), with rows renormalized.
 *
 * @example
 * ```ts
 * const iso = await IsotonicCalibration.fit([0.1, 0.3, 0.5, 0.7], [0, 1, 0, 1]);
 * await iso.apply([0.2, 0.6]); // Float64Array [0.25, 0.75]: knots (0.1, 0), (0.3, .5), (0.5, .5), (0.7, 1)
 * ```
 * @since 0.1.0
 */
export class IsotonicCalibration extends OneVsRestCalibrator<
  'isotonic',
  IsotonicMap,
  IsotonicJson
> {
  static readonly kind = 'isotonic';

  private constructor(
    numClasses: number | null,
    readonly input: ScoreKind,
    maps: readonly IsotonicMap[],
  ) {
    const form = {
      name: 'IsotonicCalibration',
      kind: IsotonicCalibration.kind,
      argument: 'scores',
      input,
    } as const;
    super(form, numClasses, maps);
  }

  /**
   * @param scores `[N]` or `[N, K]` probabilities (default) or scores (`input: 'logits'`).
   * @param labels `[N]` labels in `{0, 1}` (binary) or `[0, K)`.
   */
  static async fit(
    scores: ScoresInput,
    labels: VectorInput,
    opts: IsotonicCalibrationOptions = {},
  ): Promise<IsotonicCalibration> {
    const fn = 'IsotonicCalibration.fit';
    const options = readOptions(opts, fn);
    const input = readInputOption(options.input, fn);
    const { values, labels: y } = await readFitData(scores, labels, options, input, 'scores', fn);
    const weights = readWeights(
      options.weights === undefined
        ? undefined
        : (await readValues(options.weights, 'opts.weights', fn, 'vector')).data,
      values.rows,
      'opts.weights',
      fn,
    );
    const maps = fitOneVsRest(values, y, (column, targets) => {
      const knots = fitIsotonicKnots(column, targets, weights);
      return { x: Array.from(knots.x), y: Array.from(knots.y) };
    });
    return new IsotonicCalibration(values.cols, input, maps);
  }

  /** Rebuilds a fit stored with {@link IsotonicCalibration.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): IsotonicCalibration {
    const fn = 'IsotonicCalibration.fromJSON';
    const stored = readCalibratorJson(json, IsotonicCalibration.kind, fn);
    const input = readStoredInput(stored, fn);
    const maps = stored.maps.map((map, k) => {
      const m = (map ?? {}) as Partial<IsotonicMap>;
      const x = jsonNumbers(m.x, `maps[${k}].x`, fn);
      const y = jsonNumbers(m.y, `maps[${k}].y`, fn, x.length);
      const monotone = x.every((v, j) => j === 0 || (v > x[j - 1]! && y[j]! >= y[j - 1]!));
      if (x.length < 1 || !monotone || !y.every((v) => v >= 0 && v <= 1)) {
        throw new DataError(
          `${fn}: json maps[${k}] must have x strictly increasing and y non-decreasing in [0, 1]`,
        );
      }
      return { x: Array.from(x), y: Array.from(y) };
    });
    return new IsotonicCalibration(stored.numClasses, input, maps);
  }

  protected override mapper(): (k: number, v: number) => number {
    const knots = this.maps.map((m) => ({ x: Float64Array.from(m.x), y: Float64Array.from(m.y) }));
    return (k, v) => interpolate(knots[k]!, v);
  }
}
