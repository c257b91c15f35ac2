import {
  add,
  expandDims,
  mul,
  oneHot,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import { model as functionalModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { logProbNll, mcSoftmax } from '@uqjs/mc-softmax';
import type { NoiseKind } from '@uqjs/noise';
import { HetSNGPHead, hetSngpPredictive, resetCovarianceCallback } from '@uqjs/sngp';
import type { DeterministicOptions } from './deterministic.js';
import { gpLogitDraws, NUM_INDUCING, spectralNormalizedNetwork, tfjsSeed } from './sngp.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What HetSNGP needs beyond the plain network. */
export interface HetSngpOptions extends DeterministicOptions {
  readonly numClasses: number;
  readonly noise: NoiseKind;
  readonly temperature: number;
  /** MC samples of the head in training and prediction, and GP posterior draws (members). */
  readonly mcSamples: number;
  readonly seed: number;
}

/** Heteroscedastic noise draws behind each member (one GP posterior draw). */
const NOISE_DRAWS_PER_MEMBER = 16;

/**
 * HetSNGP (`HetSNGPHead` of `@uqjs/sngp`): the SNGP method's spectrally normalized network
 * ({@link spectralNormalizedNetwork}, its Dense output dropped) under a head whose
 * random-feature GP logits `mu` are the locations of a heteroscedastic MC softmax with
 * per-class scales `d(x)` from the same features, trained with `logProbNll` and
 * `resetCovarianceCallback`.
 *
 * `probs` is `hetSngpPredictive`: latents `mu + sqrt(v + d^2) * u` with the GP variance `v`.
 * `members` are `S` draws of the GP logits `f_s = mu + sqrt(v) * eps_s` ({@link gpLogitDraws}),
 * each averaged over heteroscedastic noise, `mean_u softmax((f_s + d * u) / tau)`: the members
 * disagree where the GP is unsure (far from the data, epistemic), while the noise inside each
 * member is the aleatoric part.
 */
export function hetSngpClassifier(opts: HetSngpOptions): Classifier {
  const base = spectralNormalizedNetwork(opts, false);
  const { features, body } = base;
  const head = new HetSNGPHead({
    units: opts.numClasses,
    numInducing: NUM_INDUCING,
    noise: opts.noise,
    temperature: opts.temperature,
    trainSamples: opts.mcSamples,
    testSamples: opts.mcSamples,
    seed: deriveSeed(opts.seed, 'het-sngp', 'head'),
  });
  const model = functionalModel({
    inputs: base.model.inputs,
    outputs: head.apply(features) as SymbolicTensor,
  });
  // The dropped Dense output is in no model that is disposed later.
  base.output.dispose();
  model.compile({ optimizer: train.adam(opts.learningRate), loss: logProbNll });
  const drawSeed = tfjsSeed(opts.seed, 'het-sngp', 'posterior-draws');
  const noiseSeed = tfjsSeed(opts.seed, 'het-sngp', 'member-noise');
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks, [
        resetCovarianceCallback(),
      ]);
    },
    predict(x): ClassPrediction {
      const { probs, variance } = hetSngpPredictive(model, x, { batchSize: 512 });
      variance?.dispose();
      const members = tidy(() => {
        const h = body.predict(x, { batchSize: 512 }) as Tensor;
        const draws = gpLogitDraws(head.predictWithCovariance(h), opts.mcSamples, drawSeed);
        // Each draw's heteroscedastic MC softmax, the scale [N, K] -> [1, N, K] shared by the
        // S draws (broadcast to the draws' [S, N, K]).
        const scale = add(expandDims(head.heteroscedasticScale(h), 0), mul(draws, 0));
        return mcSoftmax(draws, scale, {
          noise: opts.noise,
          temperature: opts.temperature,
          numSamples: NOISE_DRAWS_PER_MEMBER,
          seed: noiseSeed,
        }).probs as Tensor3D;
      });
      return { probs: probs as Tensor2D, members };
    },
    // `body` shares the model's layers and has no weights of its own.
    dispose: () => disposeModel(model),
  };
}
