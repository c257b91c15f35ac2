import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyBody, headInitializer } from '../models.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/** A body with a Dense `[B, K]` logits layer; the temperature is applied outside the model. */
function logitsModel(context: MethodContext): tfl.LayersModel {
  const input = tfl.input({ shape: [...context.inputShape] });
  const features = applyBody(input, context.body, context.seed);
  const logits = tfl.layers
    .dense({ units: context.numClasses, kernelInitializer: headInitializer(context.seed, 'dense') })
    .apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}

/**
 * The tempered-softmax control of issue #14: the homoscedastic network whose logits are divided
 * by `tau` in training and in evaluation, `p = softmax(z / tau)`, with no noise model. At
 * `tau = 1` it is the homoscedastic model. Comparing the heteroscedastic head at `tau*` with
 * this control at its own `tau*` separates the noise model from the temperature.
 *
 * @since 0.1.0
 */
export const temperedSoftmax: Method = {
  name: 'tempered-softmax',
  create(context: MethodContext): MethodModel {
    const model = logitsModel(context);
    const tau = context.temperature;
    return {
      models: [model],
      loss: (labels, logits) => softmaxNll(labels, logits, tau),
      predict: (x) => ({
        probs: tf.tidy(() => tf.softmax(tf.div(model.predict(x) as tf.Tensor, tau))),
      }),
      dispose: () => model.dispose(),
    };
  },
};

/**
 * The homoscedastic baseline: Dense logits and a softmax, `p = softmax(z)`.
 *
 * @since 0.1.0
 */
export const homoscedastic: Method = {
  name: 'homoscedastic',
  create: (context) => temperedSoftmax.create({ ...context, temperature: 1 }),
};
