import {
  gather,
  type Scalar,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tensor1d,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import { deriveSeed, Rng } from '@uqjs/core';
import { MimoHead, MimoStack, mimoBatch, mimoLoss, mimoPredict } from '@uqjs/ensembles';
import type { EnsembleOptions } from './ensemble.js';
import { buildMlp } from './mlp.js';
import { BATCH_SIZE, fitUntilStopped, nextTask } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/**
 * MIMO (`@uqjs/ensembles`, Havasi et al. 2021): `M` subnetworks in one toy MLP. The input
 * `[N, M, D]` holds one point per member, `MimoStack` joins them (`[N, M * D]`), the two
 * ReLU layers of `hidden` units are shared, and a `MimoHead` gives each member its logits
 * `[N, M, K]`. Every minibatch is turned by `mimoBatch` into `M` slots, slot 0 in order and
 * each other one a seeded permutation of the batch (no input repetition), and trained with
 * `mimoLoss`, the sum of the members' cross-entropies (Adam, epoch order and slots seeded
 * from the run's seed). Each member thus learns the task on its own slot while the others
 * carry unrelated points; where the data leaves the function open, the members differ.
 *
 * `mimoPredict` tiles each point into all `M` slots: `members` are the `[M, N, K]` member
 * softmaxes, `probs` their mean (one forward pass for the whole ensemble).
 */
export function mimoClassifier(opts: EnsembleOptions & { numClasses: number }): Classifier {
  const members = opts.size;
  const model = buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    stem: new MimoStack({ inputShape: [members, opts.inputDim] }),
    head: new MimoHead({
      members,
      units: opts.numClasses,
      seed: deriveSeed(opts.seed, 'mimo', 'head'),
    }),
  });
  const optimizer = train.adam(opts.learningRate);
  return {
    usableWhenStopped: true,
    fit: (x, y, hooks) =>
      fitUntilStopped(opts.epochs, hooks, async (epochEnd) => {
        const n = x.shape[0];
        for (let epoch = 0; epoch < opts.epochs; epoch++) {
          const order = new Rng(deriveSeed(opts.seed, 'mimo', 'order', epoch)).permutation(n);
          let total = 0;
          for (let b = 0, start = 0; start < n; b++, start += BATCH_SIZE) {
            const rows = order.subarray(start, Math.min(start + BATCH_SIZE, n));
            const loss = tidy(() => {
              const index = tensor1d(rows, 'int32');
              // [B, D] and [B] -> [B, M, D] inputs and [B, M] labels, one slot per member.
              const batch = mimoBatch(gather(x, index), gather(y, index), members, {
                seed: deriveSeed(opts.seed, 'mimo', 'batch', epoch, b),
              });
              return optimizer.minimize(
                () =>
                  mimoLoss(batch.labels, model.apply(batch.inputs, { training: true }) as Tensor),
                true,
              ) as Scalar;
            });
            total += (await loss.data())[0]! * rows.length;
            loss.dispose();
          }
          // Let a Stop message in before the epoch is reported (and Stop is read).
          await nextTask();
          epochEnd(epoch + 1, total / n);
        }
      }),
    predict(x): ClassPrediction {
      const {
        probs,
        members: perMember,
        variance,
      } = mimoPredict(model, x, {
        members,
        batchSize: 512,
      });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: perMember as Tensor3D };
    },
    // The model is not compiled: the optimizer is this method's own.
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}
