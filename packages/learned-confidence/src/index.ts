/**
 * `@uqjs/learned-confidence`: learned confidence estimates for tfjs-layers classifiers
 * (DeVries and Taylor, 2018), usable as an out-of-distribution score.
 *
 * Shape legend: `N` rows of the input, `B` rows of a batch, `F` features, `K` classes.
 *
 * @since 0.1.0
 */
export type { ConfidenceBranchArgs } from './confidence-branch.js';
export { ConfidenceBranch } from './confidence-branch.js';
export type { ConfidenceLossValue, ConfidenceParts } from './confidence-loss.js';
export { adaptLambda, confidenceLoss, drawHints, splitConfidence } from './confidence-loss.js';
export type { ConfidencePredictive, ConfidencePredictOptions } from './confidence-predict.js';
export { confidencePredict } from './confidence-predict.js';
export type {
  TrainWithConfidenceOptions,
  TrainWithConfidenceResult,
} from './train-with-confidence.js';
export { trainWithConfidence } from './train-with-confidence.js';
