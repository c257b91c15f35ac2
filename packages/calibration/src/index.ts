/**
 * @uqjs/calibration: post-hoc calibrators for classifiers (histogram binning, isotonic
 * regression, Platt and beta calibration, binary and one-vs-rest; per-output temperatures for
 * multi-label models) and regressors (quantile recalibration of a Gaussian predictive), and the
 * repeated 2-fold cross-validated evaluation of a calibrator. Every calibrator is fitted with
 * `await X.fit(...)`, applied with `await fit.apply(...)` and stored with `toJSON` /
 * `X.fromJSON`. Inputs are plain arrays, typed arrays or tensors (read with `await data()`).
 *
 * Shape legend: `N` examples, `K` classes, `L` sigmoid outputs.
 */
export type { BetaCalibrationOptions, BetaMap } from './beta-calibration.js';
export { BetaCalibration } from './beta-calibration.js';
export type {
  CalibrationScores,
  CalibratorFitter,
  CrossValidationOptions,
  CrossValidationResult,
} from './cross-validate.js';
export { crossValidateCalibration } from './cross-validate.js';
export type { FitDiagnostics } from './fit-diagnostics.js';
export type { BinMap, HistogramBinningOptions } from './histogram-binning.js';
export { HistogramBinning } from './histogram-binning.js';
export type {
  DenseMatrix,
  MatrixInput,
  SameForm,
  ScoresInput,
  VectorInput,
} from './inputs.js';
export { MAX_BINS } from './inputs.js';
export type {
  IsotonicCalibrationOptions,
  IsotonicJson,
  IsotonicMap,
} from './isotonic-calibration.js';
export { IsotonicCalibration } from './isotonic-calibration.js';
export type { IsotonicRegressionOptions } from './isotonic-regression.js';
export { isotonicRegression } from './isotonic-regression.js';
export type {
  MultiLabelTemperatureJson,
  MultiLabelTemperatureOptions,
} from './multi-label-temperature.js';
export { MultiLabelTemperature } from './multi-label-temperature.js';
export type { CalibratorJson, ProbabilityCalibrator } from './one-vs-rest.js';
export type { PlattJson, PlattMap, PlattOptions } from './platt-scaling.js';
export { PlattScaling } from './platt-scaling.js';
export type { RegressionRecalibrationJson, VectorLike } from './regression-recalibration.js';
export { RegressionRecalibration } from './regression-recalibration.js';
