import { PassSeeds } from '@uqjs/core';

/**
 * The seed each Bayesian layer samples its weights with in one Monte Carlo pass: set by
 * `bayesPredictive` and `rank1Predict`, read by the layers' call seeds.
 */
export const bayesianPassSeeds = new PassSeeds();
