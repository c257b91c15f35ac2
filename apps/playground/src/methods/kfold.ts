import type { Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { type DeepEnsemble, type EnsembleOutput, kFoldEnsemble } from '@uqjs/ensembles';
import type { RegressionLikelihood } from '../settings.js';
import { type EnsembleOptions, regressionPrediction } from './ensemble.js';
import { buildMlp } from './mlp.js';
import { regressionHead } from './regression-head.js';
import { BATCH_SIZE, fitUntilStopped } from './training.js';
import type { Classifier, ClassPrediction, FitOutcome, Regressor, TrainHooks } from './types.js';

/**
 * Epochs without a lower held-out loss before a k-fold member stops: a tenth of the epoch
 * budget, at least 5 (5 of the moons' 40 epochs, 40 of the regression view's 400, whose few
 * held-out points give a noisy loss).
 */
export function kFoldPatience(epochs: number): number {
  return Math.max(5, Math.round(epochs / 10));
}

/**
 * Trains a k-fold ensemble (`kFoldEnsemble` of `@uqjs/ensembles`) of `k = M` toy MLPs ending
 * in `head()`: the training points are split into `k` seeded folds, member `i` trains on all
 * but fold `i` and stops early on it (after {@link kFoldPatience} epochs without a lower
 * held-out loss, at most `epochs`), keeping its best epoch's weights. Progress counts
 * `epochs` per member (a member that stops early skips the rest of its share). `set`
 * receives the trained ensemble.
 */
function fitKFold(
  x: Tensor2D,
  y: Tensor1D,
  opts: EnsembleOptions,
  output: EnsembleOutput,
  head: () => layers.Layer,
  hooks: TrainHooks,
  set: (ensemble: DeepEnsemble) => void,
): Promise<FitOutcome> {
  return fitUntilStopped(opts.size * opts.epochs, hooks, async (epochEnd) => {
    const result = await kFoldEnsemble(
      () => buildMlp({ inputDim: opts.inputDim, hidden: opts.hidden, head: head() }),
      x,
      y,
      {
        k: opts.size,
        seed: opts.seed,
        output,
        epochs: opts.epochs,
        patience: kFoldPatience(opts.epochs),
        batchSize: BATCH_SIZE,
        learningRate: opts.learningRate,
        onEpochEnd: (member, epoch, loss) => epochEnd(member * opts.epochs + epoch + 1, loss),
      },
    );
    set(result.ensemble);
  });
}

/** A k-fold ensemble's trained members, and how a method reads and frees them. */
function trainedEnsemble(name: string) {
  let ensemble: DeepEnsemble | null = null;
  return {
    set(trained: DeepEnsemble) {
      ensemble?.dispose();
      ensemble = trained;
    },
    get(): DeepEnsemble {
      if (ensemble === null) throw new Error(`${name}: predict before fit`);
      return ensemble;
    },
    dispose() {
      ensemble?.dispose();
      ensemble = null;
    },
  };
}

/**
 * A k-fold ensemble ({@link fitKFold}) of toy MLPs with softmax outputs. As for the deep
 * ensemble, a stopped run is not drawn (later members are untrained). `members` are the
 * `[M, N, K]` member probabilities, `probs` their mean.
 */
export function kFoldClassifier(opts: EnsembleOptions & { numClasses: number }): Classifier {
  const trained = trainedEnsemble('kFoldClassifier');
  const head = () => layers.dense({ units: opts.numClasses, activation: 'softmax' });
  return {
    usableWhenStopped: false,
    fit: (x, y, hooks) => fitKFold(x, y, opts, 'probabilities', head, hooks, trained.set),
    predict(x): ClassPrediction {
      const { probs, members, variance } = trained.get().predict(x, { batchSize: 512 });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    dispose: trained.dispose,
  };
}

/**
 * A k-fold ensemble ({@link fitKFold}) of heteroscedastic regression MLPs (the `[N, 2]`
 * Gaussian or Laplace head, early-stopped on the held-out fold's NLL), combined by
 * `predictRegression` as a mixture (`aleatoric`: the mean member noise variance,
 * `epistemic`: the variance of the member means).
 */
export function kFoldRegressor(
  opts: EnsembleOptions & { likelihood: RegressionLikelihood },
): Regressor {
  const trained = trainedEnsemble('kFoldRegressor');
  return {
    usableWhenStopped: false,
    fit: (x, y, hooks) => fitKFold(x, y, opts, opts.likelihood, regressionHead, hooks, trained.set),
    predict: (x) => regressionPrediction(trained.get().predictRegression(x, { batchSize: 512 })),
    dispose: trained.dispose,
  };
}
