import {
  calibrate,
  calibrateResidual,
  coverage,
  intervalCoverage,
  meanIntervalWidth,
  meanSetSize,
} from '@uqjs/conformal';
import { deriveSeed, Rng } from '@uqjs/core';
import type { ConformalMethod } from './settings.js';

/**
 * Split conformal prediction on the held-out points of a run (`@uqjs/conformal`): the points
 * are split in two at random, one part calibrates, the other measures the coverage. Shape
 * legend: `m` held-out points, `K` classes, `P` points to predict (the grid).
 */

/** Indices of the held-out points that calibrate and of the rest, which test. */
export interface CalibrationSplit {
  readonly calibration: Int32Array;
  readonly test: Int32Array;
}

/**
 * A seeded random split of `m` held-out points: `floor(m / 2)` calibrate, the other
 * `m - floor(m / 2)` test. Exchangeable with each other, so the conformal guarantee holds on
 * the test part.
 */
export function calibrationSplit(m: number, seed: number): CalibrationSplit {
  const order = new Rng(deriveSeed(seed, 'conformal-split')).permutation(m);
  const half = Math.floor(m / 2);
  return { calibration: order.slice(0, half), test: order.slice(half) };
}

/** The rows `rows` of a row-major `[m, width]` array. */
export function pickRows(values: ArrayLike<number>, rows: Int32Array, width = 1): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) out[i * width + j] = values[row * width + j]!;
  });
  return out;
}

/** A conformal classifier's evaluation: its sets' sizes on the grid and scores on the test part. */
export interface ConformalSetsResult {
  readonly method: ConformalMethod;
  readonly alpha: number;
  readonly numClasses: number;
  /** The calibrated score threshold `qhat`. */
  readonly threshold: number;
  readonly numCalibration: number;
  readonly numTest: number;
  /** Fraction of the test part whose set holds its label (aimed at `>= 1 - alpha`). */
  readonly coverage: number;
  /** Mean number of classes in the test part's sets. */
  readonly meanSetSize: number;
  /** `[P]` number of classes in the set at each grid point (0 to `K`). */
  readonly gridSetSize: Float32Array;
}

/**
 * Calibrates `calibrate(method, alpha)` on the calibration part of the held-out probabilities
 * `probs` `[m, K]` with labels `[m]`, and measures coverage and mean set size on the test part
 * and the set sizes at `gridProbs` `[P, K]`. The APS and RAPS scores are not randomized
 * (`randomized: false`), so a set depends on its point alone and the map is not speckled; their
 * sets then cover at least `1 - alpha` (slightly more, as ties can).
 */
export async function conformalSets(
  heldOut: { readonly probs: Float32Array; readonly labels: Int32Array },
  gridProbs: Float32Array,
  numClasses: number,
  opts: { readonly method: ConformalMethod; readonly alpha: number; readonly seed: number },
): Promise<ConformalSetsResult> {
  const split = calibrationSplit(heldOut.labels.length, opts.seed);
  const matrix = (rows: Int32Array) => ({
    data: pickRows(heldOut.probs, rows, numClasses),
    numClasses,
  });
  const classifier = await calibrate(
    matrix(split.calibration),
    pickRows(heldOut.labels, split.calibration),
    {
      alpha: opts.alpha,
      method: opts.method,
      ...(opts.method === 'lac' ? {} : { randomized: false }),
    },
  );
  const testSets = await classifier.predictSets(matrix(split.test));
  const gridSets = await classifier.predictSets({ data: gridProbs, numClasses });
  return {
    method: opts.method,
    alpha: opts.alpha,
    numClasses,
    threshold: classifier.threshold,
    numCalibration: split.calibration.length,
    numTest: split.test.length,
    coverage: await coverage(testSets, pickRows(heldOut.labels, split.test)),
    meanSetSize: meanSetSize(testSets),
    gridSetSize: Float32Array.from(gridSets, (set) => set.length),
  };
}

/** A split-conformal regression interval `mean +- halfWidth` and its scores on the test part. */
export interface ConformalIntervalResult {
  readonly alpha: number;
  /** `qhat`: the calibrated absolute residual, the interval's half width. */
  readonly halfWidth: number;
  readonly numCalibration: number;
  readonly numTest: number;
  /** Fraction of the test part's targets inside their interval (aimed at `>= 1 - alpha`). */
  readonly coverage: number;
  /** Mean width of the test part's intervals (`2 halfWidth`). */
  readonly meanWidth: number;
}

/**
 * `calibrateResidual` (absolute residual scores) on the calibration part of the held-out
 * predictive means `[m]` and targets `[m]`; coverage and width on the test part.
 */
export async function conformalInterval(
  mean: ArrayLike<number>,
  targets: ArrayLike<number>,
  opts: { readonly alpha: number; readonly seed: number },
): Promise<ConformalIntervalResult> {
  const split = calibrationSplit(targets.length, opts.seed);
  const conformal = await calibrateResidual(
    pickRows(mean, split.calibration),
    pickRows(targets, split.calibration),
    { alpha: opts.alpha },
  );
  const intervals = await conformal.predictIntervals(pickRows(mean, split.test));
  return {
    alpha: opts.alpha,
    halfWidth: conformal.threshold,
    numCalibration: split.calibration.length,
    numTest: split.test.length,
    coverage: await intervalCoverage(intervals, pickRows(targets, split.test)),
    meanWidth: await meanIntervalWidth(intervals),
  };
}
