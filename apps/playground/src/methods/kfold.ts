import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { type DeepEnsemble, kFoldEnsemble } from '@uqjs/ensembles';
import type { EnsembleOptions } from './ensemble.js';
import { buildMlp } from './mlp.js';
import { BATCH_SIZE, fitUntilStopped } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** Epochs without a lower held-out loss before a k-fold member stops. */
export const KFOLD_PATIENCE = 5;

/**
 * A k-fold ensemble (`kFoldEnsemble` of `@uqjs/ensembles`) of `k = M` toy MLPs with softmax
 * outputs: the training points are split into `k` seeded folds, member `i` trains on all but
 * fold `i` and stops early on it (after {@link KFOLD_PATIENCE} epochs without a lower held-out
 * cross-entropy, at most `epochs`), keeping its best epoch's weights. Progress counts `epochs`
 * per member (a member that stops early skips the rest of its share). As for the deep
 * ensemble, a stopped run is not drawn (later members are untrained).
 *
 * `members` are the `[M, N, K]` member probabilities, `probs` their mean.
 */
export function kFoldClassifier(opts: EnsembleOptions & { numClasses: number }): Classifier {
  let ensemble: DeepEnsemble | null = null;
  const dispose = () => {
    ensemble?.dispose();
    ensemble = null;
  };
  return {
    usableWhenStopped: false,
    fit: (x, y, hooks) =>
      fitUntilStopped(opts.size * opts.epochs, hooks, async (epochEnd) => {
        dispose();
        const result = await kFoldEnsemble(
          () =>
            buildMlp({
              inputDim: opts.inputDim,
              hidden: opts.hidden,
              head: layers.dense({ units: opts.numClasses, activation: 'softmax' }),
            }),
          x,
          y,
          {
            k: opts.size,
            seed: opts.seed,
            epochs: opts.epochs,
            patience: KFOLD_PATIENCE,
            batchSize: BATCH_SIZE,
            learningRate: opts.learningRate,
            onEpochEnd: (member, epoch, loss) => epochEnd(member * opts.epochs + epoch + 1, loss),
          },
        );
        ensemble = result.ensemble;
      }),
    predict(x): ClassPrediction {
      if (ensemble === null) throw new Error('kFoldClassifier: predict before fit');
      const { probs, members, variance } = ensemble.predict(x, { batchSize: 512 });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    dispose,
  };
}
