import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  ShapeError,
} from '@uqjs/core';
import { checkAlpha, conformalQuantile } from './conformal-quantile.js';
import type { MatrixInput, VectorInput } from './inputs.js';
import { readLabels, readOptions, readProbs, readTolerance } from './inputs.js';
import type { ScoreMethod, ScoreParams } from './set-scores.js';
import { rowScores } from './set-scores.js';

/**
 * Options of {@link calibrate}.
 *
 * @since 0.1.0
 */
export interface CalibrateOptions {
  /** Miscoverage level in `(0, 1)`: sets contain the true label with probability >= `1 - alpha`. */
  readonly alpha: number;
  /** Score function (default `'lac'`); see the README for the definitions. */
  readonly method?: ScoreMethod;
  /** APS / RAPS: randomize the last class of each set (default `true`; ignored by `lac`). */
  readonly randomized?: boolean;
  /** RAPS penalty per rank beyond `kReg` (default `0.01`, a number >= 0). */
  readonly lambda?: number;
  /** RAPS: the number of top ranks without penalty (default `1`, an integer >= 0). */
  readonly kReg?: number;
  /** Seed of the uniform draws of randomized scores (default `0`). */
  readonly seed?: number;
  /** How far a row of probabilities may sum from 1 (default `1e-3`). */
  readonly tolerance?: number;
}

/**
 * Options of {@link ConformalClassifier.predictSets}.
 *
 * @since 0.1.0
 */
export interface PredictSetsOptions {
  /** Seed of the uniform draws of randomized scores (default: derived from the calibration seed). */
  readonly seed?: number;
}

/**
 * A calibrated split-conformal classifier.
 *
 * @since 0.1.0
 */
export interface ConformalClassifier {
  readonly method: ScoreMethod;
  readonly alpha: number;
  readonly randomized: boolean;
  readonly lambda: number;
  readonly kReg: number;
  readonly numClasses: number;
  /** The number `n` of calibration examples. */
  readonly numCalibration: number;
  /** The threshold `qhat`: the `ceil((n + 1)(1 - alpha))`-th smallest calibration score. */
  readonly threshold: number;
  /**
   * Prediction sets for probabilities `[N, K]`: for each row, the classes (ascending) whose
   * score is at most `threshold`. A set may be empty (the guarantee holds for these sets).
   */
  predictSets(probs: MatrixInput, opts?: PredictSetsOptions): Promise<number[][]>;
}

function readScoreParams(
  o: Partial<CalibrateOptions>,
  fn: string,
): ScoreParams & { randomized: boolean } {
  const method =
    o.method === undefined
      ? 'lac'
      : checkOneOf(o.method, ['lac', 'aps', 'raps'], 'opts.method', fn);
  const randomized =
    o.randomized === undefined ? true : checkBoolean(o.randomized, 'opts.randomized', fn);
  if (method !== 'raps' && (o.lambda !== undefined || o.kReg !== undefined)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.lambda / opts.kReg',
      expected: "used only with method 'raps'",
      given: method,
    });
  }
  let lambda = 0;
  if (method === 'raps' && o.lambda !== undefined) {
    if (typeof o.lambda !== 'number' || !Number.isFinite(o.lambda) || o.lambda < 0) {
      throw new InvalidArgumentError({
        fn,
        argument: 'opts.lambda',
        expected: 'a finite number >= 0',
        given: o.lambda,
      });
    }
    lambda = o.lambda;
  } else if (method === 'raps') lambda = 0.01;
  const kReg =
    method === 'raps' && o.kReg !== undefined ? checkInteger(o.kReg, 'opts.kReg', fn) : 1;
  return { method, lambda, kReg, randomized: method !== 'lac' && randomized };
}

/**
 * Visits the scores of every class (`[K]`, reused between rows) of each row of `probs`
 * (`[rows, K]`), drawing one uniform per row from `seed` when the scores are randomized.
 */
function scoreRows(
  probs: ArrayLike<number>,
  rows: number,
  numClasses: number,
  params: ScoreParams & { randomized: boolean },
  seed: number,
): (visit: (row: number, scores: Float64Array) => void) => void {
  return (visit) => {
    const rng = new Rng(seed);
    const order = new Int32Array(numClasses);
    const scores = new Float64Array(numClasses);
    for (let i = 0; i < rows; i++) {
      rowScores(probs, i, numClasses, params, params.randomized ? rng.uniform() : 1, order, scores);
      visit(i, scores);
    }
  };
}

/**
 * Calibrates a split-conformal classifier on held-out probabilities and labels.
 *
 * @param probsCal calibration probabilities `[n, K]` (not used in training).
 * @param labelsCal calibration labels `[n]` in `[0, K)`.
 * @param opts `alpha` (required), `method`, `randomized`, `lambda`, `kReg`, `seed`, `tolerance`.
 * @returns a {@link ConformalClassifier}; `predictSets` gives sets with marginal coverage
 *   `>= 1 - alpha` on exchangeable test data.
 * @example
 * ```ts
 * const cp = await calibrate(probsCal, labelsCal, { alpha: 0.1, method: 'aps' });
 * const sets = await cp.predictSets(probsTest); // number[][]
 * ```
 * @since 0.1.0
 */
export async function calibrate(
  probsCal: MatrixInput,
  labelsCal: VectorInput,
  opts: CalibrateOptions,
): Promise<ConformalClassifier> {
  const fn = 'calibrate';
  const o = readOptions<CalibrateOptions>(opts, 'opts', fn);
  const alpha = checkAlpha(o.alpha, fn);
  const params = readScoreParams(o, fn);
  const seed = o.seed === undefined ? 0 : checkSeed(o.seed, 'opts.seed', fn);
  const tolerance = readTolerance(o.tolerance, fn);
  const cal = await readProbs(probsCal, 'probsCal', fn, tolerance);
  const labels = await readLabels(labelsCal, cal.rows, cal.cols, 'labelsCal', fn);
  const calScores = new Float64Array(cal.rows);
  scoreRows(
    cal.data,
    cal.rows,
    cal.cols,
    params,
    deriveSeed(seed, 'calibrate'),
  )((i, scores) => {
    calScores[i] = scores[labels[i]!]!;
  });
  const { threshold } = conformalQuantile(calScores, alpha, 'labelsCal', fn);
  const numClasses = cal.cols;
  const defaultPredictSeed = deriveSeed(seed, 'predict');

  async function predictSets(
    probs: MatrixInput,
    predictOpts?: PredictSetsOptions,
  ): Promise<number[][]> {
    const pfn = 'predictSets';
    const po = readOptions<PredictSetsOptions>(predictOpts, 'opts', pfn);
    const predictSeed =
      po.seed === undefined ? defaultPredictSeed : checkSeed(po.seed, 'opts.seed', pfn);
    const test = await readProbs(probs, 'probs', pfn, tolerance);
    if (test.cols !== numClasses) {
      throw new ShapeError({
        fn: pfn,
        argument: 'probs',
        expected: `of shape [N, ${numClasses}] (the classes of the calibration data)`,
        given: [test.rows, test.cols],
      });
    }
    const sets: number[][] = [];
    scoreRows(
      test.data,
      test.rows,
      numClasses,
      params,
      predictSeed,
    )((_, scores) => {
      const set: number[] = [];
      for (let k = 0; k < numClasses; k++) if (scores[k]! <= threshold) set.push(k);
      sets.push(set);
    });
    return sets;
  }

  return {
    method: params.method,
    alpha,
    randomized: params.randomized,
    lambda: params.lambda,
    kReg: params.kReg,
    numClasses,
    numCalibration: cal.rows,
    threshold,
    predictSets,
  };
}
