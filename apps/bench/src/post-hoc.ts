import {
  BetaCalibration,
  HistogramBinning,
  IsotonicCalibration,
  PlattScaling,
} from '@uqjs/calibration';
import type { DenseMatrix } from '@uqjs/core';
import { fitMatrixScaling, fitTemperature, fitVectorScaling } from '@uqjs/metrics';
import type { CalibratorName } from './config.js';
import { scoreProbs } from './evaluate.js';
import type { SplitMetrics } from './record.js';

/**
 * Post-hoc calibration of a cell's predictions (`--calibrate`): each calibrator is fitted on the
 * validation predictions of the best checkpoint and applied to its test predictions, which are
 * then scored as the uncalibrated ones are. Everything here runs on the host, in float64.
 *
 * Legend: `N` examples, `K` classes.
 */

/**
 * Predictive probabilities `[N, K]`, row-major (what `hostProbs` gives).
 *
 * @since 0.1.0
 */
export type HostProbs = DenseMatrix;

/**
 * A fitted calibrator: probabilities `[N, K]` in, calibrated probabilities `[N, K]` out.
 *
 * @since 0.1.0
 */
export type ProbabilityMap = (probs: HostProbs) => Promise<HostProbs>;

/**
 * Probabilities below this are raised to it before their log is taken, as `nll` does by
 * default: a float32 probability can underflow to 0, and the scaling fits need finite logits.
 */
const PROBABILITY_FLOOR = 1e-12;

/**
 * `log max(p, 1e-12)` of every entry: logits of the predictive. For a softmax model
 * `log softmax(z) = z - logsumexp(z)` shifts each row by a constant, which cancels in the
 * softmax of `z / T`: temperature scaling here is that of the model's own logits. Vector and
 * matrix scaling scale the shift with the classes, so they are fitted on these logits, not the
 * model's (the only ones every method has).
 */
function logits(probs: HostProbs): DenseMatrix {
  const data = Float64Array.from(probs.data, (p) => Math.log(Math.max(p, PROBABILITY_FLOOR)));
  return { data, numClasses: probs.numClasses };
}

/** Softmax of each row of `[N, K]` logits, shifted by the row maximum so no exp overflows. */
function softmaxRows(m: DenseMatrix): HostProbs {
  const k = m.numClasses;
  const out = new Float64Array(m.data.length);
  for (let start = 0; start < out.length; start += k) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, m.data[start + j] as number);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp((m.data[start + j] as number) - max);
      out[start + j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) out[start + j] = (out[start + j] as number) / sum;
  }
  return { data: out, numClasses: k };
}

/** A logit transform fitted by `@uqjs/metrics`, as a map of probabilities. */
function onLogits(apply: (logits: DenseMatrix) => unknown): ProbabilityMap {
  return async (probs) => softmaxRows(apply(logits(probs)) as DenseMatrix);
}

/**
 * Fits the calibrator `name` on validation probabilities `[N, K]` and their labels `[N]`, with
 * each calibrator's own defaults: temperature, vector and matrix scaling (`@uqjs/metrics`,
 * minimum validation NLL) on the log-probabilities, then a softmax; histogram binning (15
 * equal-width bins), isotonic regression, Platt and beta calibration (`@uqjs/calibration`) one
 * class against the rest, rows renormalized to sum to 1.
 *
 * @example
 * ```ts
 * const calibrate = await fitCalibrator('temperature', validationProbs, validationLabels);
 * const calibrated = await calibrate(testProbs); // { data, numClasses }, rows summing to 1
 * ```
 *
 * @since 0.1.0
 */
export async function fitCalibrator(
  name: CalibratorName,
  validation: HostProbs,
  labels: Int32Array,
): Promise<ProbabilityMap> {
  switch (name) {
    case 'temperature':
      return onLogits(fitTemperature(logits(validation), labels).apply);
    case 'vector':
      return onLogits(fitVectorScaling(logits(validation), labels).apply);
    case 'matrix':
      return onLogits(fitMatrixScaling(logits(validation), labels).apply);
    case 'histogram': {
      const fit = await HistogramBinning.fit(validation, labels);
      return (probs) => fit.apply(probs);
    }
    case 'isotonic': {
      const fit = await IsotonicCalibration.fit(validation, labels);
      return (probs) => fit.apply(probs);
    }
    case 'platt': {
      const fit = await PlattScaling.fit(validation, labels);
      return (probs) => fit.apply(probs);
    }
    case 'beta': {
      const fit = await BetaCalibration.fit(validation, labels);
      return (probs) => fit.apply(probs);
    }
  }
}

/**
 * Test scores after each of `calibrators`, fitted on the validation probabilities `[N_val, K]`
 * and applied to the test probabilities `[N_test, K]` of one run; keyed by calibrator, in the
 * order given.
 *
 * @since 0.1.0
 */
export async function calibratedScores(
  calibrators: readonly CalibratorName[],
  validation: { readonly probs: HostProbs; readonly labels: Int32Array },
  test: { readonly probs: HostProbs; readonly labels: Int32Array },
): Promise<Partial<Record<CalibratorName, SplitMetrics>>> {
  const scores: Partial<Record<CalibratorName, SplitMetrics>> = {};
  for (const name of calibrators) {
    const calibrate = await fitCalibrator(name, validation.probs, validation.labels);
    scores[name] = scoreProbs(await calibrate(test.probs), test.labels);
  }
  return scores;
}
