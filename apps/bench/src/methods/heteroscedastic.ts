import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { logProbNll, MCSoftmaxDense } from '@uqjs/mc-softmax';
import { applyBody } from '../models.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * The heteroscedastic model of the paper: the body's features feed an `MCSoftmaxDense` head
 * with latent utilities `u = loc(x) + scale(x) * eps` (`eps` from the protocol's noise family,
 * softplus scale) and the MC estimate `p = mean_s softmax(u_s / tau)`, with `trainSamples`
 * samples in training and `evalSamples` in evaluation. The head outputs log-probabilities
 * `[B, K]`; the loss is their NLL.
 *
 * @since 0.1.0
 */
export const heteroscedastic: Method = {
  name: 'heteroscedastic',
  create(context: MethodContext): MethodModel {
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = applyBody(input, context.body, context.seed);
    const head = new MCSoftmaxDense({
      numClasses: context.numClasses,
      noise: context.noise,
      temperature: context.temperature,
      trainSamples: context.trainSamples,
      testSamples: context.evalSamples,
      scaleActivation: 'softplus',
      seed: deriveSeed(context.seed, 'head', 'mc-softmax'),
    });
    const logProbs = head.apply(features) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: logProbs });
    return {
      models: [model],
      // logProbNll gives the per-example NLL `[B]`; the training loss is its mean.
      loss: (labels, output) => tf.tidy(() => tf.mean(logProbNll(labels, output))),
      predict: (x) => ({ probs: tf.tidy(() => tf.exp(model.predict(x) as tf.Tensor)) }),
      dispose: () => model.dispose(),
    };
  },
};
