import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { MCDropout, mcDropoutPredict } from '@uqjs/mc-dropout';
import { applyBody, headInitializer } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * Dropout rate after every hidden block (the SNGP tutorial's 0.1).
 *
 * @since 0.1.0
 */
export const DROPOUT_RATE = 0.1;

/**
 * Forward passes of MC dropout at validation and test (each costs a whole network pass).
 *
 * @since 0.1.0
 */
export const DROPOUT_PASSES = 50;

/**
 * MC dropout (Gal and Ghahramani, 2016): seeded dropout after every hidden block, kept on at
 * prediction, `p = mean_s softmax(f_s(x))` over {@link DROPOUT_PASSES} passes (not
 * `evalSamples`: unlike the MC softmax head, every pass reruns the whole network).
 *
 * @since 0.1.0
 */
export const mcDropout: Method = {
  name: 'mc-dropout',
  create(context: MethodContext): MethodModel {
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = applyBody(input, context.body, context.seed, {
      afterBlock: (x, index) =>
        new MCDropout({
          rate: DROPOUT_RATE,
          seed: deriveSeed(context.seed, 'dropout', index),
        }).apply(x) as tfl.SymbolicTensor,
    });
    const logits = tfl.layers
      .dense({
        units: context.numClasses,
        kernelInitializer: headInitializer(context.seed, 'dense'),
      })
      .apply(features) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logits });
    return {
      models: [model],
      loss: (labels, output) => softmaxNll(labels, output),
      predict: (x, seed) =>
        mcDropoutPredict(model, x, { numSamples: DROPOUT_PASSES, seed, output: 'logits' }),
      dispose: () => model.dispose(),
    };
  },
};
