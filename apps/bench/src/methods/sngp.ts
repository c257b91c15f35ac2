import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { RandomFeatureGaussianProcess, SpectralNormalization, sngpPredictive } from '@uqjs/sngp';
import { applyBody } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * SNGP's bound on each hidden layer's spectral norm (the SNGP paper's default).
 *
 * @since 0.1.0
 */
export const SNGP_NORM_MULTIPLIER = 0.95;

/**
 * The protocol's body with every hidden Dense / Conv2D layer wrapped in a
 * `SpectralNormalization` (bound {@link SNGP_NORM_MULTIPLIER}, power-iteration seed
 * `deriveSeed(seed, 'spectral', index)`) applied to `input`: features `[B, F]`. The body of
 * `sngp` and `het-sngp`.
 *
 * @since 0.1.0
 */
export function spectralNormalizedBody(
  input: tfl.SymbolicTensor,
  context: MethodContext,
): tfl.SymbolicTensor {
  return applyBody(input, context.body, context.seed, {
    wrapLayer: (layer, index) =>
      new SpectralNormalization({
        layer,
        normMultiplier: SNGP_NORM_MULTIPLIER,
        seed: deriveSeed(context.seed, 'spectral', index),
      }),
  });
}

/**
 * SNGP (Liu et al., 2020) on the protocol's body: every hidden Dense / Conv2D layer wrapped in
 * spectral normalization, and a random-feature Gaussian-process output layer whose precision
 * is reset at the start of each epoch. The predictive is the mean-field softmax of the GP's
 * logits (`sngpPredictive`).
 *
 * @since 0.1.0
 */
export const sngp: Method = {
  name: 'sngp',
  create(context: MethodContext): MethodModel {
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = spectralNormalizedBody(input, context);
    const gp = new RandomFeatureGaussianProcess({
      units: context.numClasses,
      seed: deriveSeed(context.seed, 'gp'),
    });
    const model = tfl.model({ inputs: input, outputs: gp.apply(features) as tfl.SymbolicTensor });
    return {
      models: [model],
      loss: (labels, logits) => softmaxNll(labels, logits),
      onEpochBegin: () => gp.resetCovariance(),
      predict: (x) => sngpPredictive(model, x),
      dispose: () => model.dispose(),
    };
  },
};
