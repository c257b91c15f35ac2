import {
  mean as meanOf,
  oneHot,
  relu,
  stack,
  sub,
  type Tensor2D,
  type Tensor3D,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { mixtureMoments } from '@uqjs/ensembles';
import { mcDropoutPredict } from '@uqjs/mc-dropout';
import type { RegressionLikelihood } from '../settings.js';
import type { DeterministicOptions } from './deterministic.js';
import { buildMlp } from './mlp.js';
import { headMoments, paddedTargets, regressionHead, regressionLoss } from './regression-head.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction, RegressionPrediction, Regressor } from './types.js';

/** What MC dropout needs beyond the plain network. */
export interface McDropoutOptions extends DeterministicOptions {
  readonly dropoutRate: number;
  /** Stochastic forward passes `S` at prediction. */
  readonly mcSamples: number;
  readonly seed: number;
}

/**
 * MC dropout (`@uqjs/mc-dropout`): the toy MLP with an `MCDropout` after each hidden layer
 * and a softmax output, trained with cross-entropy; `mcDropoutPredict` runs `S` seeded
 * stochastic passes, which are the `members` `[S, N, K]`.
 */
export function mcDropoutClassifier(opts: McDropoutOptions & { numClasses: number }): Classifier {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    mcDropoutRate: opts.dropoutRate,
    head: layers.dense({ units: opts.numClasses, activation: 'softmax' }),
  });
  model.compile({ optimizer: train.adam(opts.learningRate), loss: 'categoricalCrossentropy' });
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks);
    },
    predict(x): ClassPrediction {
      const { probs, members, variance } = mcDropoutPredict(model, x, {
        numSamples: opts.mcSamples,
        batchSize: 512,
        seed: opts.seed,
      });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    dispose: () => disposeModel(model),
  };
}

/**
 * MC dropout regression: the toy MLP with seeded `MCDropout` layers (every call draws
 * the next masks of the layer's seeded sequence, so a run is reproducible) and the `[N, 2]` head. Each pass is a member with mean
 * `mu_s` and noise variance `v_s`; `mixtureMoments` (`@uqjs/ensembles`) gives the predictive
 * variance, `aleatoric = mean_s v_s`, `epistemic = total - aleatoric` (variance of the `mu_s`).
 */
export function mcDropoutRegressor(
  opts: McDropoutOptions & { likelihood: RegressionLikelihood },
): Regressor {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    mcDropoutRate: opts.dropoutRate,
    dropoutSeed: opts.seed,
    head: regressionHead(),
  });
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
        const passes = Array.from({ length: opts.mcSamples }, () =>
          headMoments(model.predict(x, { batchSize: 512 }) as Tensor2D, opts.likelihood),
        );
        // S passes of [N] -> [S, N] member means and noise variances.
        const means = stack(passes.map((p) => p.mean)) as Tensor2D;
        const variances = stack(passes.map((p) => p.variance)) as Tensor2D;
        // mixtureMoments takes Gaussian variances; Laplace members enter through an equal-
        // variance Gaussian, which has the same first two moments.
        const total = mixtureMoments(means, variances, 'gaussian');
        const aleatoric = meanOf(variances, 0);
        // total - aleatoric is the variance of the member means; clamp rounding below 0.
        const epistemic = relu(sub(total.variance, aleatoric));
        return { mean: total.mean, aleatoric, epistemic };
      }) as RegressionPrediction;
    },
    dispose: () => disposeModel(model),
  };
}
