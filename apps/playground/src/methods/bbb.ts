import { oneHot, type Tensor2D, type Tensor3D, train } from '@tensorflow/tfjs-core';
import { type LayersModel, sequential } from '@tensorflow/tfjs-layers';
import { bayesPredictive, DenseFlipout } from '@uqjs/bayesian';
import { deriveSeed } from '@uqjs/core';
import type { DeterministicOptions } from './deterministic.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What Bayes by Backprop needs beyond the plain network. */
export interface BbbOptions extends DeterministicOptions {
  readonly numClasses: number;
  /** Weight draws at prediction: the members. */
  readonly mcSamples: number;
  readonly seed: number;
}

/**
 * Bayes by Backprop (`@uqjs/bayesian`): the toy MLP's shape (2 ReLU layers of `hidden` units
 * and a softmax output) with every layer a `DenseFlipout`, a mean-field Gaussian posterior
 * over its weights with prior `N(0, 1)`. Trained with `model.fit` on the cross-entropy plus
 * the layers' KL terms, each divided by the `N` training points (the negative ELBO per
 * point), so the model is built when `fit` sees the data.
 *
 * `members` are `S` networks drawn from the posterior (`bayesPredictive`, seeded), `probs`
 * their mean: the members disagree where the posterior leaves the weights loose (epistemic).
 */
export function bbbClassifier(opts: BbbOptions): Classifier {
  let model: LayersModel | null = null;
  const build = (numExamples: number): LayersModel => {
    const layer = (units: number, i: number, last: boolean) =>
      new DenseFlipout({
        ...(i === 0 ? { inputShape: [opts.inputDim] } : {}),
        units,
        activation: last ? 'softmax' : 'relu',
        numExamples,
        seed: deriveSeed(opts.seed, 'bbb', i),
      });
    const built = sequential({
      layers: [layer(opts.hidden, 0, false), layer(opts.hidden, 1, false)].concat(
        layer(opts.numClasses, 2, true),
      ),
    });
    built.compile({ optimizer: train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
    return built;
  };
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      if (model !== null) disposeModel(model);
      model = build(x.shape[0]);
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks);
    },
    predict(x): ClassPrediction {
      if (model === null) throw new Error('bbbClassifier: predict before fit');
      const { probs, members, variance } = bayesPredictive(model, x, opts.mcSamples, {
        batchSize: 512,
        seed: deriveSeed(opts.seed, 'bbb', 'predict'),
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
