import { expandDims, oneHot, type Tensor2D, tidy, train, zerosLike } from '@tensorflow/tfjs-core';
import { logProbNll, MCSoftmaxDense, mcSoftmaxPredictive } from '@uqjs/mc-softmax';
import type { NoiseKind } from '@uqjs/noise';
import type { RegressionLikelihood } from '../settings.js';
import type { DeterministicOptions } from './deterministic.js';
import { buildMlp } from './mlp.js';
import { headMoments, paddedTargets, regressionHead, regressionLoss } from './regression-head.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction, RegressionPrediction, Regressor } from './types.js';

/** What the heteroscedastic classifier needs beyond the plain network. */
export interface HeteroscedasticOptions extends DeterministicOptions {
  readonly numClasses: number;
  readonly noise: NoiseKind;
  readonly temperature: number;
  /** Monte Carlo samples of the head, in training and in prediction. */
  readonly mcSamples: number;
  readonly seed: number;
}

/**
 * The heteroscedastic classifier of `@uqjs/mc-softmax`: the toy MLP with an `MCSoftmaxDense`
 * head, `p = mean_s softmax((loc + scale * u_s) / temperature)`, trained with `logProbNll`.
 * Its input-dependent noise scale models label noise, i.e. aleatoric uncertainty; it is one
 * network, so `members` is `probs` (`[1, N, K]`) and the epistemic part is zero.
 */
export function heteroscedasticClassifier(opts: HeteroscedasticOptions): Classifier {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    head: new MCSoftmaxDense({
      numClasses: opts.numClasses,
      noise: opts.noise,
      temperature: opts.temperature,
      trainSamples: opts.mcSamples,
      testSamples: opts.mcSamples,
      seed: opts.seed,
    }),
  });
  model.compile({ optimizer: train.adam(opts.learningRate), loss: logProbNll });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks);
    },
    predict(x): ClassPrediction {
      const { probs } = mcSoftmaxPredictive(model, x, { batchSize: 512 });
      // [N, K] -> [1, N, K]: a single member.
      const members = tidy(() => expandDims(probs, 0));
      return { probs: probs as Tensor2D, members: members as ClassPrediction['members'] };
    },
    dispose: () => disposeModel(model),
  };
}

/**
 * Heteroscedastic regression: the toy MLP with the `[N, 2]` head of `@uqjs/ensembles`,
 * trained with its Gaussian or Laplace NLL. The noise variance it predicts is aleatoric;
 * one network, no epistemic part.
 */
export function heteroscedasticRegressor(
  opts: DeterministicOptions & { likelihood: RegressionLikelihood },
): Regressor {
  const model = buildMlp({ inputDim: opts.inputDim, hidden: opts.hidden, head: regressionHead() });
  model.compile({
    optimizer: train.adam(opts.learningRate),
    loss: regressionLoss(opts.likelihood),
  });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, paddedTargets(y), opts.epochs, hooks);
    },
    predict(x): RegressionPrediction {
      return tidy(() => {
        const { mean, variance } = headMoments(
          model.predict(x, { batchSize: 512 }) as Tensor2D,
          opts.likelihood,
        );
        return { mean, aleatoric: variance, epistemic: zerosLike(mean) };
      }) as RegressionPrediction;
    },
    dispose: () => disposeModel(model),
  };
}
