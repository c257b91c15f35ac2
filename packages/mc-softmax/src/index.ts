/**
 * `@uqjs/mc-softmax`: the Monte Carlo softmax heteroscedastic head, its correlated (factor)
 * variant, and the shared Monte Carlo engine.
 *
 * Shape legend: `B` batch, `S` Monte Carlo samples, `C` samples in one chunk, `K` classes,
 * `R` noise factors, `D` input features, `O` outcomes of a link, `...` extra middle axes.
 *
 * @packageDocumentation
 */

export { checkMinRank, checkOptionsObject } from './checks.js';
export type { DenseLatents, DenseMonteCarloHeadArgs } from './dense-monte-carlo-head.js';
export { DenseMonteCarloHead } from './dense-monte-carlo-head.js';
export type { DiagonalLatentsOptions } from './diagonal-latents.js';
export { diagonalLatents } from './diagonal-latents.js';
export type { FactorLatentsOptions } from './factor-latents.js';
export { factorLatents } from './factor-latents.js';
export type { FactorHeadArgs, FactorSpec, FactorWeights } from './factor-loadings.js';
export {
  checkFactorArgs,
  FACTOR_INITIALIZER_ROLES,
  factorProjectionUnits,
  loadingsFromProjection,
} from './factor-loadings.js';
export type {
  HeadPredictiveOptions,
  HeteroscedasticHeadArgs,
  Projection,
  ScaleActivation,
} from './heteroscedastic-head.js';
export { HeteroscedasticHead, SCALE_ACTIVATIONS } from './heteroscedastic-head.js';
export { logProbNll } from './log-prob-nll.js';
export type {
  LatentModel,
  LikelihoodLink,
  McEngineOptions,
  McEngineResult,
} from './mc-engine.js';
export { mcEngine } from './mc-engine.js';
export type { CheckedMcOptions, McOptions } from './mc-options.js';
export { asFloat32, checkMcOptions, DEFAULT_MC_SEED } from './mc-options.js';
export type { McSoftmaxOptions, McSoftmaxResult } from './mc-softmax.js';
export { mcDiagonal, mcSoftmax } from './mc-softmax.js';
export type { MCSoftmaxDenseArgs } from './mc-softmax-dense.js';
export { MCSoftmaxDense } from './mc-softmax-dense.js';
export type { MCSoftmaxDenseFAArgs } from './mc-softmax-dense-fa.js';
export { MCSoftmaxDenseFA } from './mc-softmax-dense-fa.js';
export { mcSoftmaxFactor } from './mc-softmax-factor.js';
export type { MonteCarloHeadArgs } from './monte-carlo-head.js';
export { MonteCarloHead } from './monte-carlo-head.js';
export type { McPredictiveOptions } from './predictive.js';
export { mcSoftmaxPredictive } from './predictive.js';
export { softmaxLink } from './softmax-link.js';
export type { LearnedTemperature, TemperatureSpec } from './temperature.js';
export { checkTemperatureSpec } from './temperature.js';
export { tidyObject } from './tidy-object.js';
