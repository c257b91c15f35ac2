import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '@uqjs/core';
import { MCDropout } from '@uqjs/mc-dropout';
import { buildUNet, MCSoftmaxPixelHead } from '@uqjs/segmentation';
import type { SegmentationSettings } from './settings.js';

/**
 * Shape legend of the segmentation tab: `B` images, `H = W` the image side, `C = 3` colour
 * channels, `D` feature channels, `K` classes, `P` MC dropout passes.
 */

/** Feature channels `D` of the U-Net (`baseFilters`): small enough for the CPU backend. */
export const UNET_WIDTH = 8;
/** Levels of the U-Net below the input resolution. */
export const UNET_DEPTH = 2;
/** Dropout rate on the U-Net's features, in training and in the MC dropout passes. */
export const FEATURE_DROPOUT = 0.2;
/** Latent samples of the heteroscedastic head per training step and at prediction. */
export const HEAD_TRAIN_SAMPLES = 8;
export const HEAD_TEST_SAMPLES = 32;
/** The heteroscedastic head samples at `H/2 x W/2` (a quarter of the Monte Carlo cost). */
export const HEAD_SAMPLE_DOWNSAMPLE = 2;

/**
 * The tab's network: a `buildUNet` body `[B, H, W, 3] -> [B, H, W, D]`, an `MCDropout` on its
 * features, and an `MCSoftmaxPixelHead` `[B, H, W, D] -> [B, H, W, K]` (log-probabilities),
 * heteroscedastic or the homoscedastic per-pixel softmax.
 */
export interface PixelNet {
  /** Every trainable variable of body and head. */
  readonly variables: tf.Variable[];
  /** Body features `[B, H, W, D]`; `training` as tfjs-layers' flag. */
  features(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /**
   * Log predictive `[B, H, W, K]` of features `[B, H, W, D]`: through the dropout layer when
   * `dropout` (the next mask of its seeded sequence), the head's training samples when
   * `training`.
   */
  logProbs(features: tf.Tensor4D, opts: { training: boolean; dropout: boolean }): tf.Tensor4D;
  dispose(): void;
}

/**
 * Builds the network of `settings` for `numClasses` classes. Seeds: the body
 * `deriveSeed(seed, 'segmentation', 'body')`, the dropout masks `... 'dropout'`, the head's
 * initial weights and latent noise `... 'head'`.
 */
export function buildPixelNet(settings: SegmentationSettings, numClasses: number): PixelNet {
  const seedOf = (part: string) => deriveSeed(settings.seed, 'segmentation', part);
  const heteroscedastic = settings.head === 'heteroscedastic';
  const body = buildUNet({
    inputShape: [settings.size, settings.size, 3],
    baseFilters: UNET_WIDTH,
    depth: UNET_DEPTH,
    seed: seedOf('body'),
  });
  const dropout = new MCDropout({ rate: FEATURE_DROPOUT, seed: seedOf('dropout') });
  const head = new MCSoftmaxPixelHead({
    numClasses,
    heteroscedastic,
    temperature: heteroscedastic ? settings.temperature : 1,
    trainSamples: HEAD_TRAIN_SAMPLES,
    testSamples: HEAD_TEST_SAMPLES,
    sampleDownsample: heteroscedastic ? HEAD_SAMPLE_DOWNSAMPLE : 1,
    seed: seedOf('head'),
  });
  // Creates the head's weights from the body's output shape, on one blank image.
  tf.tidy(() => {
    head.apply(body.apply(tf.zeros([1, settings.size, settings.size, 3])) as tf.Tensor);
  });
  return {
    variables: [...body.trainableWeights, ...head.trainableWeights].map(
      (weight) => weight.read() as tf.Variable,
    ),
    features: (x, training) => body.apply(x, { training }) as tf.Tensor4D,
    logProbs: (features, opts) =>
      tf.tidy(() => {
        const input = opts.dropout ? (dropout.apply(features) as tf.Tensor) : features;
        return head.apply(input, { training: opts.training }) as tf.Tensor4D;
      }),
    dispose: () => {
      body.dispose();
      head.dispose();
    },
  };
}
