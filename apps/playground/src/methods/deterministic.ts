import {
  expandDims,
  oneHot,
  reshape,
  type Tensor1D,
  type Tensor2D,
  tidy,
  train,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { buildMlp } from './mlp.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction, RegressionPrediction, Regressor } from './types.js';

/** What the plain network needs. */
export interface DeterministicOptions {
  readonly inputDim: number;
  readonly hidden: number;
  readonly epochs: number;
  readonly learningRate: number;
}

/**
 * The homoscedastic baseline: the toy MLP with a softmax output, trained with cross-entropy.
 * One network, so `members` is `probs` itself (`[1, N, K]`): all of its uncertainty counts as
 * aleatoric, the epistemic part is zero.
 */
export function deterministicClassifier(
  opts: DeterministicOptions & { numClasses: number },
): Classifier {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    head: layers.dense({ units: opts.numClasses, activation: 'softmax' }),
  });
  model.compile({ optimizer: train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks);
    },
    predict(x): ClassPrediction {
      return tidy(() => {
        const probs = model.predict(x, { batchSize: 512 }) as Tensor2D;
        // [N, K] -> [1, N, K]: a single member.
        return { probs, members: expandDims(probs, 0) };
      }) as ClassPrediction;
    },
    dispose: () => disposeModel(model),
  };
}

/**
 * The plain regression network: the toy MLP with one linear output, trained with the mean
 * squared error. It predicts a mean only: both variances are zero.
 */
export function deterministicRegressor(opts: DeterministicOptions): Regressor {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    head: layers.dense({ units: 1 }),
  });
  model.compile({ optimizer: train.adam(opts.learningRate), loss: 'meanSquaredError' });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      // [N] -> [N, 1], the shape of the output.
      return fitLayersModel(model, x, expandDims(y, 1), opts.epochs, hooks);
    },
    predict(x): RegressionPrediction {
      return tidy(() => {
        // [N, 1] -> [N].
        const mean = reshape(model.predict(x, { batchSize: 512 }) as Tensor2D, [-1]) as Tensor1D;
        return { mean, aleatoric: zerosLike(mean), epistemic: zerosLike(mean) };
      }) as RegressionPrediction;
    },
    dispose: () => disposeModel(model),
  };
}
