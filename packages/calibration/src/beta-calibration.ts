import { DataError } from '@uqjs/core';
import { diagnosticsOf, type FitDiagnostics } from './fit-diagnostics.js';
import { readOptions, type ScoresInput, type VectorInput } from './inputs.js';
import { fitLogistic, type LogisticFit, sigmoid } from './logistic-fit.js';
import {
  fitOneVsRest,
  jsonNumber,
  OneVsRestCalibrator,
  readCalibratorJson,
  readFitData,
} from './one-vs-rest.js';
import { logOf, negLog1mOf } from './probability-features.js';

/**
 * Options of {@link BetaCalibration.fit}.
 *
 * @since 0.1.0
 */
export interface BetaCalibrationOptions {
  /** How far a row of `[N, K]` probabilities may sum from 1 (default `1e-3`). */
  readonly tolerance?: number;
}

/**
 * The map of one class: `P = sigmoid(a ln p - b ln(1 - p) + c)`, with `a, b >= 0` (a
 * monotone non-decreasing map of `p`).
 *
 * @since 0.1.0
 */
export interface BetaMap {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/**
 * The constrained fit of one class. The negative log-likelihood is convex in `(a, b, c)`, so
 * its minimum over `a, b >= 0` is the unconstrained minimum of one face of the constraint set
 * (`a, b` free; `a = 0`; `b = 0`; `a = b = 0`) that is itself feasible: fit every face and keep
 * the feasible fit with the smallest loss. (Kull et al. refit with the negative coefficient
 * dropped; this returns the exact constrained optimum also when both refits are needed.)
 */
function fitBetaMap(p: Float64Array, targets: Float64Array): { map: BetaMap; fit: LogisticFit } {
  const lnP = p.map(logOf);
  const negLn1mP = p.map(negLog1mOf);
  const ones = new Float64Array(p.length).fill(1);
  const faces: { readonly a: boolean; readonly b: boolean }[] = [
    { a: true, b: true },
    { a: false, b: true },
    { a: true, b: false },
    { a: false, b: false },
  ];
  let best: { map: BetaMap; fit: LogisticFit } | null = null;
  for (const face of faces) {
    const features = [...(face.a ? [lnP] : []), ...(face.b ? [negLn1mP] : []), ones];
    const fit = fitLogistic(features, targets);
    let j = 0;
    const a = face.a ? fit.theta[j++]! : 0;
    const b = face.b ? fit.theta[j++]! : 0;
    const c = fit.theta[j]!;
    if (a < 0 || b < 0) continue;
    if (best === null || fit.loss < best.fit.loss) best = { map: { a, b, c }, fit };
  }
  // The intercept-only face (a = b = 0) is always feasible, so best is set.
  return best!;
}

/**
 * Beta calibration (Kull, Silva Filho & Flach 2017): logistic regression of the labels on
 * `[ln p, -ln(1 - p)]`, `P(y = 1 | p) = sigmoid(a ln p - b ln(1 - p) + c)`, the family of
 * maps between two beta-distributed class-conditional scores. `a = b` gives Platt scaling on
 * `logit(p)`; `a = b = 1, c = 0` is the identity. The coefficients are kept `a, b >= 0`, so the
 * map is monotone. Binary probabilities `[N]` get one map; `[N, K]` one per class
 * (one-vs-rest), with rows renormalized.
 *
 * @example
 * ```ts
 * const beta = await BetaCalibration.fit([0.6, 0.7, 0.8, 0.9, 0.6, 0.7], [0, 1, 1, 1, 1, 0]);
 * beta.maps[0]; // { a, b, c } with a, b >= 0
 * ```
 * @since 0.1.0
 */
export class BetaCalibration extends OneVsRestCalibrator<'beta', BetaMap> {
  static readonly kind = 'beta';

  private constructor(
    numClasses: number | null,
    maps: readonly BetaMap[],
    /** One entry per class for a fresh fit; empty for one read with `fromJSON`. */
    readonly diagnostics: readonly FitDiagnostics[],
  ) {
    super(
      { name: 'BetaCalibration', kind: BetaCalibration.kind, argument: 'probs' },
      numClasses,
      maps,
    );
  }

  /**
   * @param probs `[N]` probabilities of class 1, or `[N, K]` rows summing to 1 (clamped to
   *   `[1e-12, 1 - 1e-12]` for the logs).
   * @param labels `[N]` labels in `{0, 1}` (binary) or `[0, K)`.
   */
  static async fit(
    probs: ScoresInput,
    labels: VectorInput,
    opts: BetaCalibrationOptions = {},
  ): Promise<BetaCalibration> {
    const fn = 'BetaCalibration.fit';
    const options = readOptions(opts, fn);
    const { values, labels: y } = await readFitData(probs, labels, options, 'probs', 'probs', fn);
    const fits = fitOneVsRest(values, y, fitBetaMap);
    return new BetaCalibration(
      values.cols,
      fits.map((f) => f.map),
      fits.map((f) => diagnosticsOf(f.fit)),
    );
  }

  /** Rebuilds a fit stored with {@link BetaCalibration.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): BetaCalibration {
    const fn = 'BetaCalibration.fromJSON';
    const stored = readCalibratorJson(json, BetaCalibration.kind, fn);
    const maps = stored.maps.map((map, k) => {
      const m = (map ?? {}) as Partial<BetaMap>;
      const a = jsonNumber(m.a, `maps[${k}].a`, fn);
      const b = jsonNumber(m.b, `maps[${k}].b`, fn);
      if (a < 0 || b < 0) throw new DataError(`${fn}: json maps[${k}] must have a, b >= 0`);
      return { a, b, c: jsonNumber(m.c, `maps[${k}].c`, fn) };
    });
    return new BetaCalibration(stored.numClasses, maps, []);
  }

  protected override mapper(): (k: number, v: number) => number {
    return (k, v) => {
      const { a, b, c } = this.maps[k]!;
      return sigmoid(a * logOf(v) + b * negLog1mOf(v) + c);
    };
  }
}
