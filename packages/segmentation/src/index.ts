/**
 * `@uqjs/segmentation`: semantic segmentation with heteroscedastic per-pixel heads — small
 * U-Net and DeepLab-style atrous bodies, the per-pixel Monte Carlo softmax head (diagonal or
 * low-rank factor noise, sampling at a lower resolution), and a loss with an ignore label.
 *
 * Shape legend: `B` batch, `H x W` pixels, `h x w` the sampling resolution `H/f x W/f`,
 * `C` image channels, `D` features, `K` classes, `R` noise factors, `S` MC samples.
 *
 * @packageDocumentation
 */

export type { AtrousFcnOptions } from './atrous-fcn.js';
export { buildAtrousFcn } from './atrous-fcn.js';
export { bilinearUpsample, upsampleLogProbs } from './bilinear-upsample.js';
export type { BodyOptions } from './body-options.js';
export type { MCSoftmaxPixelHeadArgs } from './mc-softmax-pixel-head.js';
export { MCSoftmaxPixelHead } from './mc-softmax-pixel-head.js';
export type { SegmentationLossOptions } from './segmentation-loss.js';
export { checkMasks, IGNORE_LABEL, oneHotMasks, segmentationLoss } from './segmentation-loss.js';
export type { UNetOptions } from './unet.js';
export { buildUNet } from './unet.js';
