/**
 * @uqjs/metrics: scoring, calibration and statistics for classifiers, on plain arrays, typed
 * arrays or TensorFlow.js tensors (read once on the JS side; no tensor is created except by
 * the `apply` of a calibration fit when given a tensor).
 *
 * Shape legend: `N` examples, `K` classes, `M` members (ensemble members or MC samples).
 */
export { accuracy } from './accuracy.js';
export type { AffineFitReport, AffineScalingOptions } from './affine-scaling.js';
export { MAX_MATRIX_SCALING_CLASSES } from './affine-scaling.js';
export type { BinningOptions, CalibrationScope, EceOptions } from './binning-options.js';
export { MAX_BINS, MAX_CLASSWISE_BINS } from './binning-options.js';
export type { Binning } from './bins.js';
export type {
  BootstrapInterval,
  BootstrapMetric,
  BootstrapOptions,
} from './bootstrap-ci.js';
export { bootstrapCI, MAX_RESAMPLES } from './bootstrap-ci.js';
export { brier } from './brier.js';
export type { LogitsTransform } from './calibrated-logits.js';
export type { CalibrationOptions, CalibrationResult } from './calibration.js';
export { Calibration } from './calibration.js';
export type { ClassMapInput, ConfusionOptions, NestedNumbers } from './confusion-matrix.js';
export { confusionMatrix, MAX_CLASSES } from './confusion-matrix.js';
export { crpsGaussian, crpsLaplace } from './crps.js';
export { ece, mce } from './ece.js';
export type { EntropyDecomposition, MembersInput } from './entropy-decomposition.js';
export { entropyDecomposition } from './entropy-decomposition.js';
export type { MatrixScalingFit } from './fit-matrix-scaling.js';
export { fitMatrixScaling } from './fit-matrix-scaling.js';
export type { FitTemperatureOptions, TemperatureFit } from './fit-temperature.js';
export { fitTemperature } from './fit-temperature.js';
export type { VectorScalingFit } from './fit-vector-scaling.js';
export { fitVectorScaling } from './fit-vector-scaling.js';
export type {
  DenseMatrix,
  LabelsInput,
  MatrixInput,
  ProbsInput,
  ProbsOptions,
  VectorInput,
} from './inputs.js';
export { meanIoU } from './mean-iou.js';
export type { MeanStd, MeanStdOptions } from './mean-std.js';
export { meanStd } from './mean-std.js';
export type { NllOptions } from './nll.js';
export { nll } from './nll.js';
export type { OodDetectionOptions, OodFlagsInput, OodScore } from './ood-detection.js';
export { OodDetection } from './ood-detection.js';
export type { OodMetrics } from './ood-metrics.js';
export { oodMetrics } from './ood-metrics.js';
export { dempsterShaferScore, maxProbScore, negativeEntropyScore } from './ood-scores.js';
export type { PairedTTest } from './paired-t-test.js';
export { pairedTTest } from './paired-t-test.js';
export type { PredictiveDistribution } from './predictive-distribution.js';
export type {
  RegressionCalibrationCurve,
  RegressionCalibrationOptions,
} from './regression-calibration.js';
export { miscalibrationArea, regressionCalibration } from './regression-calibration.js';
export type { ReliabilityBin } from './reliability-diagram.js';
export { reliabilityDiagram } from './reliability-diagram.js';
export type { ReliabilityDiagramSvgOptions } from './reliability-diagram-svg.js';
export { reliabilityDiagramSvg } from './reliability-diagram-svg.js';
export type { RiskCoverageCurve, RiskCoverageOptions } from './risk-coverage.js';
export { aurc, riskCoverage } from './risk-coverage.js';
export type {
  PixelFlagsInput,
  PixelMapInput,
  SegmentationMetricsOptions,
  SegmentationOodMetrics,
  SegmentationResult,
  SegmentationUpdateOptions,
} from './segmentation-metrics.js';
export { SegmentationMetrics } from './segmentation-metrics.js';
export type { SharpnessOptions } from './sharpness.js';
export { sharpness } from './sharpness.js';
