import {
  mean as meanOf,
  relu,
  sub,
  type Tensor2D,
  type Tensor3D,
  tidy,
} from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { DeepEnsemble, type RegressionPredictive } from '@uqjs/ensembles';
import type { RegressionLikelihood } from '../settings.js';
import type { DeterministicOptions } from './deterministic.js';
import { buildMlp } from './mlp.js';
import { regressionHead } from './regression-head.js';
import { BATCH_SIZE, fitUntilStopped } from './training.js';
import type {
  Classifier,
  ClassPrediction,
  FitOutcome,
  RegressionPrediction,
  Regressor,
  TrainHooks,
} from './types.js';

/** What the deep ensemble needs beyond the plain network. */
export interface EnsembleOptions extends DeterministicOptions {
  /** Members `M`. */
  readonly size: number;
  readonly seed: number;
}

/**
 * Trains every member with `DeepEnsemble.fit`, reporting each member's epochs; Stop ends the
 * run after the current epoch (`DeepEnsemble.fit` yields to the event loop after every epoch,
 * so a Stop message has been received by the time the next one ends). The ensemble cannot be
 * drawn then (later members are still untrained), so `usableWhenStopped` is false.
 */
function fitEnsemble(
  ensemble: DeepEnsemble,
  x: Tensor2D,
  y: Parameters<DeepEnsemble['fit']>[1],
  opts: EnsembleOptions,
  hooks: TrainHooks,
): Promise<FitOutcome> {
  return fitUntilStopped(opts.size * opts.epochs, hooks, (epochEnd) =>
    ensemble.fit(x, y, {
      epochs: opts.epochs,
      batchSize: BATCH_SIZE,
      learningRate: opts.learningRate,
      onEpochEnd: (member, epoch, loss) => epochEnd(member * opts.epochs + epoch + 1, loss),
    }),
  );
}

/**
 * A deep ensemble (`@uqjs/ensembles`) of `M` toy MLPs with softmax outputs; `DeepEnsemble`
 * seeds each member's initialization and data order. `members` are the `[M, N, K]` member
 * probabilities, `probs` their mean.
 */
export function ensembleClassifier(opts: EnsembleOptions & { numClasses: number }): Classifier {
  const ensemble = DeepEnsemble.create(
    () =>
      buildMlp({
        inputDim: opts.inputDim,
        hidden: opts.hidden,
        head: layers.dense({ units: opts.numClasses, activation: 'softmax' }),
      }),
    { size: opts.size, seed: opts.seed },
  );
  return {
    usableWhenStopped: false,
    fit: (x, y, hooks) => fitEnsemble(ensemble, x, y, opts, hooks),
    predict(x): ClassPrediction {
      const { probs, members, variance } = ensemble.predict(x, { batchSize: 512 });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    dispose: () => ensemble.dispose(),
  };
}

/**
 * A deep ensemble of heteroscedastic regression MLPs (the paper's setting): each member has
 * the `[N, 2]` Gaussian or Laplace head; `predictRegression` combines them with
 * `mixtureMoments`. `aleatoric` is the mean member noise variance, `epistemic` the rest of
 * the mixture variance (the variance of the member means).
 */
export function ensembleRegressor(
  opts: EnsembleOptions & { likelihood: RegressionLikelihood },
): Regressor {
  const ensemble = DeepEnsemble.create(
    () => buildMlp({ inputDim: opts.inputDim, hidden: opts.hidden, head: regressionHead() }),
    { size: opts.size, seed: opts.seed, output: opts.likelihood },
  );
  return {
    usableWhenStopped: false,
    fit: (x, y, hooks) => fitEnsemble(ensemble, x, y, opts, hooks),
    predict: (x) => regressionPrediction(ensemble.predictRegression(x, { batchSize: 512 })),
    dispose: () => ensemble.dispose(),
  };
}

/**
 * The page's regression predictive from a mixture of heteroscedastic members
 * (`predictRegression`, `mimoPredictRegression`): `aleatoric` is the mean member noise
 * variance, `epistemic` the rest of the mixture variance (the variance of the member means).
 * Takes ownership of `prediction` (frees what it does not return).
 */
export function regressionPrediction(prediction: RegressionPredictive): RegressionPrediction {
  const result = tidy(() => {
    const aleatoric = meanOf(prediction.memberVariances, 0);
    // Clamp rounding below 0.
    const epistemic = relu(sub(prediction.variance, aleatoric));
    return { aleatoric, epistemic };
  });
  prediction.memberMeans.dispose();
  prediction.memberVariances.dispose();
  prediction.variance.dispose();
  return { mean: prediction.mean, ...result } as RegressionPrediction;
}
