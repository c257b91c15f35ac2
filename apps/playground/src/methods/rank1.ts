import {
  expandDims,
  oneHot,
  type Tensor2D,
  type Tensor3D,
  tidy,
  tile,
  train,
} from '@tensorflow/tfjs-core';
import { type LayersModel, sequential } from '@tensorflow/tfjs-layers';
import { Rank1BayesianDense, rank1Predict } from '@uqjs/bayesian';
import { deriveSeed } from '@uqjs/core';
import type { EnsembleOptions } from './ensemble.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What the rank-1 Bayesian network needs beyond the plain network. */
export interface Rank1Options extends EnsembleOptions {
  readonly numClasses: number;
  /** Draws of every member's factors at prediction: `S`, for `S M` members in all. */
  readonly mcSamples: number;
}

/**
 * A rank-1 Bayesian network (`Rank1BayesianDense` of `@uqjs/bayesian`, Dusenberry et al.
 * 2020): the toy MLP's shape (2 ReLU layers of `hidden` units and a softmax output) with every
 * layer rank-1: its `M` members share each layer's kernel and have their own Gaussian factors
 * (prior `N(1, 1)`, KL / N with the `N` training points) and biases. Every member sees every
 * training row; trained with `model.fit` on the cross-entropy of each member (the targets
 * repeated per member, `[N, K] -> [N, M, K]`) plus the layers' KL terms, so the model is built
 * when `fit` sees the data.
 *
 * `members` are `rank1Predict`'s `S M` networks (`S` seeded draws of every member's factors),
 * `probs` their mean: they disagree where neither the members nor the factor posteriors are
 * pinned down by the data.
 */
export function rank1Classifier(opts: Rank1Options): Classifier {
  let model: LayersModel | null = null;
  const build = (numExamples: number): LayersModel => {
    const layer = (units: number, i: number, last: boolean) =>
      new Rank1BayesianDense({
        ...(i === 0 ? { inputShape: [opts.inputDim] } : {}),
        units,
        members: opts.size,
        activation: last ? 'softmax' : 'relu',
        numExamples,
        seed: deriveSeed(opts.seed, 'rank1', i),
      });
    const built = sequential({
      layers: [
        layer(opts.hidden, 0, false),
        layer(opts.hidden, 1, false),
        layer(opts.numClasses, 2, true),
      ],
    });
    built.compile({ optimizer: train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
    return built;
  };
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      if (model !== null) disposeModel(model);
      model = build(x.shape[0]);
      // [N] labels -> [N, K] one-hot -> [N, 1, K] -> [N, M, K]: every member's target.
      const targets = tidy(() =>
        tile(expandDims(oneHot(y, opts.numClasses), 1), [1, opts.size, 1]),
      );
      return fitLayersModel(model, x, targets, opts.epochs, hooks);
    },
    predict(x): ClassPrediction {
      if (model === null) throw new Error('rank1Classifier: predict before fit');
      const { probs, members, variance } = rank1Predict(model, x, opts.mcSamples, {
        batchSize: 512,
        seed: deriveSeed(opts.seed, 'rank1', 'predict'),
      });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    dispose: () => {
      if (model !== null) disposeModel(model);
      model = null;
    },
  };
}
