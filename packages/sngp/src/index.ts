export type { SngpClassifierOptions } from './build-sngp-classifier.js';
export { buildSngpClassifier } from './build-sngp-classifier.js';
export { crossEntropyFromLogits } from './cross-entropy-from-logits.js';
export type { HetSNGPHeadArgs, HetSngpGpVariance, HetSngpPredictOptions } from './het-sngp-head.js';
export { HetSNGPHead } from './het-sngp-head.js';
export type { HetSngpPredictiveOptions } from './het-sngp-predictive.js';
export { hetSngpPredictive } from './het-sngp-predictive.js';
export { meanFieldLogits } from './mean-field-logits.js';
export type {
  GpLikelihood,
  GpPrediction,
  GpPredictOptions,
  RandomFeatureGaussianProcessArgs,
} from './random-feature-gaussian-process.js';
export { RandomFeatureGaussianProcess } from './random-feature-gaussian-process.js';
export type { RandomFeatureKind } from './random-features.js';
export { resetCovarianceCallback } from './reset-covariance-callback.js';
export type { SngpPredictiveOptions } from './sngp-predictive.js';
export { sngpPredictive } from './sngp-predictive.js';
export type { SpectralNormalizationArgs } from './spectral-normalization.js';
export { SpectralNormalization } from './spectral-normalization.js';
