import {
  checkInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  ShapeError,
} from '@uqjs/core';
import { brier, ece, type MeanStd, meanStd, nll } from '@uqjs/metrics';
import {
  type DenseMatrix,
  readBins,
  readLabels,
  readOptions,
  readProbs,
  type ScoresInput,
  type Values,
  type VectorInput,
} from './inputs.js';

/**
 * What {@link crossValidateCalibration} fits: any function of held-out probabilities (a
 * `Float64Array` `[n]` or a {@link DenseMatrix} `[n, K]`) and labels returning a calibrator
 * whose `apply` gives probabilities of the same form, e.g.
 * `(p, y) => IsotonicCalibration.fit(p, y)`.
 *
 * @since 0.1.0
 */
export type CalibratorFitter = (
  probs: Float64Array | DenseMatrix,
  labels: Int32Array,
) => Promise<{ apply(probs: Float64Array | DenseMatrix): Promise<unknown> }>;

/**
 * Options of {@link crossValidateCalibration}.
 *
 * @since 0.1.0
 */
export interface CrossValidationOptions {
  /** Repetitions of the 2-fold split, an integer in `[1, 1000]` (default 5): `2 * repeats` folds. */
  readonly repeats?: number;
  /** Seed of the random halvings (default 0). */
  readonly seed?: number;
  /** Equal-width bins of the ECE (default 15). */
  readonly bins?: number;
}

/**
 * ECE, NLL and Brier score of one evaluation half.
 *
 * @since 0.1.0
 */
export interface CalibrationScores {
  readonly ece: number;
  readonly nll: number;
  readonly brier: number;
}

/**
 * What {@link crossValidateCalibration} returns: mean and sample std over the `2 * repeats`
 * evaluation halves of each metric, before (the probabilities as given) and after calibration.
 *
 * @since 0.1.0
 */
export interface CrossValidationResult {
  readonly folds: number;
  readonly before: { readonly ece: MeanStd; readonly nll: MeanStd; readonly brier: MeanStd };
  readonly after: { readonly ece: MeanStd; readonly nll: MeanStd; readonly brier: MeanStd };
  /** Per fold, in order (repeat `r` gives folds `2r` and `2r + 1`). */
  readonly perFold: readonly {
    readonly before: CalibrationScores;
    readonly after: CalibrationScores;
  }[];
}

const MAX_REPEATS = 1000;

/** Rows `rows` of `values`: a `Float64Array` for a vector, a {@link DenseMatrix} for a matrix. */
function subset(values: Values, rows: Int32Array): Float64Array | DenseMatrix {
  const cols = values.cols ?? 1;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    data.set(values.data.subarray(r * cols, (r + 1) * cols), i * cols);
  });
  return values.cols === null ? data : { data, numClasses: cols };
}

function scores(probs: unknown, labels: Int32Array, bins: number): CalibrationScores {
  const p = probs as Float64Array | DenseMatrix;
  return { ece: ece(p, labels, { bins }), nll: nll(p, labels), brier: brier(p, labels) };
}

function summary(folds: readonly CalibrationScores[]) {
  const of = (key: keyof CalibrationScores) => meanStd(folds.map((f) => f[key]));
  return { ece: of('ece'), nll: of('nll'), brier: of('brier') };
}

/**
 * The repeated 2-fold cross-validated evaluation of a post-hoc calibrator on a test set: each
 * repeat splits the examples into two random halves (seeded), fits on one half and scores the
 * other, then swaps; ECE, NLL and Brier (from `@uqjs/metrics`) are reported as mean ± std over
 * the `2 * repeats` scored halves, before and after calibration (the same halves, so the two
 * are paired). Every example is scored by a calibrator that never saw it.
 *
 * @param fit fits a calibrator on one half (see {@link CalibratorFitter}).
 * @param probs `[N]` binary probabilities of class 1 or `[N, K]` rows summing to 1, `N >= 4`.
 * @param labels `[N]` labels in `{0, 1}` or `[0, K)`.
 * @example
 * ```ts
 * const cv = await crossValidateCalibration((p, y) => IsotonicCalibration.fit(p, y), probs, labels, { seed: 1 });
 * console.log(cv.before.ece.mean, cv.after.ece.mean);
 * ```
 * @since 0.1.0
 */
export async function crossValidateCalibration(
  fit: CalibratorFitter,
  probs: ScoresInput,
  labels: VectorInput,
  opts: CrossValidationOptions = {},
): Promise<CrossValidationResult> {
  const fn = 'crossValidateCalibration';
  if (typeof fit !== 'function') {
    throw new InvalidArgumentError({
      fn,
      argument: 'fit',
      expected: 'a function (probs, labels) => Promise<calibrator>',
      given: fit,
    });
  }
  const options = readOptions(opts, fn);
  const repeats = checkInteger(options.repeats ?? 5, 'opts.repeats', fn, 1);
  if (repeats > MAX_REPEATS) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.repeats',
      expected: `an integer in [1, ${MAX_REPEATS}]`,
      given: repeats,
    });
  }
  const seed = checkSeed(options.seed ?? 0, 'opts.seed', fn);
  const bins = readBins(options.bins ?? 15, 'opts.bins', fn);
  const p = await readProbs(probs, 'probs', fn);
  const y = await readLabels(labels, p, 'labels', fn);
  if (p.rows < 4) {
    throw new ShapeError({
      fn,
      argument: 'probs',
      expected: 'at least 4 rows (two halves of at least 2)',
      given: p.shape,
    });
  }
  const half = p.rows >> 1;
  const perFold: { before: CalibrationScores; after: CalibrationScores }[] = [];
  for (let r = 0; r < repeats; r++) {
    const order = new Rng(deriveSeed(seed, 'calibration-cv', r)).permutation(p.rows);
    const halves = [order.subarray(0, half), order.subarray(half)];
    for (const [fitRows, evalRows] of [halves, [halves[1]!, halves[0]!]] as const) {
      const calibrator = await fit(
        subset(p, fitRows),
        Int32Array.from(fitRows, (i) => y[i]!),
      );
      const heldOut = subset(p, evalRows);
      const heldLabels = Int32Array.from(evalRows, (i) => y[i]!);
      perFold.push({
        before: scores(heldOut, heldLabels, bins),
        after: scores(await calibrator.apply(heldOut), heldLabels, bins),
      });
    }
  }
  return {
    folds: perFold.length,
    before: summary(perFold.map((f) => f.before)),
    after: summary(perFold.map((f) => f.after)),
    perFold,
  };
}
