/**
 * `@uqjs/bayesian`: Bayes by Backprop (Blundell et al., 2015) for tfjs-layers models:
 * mean-field Gaussian dense layers with the reparameterization and Flipout estimators, 2-D
 * convolutions with either estimator, the closed-form KL term as a layer loss, the Monte
 * Carlo predictive, and rank-1 Bayesian members sharing one kernel (Dusenberry et al., 2020).
 *
 * Shape legend: `N` rows of the input, `B` rows of a batch, `D` input width, `U` units,
 * `F` filters, `S` MC samples (weight draws), `K` classes, `M` members.
 *
 * @since 0.1.0
 */
export type { BayesPredictiveOptions } from './bayes-predictive.js';
export { bayesPredictive } from './bayes-predictive.js';
export type { BayesianDenseArgs } from './bayesian-dense.js';
export { BayesianDense } from './bayesian-dense.js';
export type { BayesianActivation, BayesianLayerArgs } from './bayesian-layer.js';
export { BayesianLayer } from './bayesian-layer.js';
export { Conv2DFlipout } from './conv2d-flipout.js';
export type { Conv2DReparameterizationArgs } from './conv2d-reparameterization.js';
export { Conv2DReparameterization } from './conv2d-reparameterization.js';
export { DenseFlipout } from './dense-flipout.js';
export { DenseReparameterization } from './dense-reparameterization.js';
export { gaussianKl } from './gaussian-kl.js';
export type { Rank1BayesianDenseArgs } from './rank1-bayesian-dense.js';
export { Rank1BayesianDense } from './rank1-bayesian-dense.js';
export type { Rank1PredictOptions } from './rank1-predict.js';
export { rank1Predict } from './rank1-predict.js';
