/**
 * `@uqjs/mc-dropout`: Monte Carlo dropout for tfjs-layers models.
 *
 * Shape legend: `N` rows of the input, `B` rows per forward pass, `S` MC samples,
 * `K` classes.
 *
 * @since 0.1.0
 */
export type { MCDropoutArgs } from './mc-dropout-layer.js';
export { MCDropout } from './mc-dropout-layer.js';
export type { MCDropoutPredictOptions } from './mc-dropout-predict.js';
export { mcDropoutPredict } from './mc-dropout-predict.js';
export type { MonteCarloPassesOptions, PassOutput } from './monte-carlo-passes.js';
export { checkModelAndInput, monteCarloPasses, readPassOptions } from './monte-carlo-passes.js';
