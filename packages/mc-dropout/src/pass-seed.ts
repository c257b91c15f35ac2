import { PassSeeds } from '@uqjs/core';

/**
 * The seed each dropout layer uses in the forward pass in progress: set by `mcDropoutPredict`,
 * read by `MCDropout.call`.
 */
export const dropoutPassSeeds = new PassSeeds();
