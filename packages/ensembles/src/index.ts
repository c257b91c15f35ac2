/**
 * `@uqjs/ensembles`: deep ensembles, heteroscedastic regression with mixture moments,
 * adversarial training, BatchEnsemble and MIMO, for tfjs-layers models.
 *
 * Node-only parts (the file-system model handler and ensemble store) are in
 * `@uqjs/ensembles/node`; this entry imports no Node built-in, so it bundles for the browser.
 *
 * Shape legend: `N` rows of the input, `B` rows of a batch, `M` members, `K` classes.
 *
 * @since 0.1.0
 */
export type { BatchEnsembleActivation, BatchEnsembleDenseArgs } from './batch-ensemble-dense.js';
export { BatchEnsembleDense } from './batch-ensemble-dense.js';
export type {
  BatchEnsembleMembersOptions,
  BatchEnsemblePredictOptions,
} from './batch-ensemble-predict.js';
export { batchEnsembleMembers, batchEnsemblePredict } from './batch-ensemble-predict.js';
export type {
  BuildModel,
  DeepEnsembleFitOptions,
  DeepEnsembleFitResult,
  DeepEnsembleOptions,
  DeepEnsemblePredictOptions,
  MemberContext,
  RegressionPredictive,
} from './deep-ensemble.js';
export { DeepEnsemble } from './deep-ensemble.js';
export type { EnsembleOutput } from './ensemble-manifest.js';
export type { EnsembleStore } from './ensemble-store.js';
export { fastGradientSign } from './fast-gradient-sign.js';
export { gaussianNll, laplaceNll } from './heteroscedastic-nll.js';
export type { KFoldEnsembleOptions, KFoldEnsembleResult } from './k-fold-ensemble.js';
export { kFoldEnsemble, kFoldSplit } from './k-fold-ensemble.js';
export { membersPredictive } from './members-predictive.js';
export type { MimoBatch, MimoBatchOptions } from './mimo-batch.js';
export { mimoBatch } from './mimo-batch.js';
export type { MimoHeadArgs, MimoKernelInitializer } from './mimo-head.js';
export { MimoHead } from './mimo-head.js';
export { mimoLoss } from './mimo-loss.js';
export type { MimoPredictOptions } from './mimo-predict.js';
export { mimoPredict } from './mimo-predict.js';
export type {
  MimoPredictRegressionOptions,
  MimoRegressionLossOptions,
} from './mimo-regression.js';
export { mimoPredictRegression, mimoRegressionLoss } from './mimo-regression.js';
export { MimoStack } from './mimo-stack.js';
export type { MixtureDensityHeadArgs } from './mixture-density-head.js';
export {
  MixtureDensityHead,
  mixtureDensityMoments,
  mixtureDensityNll,
  mixtureDensityParams,
} from './mixture-density-head.js';
export type { MixtureKind, NumberRows } from './mixture-moments.js';
export { mixtureMoments } from './mixture-moments.js';
export type { RegressionHeadOptions } from './regression-head.js';
export { gaussianParams, laplaceParams } from './regression-head.js';
export type {
  TestTimeAugmentationOptions,
  TtaTransform,
} from './test-time-augmentation.js';
export { augment, randomTransforms, testTimeAugmentation } from './test-time-augmentation.js';
