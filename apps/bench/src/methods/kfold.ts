import { deriveSeed, UqjsError } from '@uqjs/core';
import { kFoldSplit } from '@uqjs/ensembles';
import { homoscedasticEnsemble } from './ensemble.js';
import { softmaxNll } from './losses.js';
import type { Method, MethodContext, MethodModel } from './method.js';

/**
 * A k-fold ensemble of `k = ensembleSize` homoscedastic networks (the members of `ensemble`):
 * the training rows are split by `kFoldSplit(N, k, deriveSeed(seed, 'folds'))` of
 * `@uqjs/ensembles`, and member `i` trains only on the rows outside fold `i` (its
 * `trainingRows`), so each member sees a different `(k - 1) / k` of the data and the members
 * disagree more where it is thin. Under the bench's protocol the members step through the
 * epochs together and stop on the ensemble's validation NLL (not on their held-out folds, as
 * `kFoldEnsemble` does, so that every method early-stops on the same validation set). The
 * predictive is the mean of the members' softmax probabilities.
 *
 * @throws {UqjsError} when the context has no `trainSize`, or `ensembleSize` is not in `[2, N]`.
 * @since 0.1.0
 */
export const kfold: Method = {
  name: 'kfold',
  create(context: MethodContext): MethodModel {
    const rows = context.trainSize;
    if (rows === undefined) {
      throw new UqjsError(
        'uqjs-bench kfold: the method context has no trainSize (the folds split its rows)',
      );
    }
    const k = context.ensembleSize;
    if (!Number.isInteger(k) || k < 2 || k > rows) {
      throw new UqjsError(
        `uqjs-bench kfold: the ensemble size is the number of folds k and must be an integer in [2, ${rows}] (the training rows); got ${k}`,
      );
    }
    const folds = kFoldSplit(rows, k, deriveSeed(context.seed, 'folds'));
    const deep = homoscedasticEnsemble(context);
    return {
      models: deep.members,
      loss: (labels, logits) => softmaxNll(labels, logits),
      // Every row whose fold is not the member's: the folds partition 0..N-1.
      trainingRows: (member) => folds.filter((_, i) => i !== member).flatMap((f) => [...f]),
      predict: (x) => deep.predict(x),
      dispose: () => deep.dispose(),
    };
  },
};
