import * as tfl from '@tensorflow/tfjs-layers';
import { bayesPredictive, Conv2DReparameterization, DenseFlipout } from '@uqjs/bayesian';
import { deriveSeed, UqjsError } from '@uqjs/core';
import { applyBody } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/** The `units` (Dense) or `filters` (Conv2D) of a body layer, read from its config. */
function width(layer: tfl.layers.Layer, key: 'units' | 'filters'): number {
  const value = layer.getConfig()[key];
  if (typeof value !== 'number') {
    throw new UqjsError(`uqjs-bench bbb: body layer '${layer.name}' has no numeric ${key}`);
  }
  return value;
}

/**
 * Bayes by Backprop (Blundell et al., 2015) on the protocol's body: every hidden Dense layer
 * becomes a `DenseFlipout` and every Conv2D (3x3, valid padding) a
 * `Conv2DReparameterization` of `@uqjs/bayesian` with the same width, the output layer a
 * `DenseFlipout` giving logits `[B, K]`. Mean-field Gaussian posteriors, prior `N(0, 1)`, the
 * KL divided by the training set size `N` as a layer loss, so each step minimizes the
 * negative ELBO per example (mean NLL of the batch + `KL / N`). The predictive is
 * `bayesPredictive` with `evalSamples` weight draws from the evaluation seed.
 *
 * The Bayesian layers are initialized from their own seeds (`deriveSeed(seed, 'bbb', ...)`),
 * not the body's Glorot seeds the other methods share.
 *
 * @throws {UqjsError} when the context has no `trainSize`.
 * @since 0.1.0
 */
export const bbb: Method = {
  name: 'bbb',
  create(context: MethodContext): MethodModel {
    const numExamples = context.trainSize;
    if (numExamples === undefined) {
      throw new UqjsError(
        'uqjs-bench bbb: the method context has no trainSize (the KL term is divided by it)',
      );
    }
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = applyBody(input, context.body, context.seed, {
      wrapLayer: (layer, index) => {
        const seed = deriveSeed(context.seed, 'bbb', 'body', index);
        return layer.getClassName() === 'Conv2D'
          ? new Conv2DReparameterization({
              filters: width(layer, 'filters'),
              kernelSize: 3,
              padding: 'valid',
              numExamples,
              seed,
            })
          : new DenseFlipout({ units: width(layer, 'units'), numExamples, seed });
      },
    });
    const head = new DenseFlipout({
      units: context.numClasses,
      numExamples,
      seed: deriveSeed(context.seed, 'bbb', 'head'),
    });
    const model = tfl.model({ inputs: input, outputs: head.apply(features) as tfl.SymbolicTensor });
    return {
      models: [model],
      // The KL terms join through `model.calculateLosses()` in the trainer.
      loss: (labels, logits) => softmaxNll(labels, logits),
      predict: (x, seed) =>
        bayesPredictive(model, x, context.evalSamples, { seed, output: 'logits' }),
      dispose: () => model.dispose(),
    };
  },
};
