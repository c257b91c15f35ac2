/**
 * `@uqjs/noise`: location-scale noise families (Normal, Logistic, Gumbel) for TensorFlow.js.
 *
 * Shape legend: `S` Monte Carlo samples (the leading axis of draws); other axes are the
 * caller's (`[S, ...loc.shape]`).
 *
 * @packageDocumentation
 */
export { checkTensorValues } from './check-tensor.js';
export type { NoiseFamily } from './noise-family.js';
export { noiseFamily } from './noise-family.js';
export type { NoiseKind } from './noise-kind.js';
export { checkNoiseKind, NOISE_KINDS } from './noise-kind.js';
export { sampleLatents } from './sample-latents.js';
