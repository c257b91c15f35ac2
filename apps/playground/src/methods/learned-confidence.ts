import { expandDims, type Tensor2D, type Tensor3D, tidy } from '@tensorflow/tfjs-core';
import { deriveSeed } from '@uqjs/core';
import { ConfidenceBranch, confidencePredict, trainWithConfidence } from '@uqjs/learned-confidence';
import type { DeterministicOptions } from './deterministic.js';
import { buildMlp } from './mlp.js';
import { BATCH_SIZE, fitUntilStopped } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What learned confidence needs beyond the plain network. */
export interface LearnedConfidenceOptions extends DeterministicOptions {
  readonly numClasses: number;
  readonly seed: number;
}

/**
 * Learned confidence (`@uqjs/learned-confidence`, DeVries and Taylor 2018): the toy MLP with a
 * `ConfidenceBranch` output (`K` logits and a confidence logit), trained by
 * `trainWithConfidence` with the hinted loss (the paper's penalty weight 0.1 and budget 0.3),
 * seeded from the run's seed. Stop ends the training after the current epoch; the network
 * is drawn as trained so far.
 *
 * `probs` is the plain softmax of `confidencePredict`, and `members` is `probs` itself
 * (`[1, N, K]`): one network, no epistemic part. `confidence` `[N]` is its learned `c(x)`,
 * the out-of-distribution score (low = out of distribution).
 */
export function learnedConfidenceClassifier(opts: LearnedConfidenceOptions): Classifier {
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    head: new ConfidenceBranch({
      units: opts.numClasses,
      seed: deriveSeed(opts.seed, 'learned-confidence', 'branch'),
    }),
  });
  return {
    usableWhenStopped: true,
    fit: (x, y, hooks) =>
      fitUntilStopped(opts.epochs, hooks, (epochEnd) =>
        trainWithConfidence(model, x, y, {
          seed: deriveSeed(opts.seed, 'learned-confidence', 'training'),
          epochs: opts.epochs,
          batchSize: BATCH_SIZE,
          learningRate: opts.learningRate,
          onEpochEnd: (epoch, loss) => epochEnd(epoch + 1, loss),
        }),
      ),
    predict(x): ClassPrediction {
      const { probs, confidence } = confidencePredict(model, x, { batchSize: 512 });
      // [N, K] -> [1, N, K]: a single member.
      const members = tidy(() => expandDims(probs, 0) as Tensor3D);
      return { probs: probs as Tensor2D, members, confidence };
    },
    // trainWithConfidence disposes the optimizer it makes; the model holds no other.
    dispose: () => model.dispose(),
  };
}
