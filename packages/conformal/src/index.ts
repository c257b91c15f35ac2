/**
 * @uqjs/conformal: split conformal prediction on plain arrays, typed arrays or TensorFlow.js
 * tensors (read with `await tensor.data()`, never disposed or created): classification sets
 * (LAC, APS, RAPS) and regression intervals (absolute residual, CQR) with finite-sample
 * marginal coverage, and coverage / size metrics.
 *
 * Shape legend: `n` calibration examples, `N` test examples, `K` classes.
 */
export type {
  CalibrateOptions,
  ConformalClassifier,
  PredictSetsOptions,
} from './calibrate.js';
export { calibrate } from './calibrate.js';
export { conformalRank } from './conformal-quantile.js';
export type { DenseMatrix, MatrixInput, VectorInput } from './inputs.js';
export type { IntervalsInput } from './interval-metrics.js';
export { intervalCoverage, meanIntervalWidth } from './interval-metrics.js';
export type {
  CqrConformal,
  Intervals,
  RegressionCalibrateOptions,
  ResidualConformal,
} from './regression-intervals.js';
export { calibrateCqr, calibrateResidual } from './regression-intervals.js';
export type { PredictionSets, SizeStratifiedCoverage, SizeStratum } from './set-metrics.js';
export { coverage, meanSetSize, sizeStratifiedCoverage } from './set-metrics.js';
export type { ScoreMethod } from './set-scores.js';
