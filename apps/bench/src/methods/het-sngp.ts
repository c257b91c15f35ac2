import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { logProbNll } from '@uqjs/mc-softmax';
import { HetSNGPHead, hetSngpPredictive } from '@uqjs/sngp';
import type { Method, MethodContext, MethodModel } from './method.js';
import { spectralNormalizedBody } from './sngp.js';

/**
 * HetSNGP (Fortuin et al., 2022) on the protocol's body: the body of `sngp` (every hidden
 * Dense / Conv2D layer spectrally normalized) under a `HetSNGPHead` (`@uqjs/sngp`), whose
 * random-feature GP logits are the locations of a heteroscedastic MC softmax with per-class
 * scales predicted from the same features: `p = mean_s softmax((mu + d * u_s) / tau)`,
 * `trainSamples` samples in training. The GP precision is reset at the start of each epoch.
 * The predictive (`hetSngpPredictive`, `evalSamples` samples from the head's `testSamples`)
 * adds the GP's predictive variance to the latents' (the head's default `'sample'` mode).
 * The head outputs log-probabilities `[B, K]`; the loss is their NLL.
 *
 * @since 0.1.0
 */
export const hetSngp: Method = {
  name: 'het-sngp',
  create(context: MethodContext): MethodModel {
    const input = tfl.input({ shape: [...context.inputShape] });
    const features = spectralNormalizedBody(input, context);
    const head = new HetSNGPHead({
      units: context.numClasses,
      noise: context.noise,
      temperature: context.temperature,
      trainSamples: context.trainSamples,
      testSamples: context.evalSamples,
      seed: deriveSeed(context.seed, 'gp'),
    });
    const model = tfl.model({ inputs: input, outputs: head.apply(features) as tfl.SymbolicTensor });
    return {
      models: [model],
      // logProbNll gives the per-example NLL `[B]`; the training loss is its mean.
      loss: (labels, output) => tf.tidy(() => tf.mean(logProbNll(labels, output))),
      onEpochBegin: () => head.resetCovariance(),
      predict: (x, seed) => hetSngpPredictive(model, x, { seed }),
      dispose: () => model.dispose(),
    };
  },
};
