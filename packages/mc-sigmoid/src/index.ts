/**
 * `@uqjs/mc-sigmoid`: heteroscedastic binary and multi-label heads (Monte Carlo sigmoid and its
 * exact closed form) on the engine of `@uqjs/mc-softmax`.
 *
 * Shape legend: `B` batch, `S` Monte Carlo samples, `O` binary outputs, `D` input features,
 * `...` extra middle axes; a trailing axis of 2 holds class 0 and class 1.
 *
 * @packageDocumentation
 */
export { binaryLogitNll } from './binary-logit-nll.js';
export { exactSigmoid } from './exact-sigmoid.js';
export type { ExactSigmoidDenseArgs } from './exact-sigmoid-dense.js';
export { ExactSigmoidDense } from './exact-sigmoid-dense.js';
export type { BinaryResult, McSigmoidOptions } from './mc-sigmoid.js';
export { mcSigmoid } from './mc-sigmoid.js';
export type { MCSigmoidDenseArgs } from './mc-sigmoid-dense.js';
export { MCSigmoidDense } from './mc-sigmoid-dense.js';
export type { MCSigmoidDenseFAArgs } from './mc-sigmoid-dense-fa.js';
export { MCSigmoidDenseFA } from './mc-sigmoid-dense-fa.js';
export { sigmoidLink } from './sigmoid-link.js';
