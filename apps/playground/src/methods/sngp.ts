import {
  add,
  expandDims,
  mul,
  oneHot,
  randomNormal,
  reshape,
  softmax,
  sqrt,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import {
  buildSngpClassifier,
  crossEntropyFromLogits,
  RandomFeatureGaussianProcess,
  resetCovarianceCallback,
  sngpPredictive,
} from '@uqjs/sngp';
import type { DeterministicOptions } from './deterministic.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What SNGP needs beyond the plain network. */
export interface SngpOptions extends DeterministicOptions {
  readonly numClasses: number;
  /** Draws of the GP posterior over the logits that make up `members`. */
  readonly mcSamples: number;
  readonly seed: number;
}

/** Random features of the GP output layer: enough for a smooth 2-D surface, cheap on a CPU. */
const NUM_INDUCING = 256;

/**
 * SNGP (`@uqjs/sngp`): `buildSngpClassifier`'s spectrally normalized residual MLP with the
 * random-feature GP output layer (2 blocks of `hidden` units, no dropout), trained with
 * `crossEntropyFromLogits` and `resetCovarianceCallback`.
 *
 * `probs` is `sngpPredictive` (mean-field softmax). `members` are `S` draws of the GP
 * posterior over the logits, `z_s = logits + sqrt(var) * eps_s`, `eps_s ~ N(0, I)`, each put
 * through a softmax: far from the data the posterior variance grows, the draws disagree,
 * and that disagreement is the epistemic part of the entropy decomposition.
 */
export function sngpClassifier(opts: SngpOptions): Classifier {
  const model = buildSngpClassifier({
    inputShape: [opts.inputDim],
    numClasses: opts.numClasses,
    hidden: opts.hidden,
    numLayers: 2,
    dropoutRate: 0,
    numInducing: NUM_INDUCING,
    seed: opts.seed,
  });
  model.compile({ optimizer: train.adam(opts.learningRate), loss: crossEntropyFromLogits });
  const gp = gpLayerOf(model);
  // tfjs reads a seed of 0 as "no seed"; a derived seed is 0 once in 2^32 draws.
  const drawSeed = deriveSeed(opts.seed, 'sngp', 'posterior-draws') || 1;
  // The body: from the model's input to the GP layer's input features [N, hidden].
  const body = functionalModel({ inputs: model.inputs, outputs: gp.input as SymbolicTensor });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks, [
        resetCovarianceCallback(),
      ]);
    },
    predict(x): ClassPrediction {
      const { probs, variance } = sngpPredictive(model, x);
      variance?.dispose();
      const members = tidy(() => {
        const features = body.predict(x, { batchSize: 512 }) as Tensor;
        const posterior = gp.predictWithCovariance(features);
        const n = x.shape[0];
        const k = opts.numClasses;
        // Logit variance [N] (shared by the K outputs) -> [1, N, 1], to broadcast over [S, N, K].
        const std = reshape(sqrt(posterior.variance), [1, n, 1]);
        const eps = randomNormal([opts.mcSamples, n, k], 0, 1, 'float32', drawSeed);
        // [N, K] -> [1, N, K] + [1, N, 1] * [S, N, K] -> [S, N, K] logits.
        const draws = add(expandDims(posterior.logits, 0), mul(std, eps));
        return softmax(draws) as Tensor3D;
      });
      return { probs: probs as Tensor2D, members };
    },
    dispose: () => disposeModel(model),
  };
}

/** The model's GP output layer. */
function gpLayerOf(model: LayersModel): RandomFeatureGaussianProcess {
  const last = model.layers[model.layers.length - 1];
  if (!(last instanceof RandomFeatureGaussianProcess)) {
    throw new Error('sngpClassifier: buildSngpClassifier did not end in a GP layer');
  }
  return last;
}
