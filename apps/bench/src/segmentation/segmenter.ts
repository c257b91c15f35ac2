import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { MCDropout } from '@uqjs/mc-dropout';
import { buildUNet, MCSoftmaxPixelHead } from '@uqjs/segmentation';
import type { Cell } from '../grid.js';
import type { SegmentationProtocol } from './protocol.js';

/**
 * A segmentation network of one cell: a U-Net body `[B, H, W, C] -> [B, H, W, D]`, MC dropout
 * on its features, and a per-pixel head `[B, H, W, D] -> [B, H, W, K]` (log-probabilities).
 *
 * @since 0.1.0
 */
export interface Segmenter {
  readonly body: LayersModel;
  readonly head: MCSoftmaxPixelHead;
  /** Every trainable variable of body and head. */
  variables(): tf.Variable[];
  /**
   * Log predictive probabilities `[B, H, W, K]`. `dropout`: the features pass through the
   * `MCDropout` layer (a fresh mask per call); without it they go to the head as they are (the
   * mean of the dropout masks). `training` switches the head to its training samples.
   */
  logProbs(x: tf.Tensor4D, opts: { training: boolean; dropout: boolean }): tf.Tensor4D;
  /** Predictive probabilities `[B, H, W, K]` of the head in inference (test samples). */
  probs(x: tf.Tensor4D, dropout: boolean): tf.Tensor4D;
  dispose(): void;
}

/**
 * Builds the network of `cell`: `buildUNet` seeded with `deriveSeed(seed, 'body')` (without
 * its own dropout), an `MCDropout` layer of rate `dropoutRate` on its features (mask `i` drawn
 * with `deriveSeed(deriveSeed(seed, 'dropout'), i)`, so every training step and every MC pass
 * has its own mask, reproducibly), and an `MCSoftmaxPixelHead` seeded with
 * `deriveSeed(seed, 'head')`: heteroscedastic (temperature `tau`, `trainSamples` in training,
 * `evalSamples` at inference, `numFactors` factors) or the homoscedastic per-pixel softmax
 * (temperature 1). Both work at the protocol's `sampleDownsample`, so the arms differ only in
 * the noise model.
 *
 * @since 0.1.0
 */
export function buildSegmenter(
  cell: Cell,
  protocol: SegmentationProtocol,
  image: readonly [number, number, number],
  numClasses: number,
): Segmenter {
  const heteroscedastic = cell.method === 'heteroscedastic';
  const body = buildUNet({
    inputShape: [image[0], image[1], image[2]],
    baseFilters: protocol.baseFilters,
    depth: protocol.depth,
    seed: deriveSeed(cell.seed, 'body'),
  });
  const dropout =
    protocol.dropoutRate > 0
      ? new MCDropout({ rate: protocol.dropoutRate, seed: deriveSeed(cell.seed, 'dropout') })
      : null;
  const head = new MCSoftmaxPixelHead({
    numClasses,
    heteroscedastic,
    numFactors: heteroscedastic ? protocol.numFactors : 0,
    temperature: heteroscedastic ? (cell.temperature ?? 1) : 1,
    trainSamples: cell.trainSamples ?? 1,
    testSamples: protocol.evalSamples,
    maxSamplesInMemory: 64,
    sampleDownsample: protocol.sampleDownsample,
    seed: deriveSeed(cell.seed, 'head'),
  });
  // Build the head's weights once, on a one-image batch.
  tf.tidy(() => {
    head.apply(body.apply(tf.zeros([1, ...image])) as tf.Tensor);
  });
  const logProbs: Segmenter['logProbs'] = (x, opts) =>
    tf.tidy(() => {
      const features = body.apply(x, { training: opts.training }) as tf.Tensor;
      const dropped =
        opts.dropout && dropout !== null ? (dropout.apply(features) as tf.Tensor) : features;
      return head.apply(dropped, { training: opts.training }) as tf.Tensor4D;
    });
  return {
    body,
    head,
    variables: () =>
      [...body.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable),
    logProbs,
    probs: (x, withDropout) =>
      tf.tidy(() => tf.exp(logProbs(x, { training: false, dropout: withDropout }))),
    dispose: () => {
      body.dispose();
      head.dispose();
    },
  };
}
