import {
  expandDims,
  gather,
  type Optimizer,
  type Scalar,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tensor1d,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { deriveSeed, Rng } from '@uqjs/core';
import {
  MimoHead,
  MimoStack,
  mimoBatch,
  mimoLoss,
  mimoPredict,
  mimoPredictRegression,
  mimoRegressionLoss,
} from '@uqjs/ensembles';
import type { RegressionLikelihood } from '../settings.js';
import { type EnsembleOptions, regressionPrediction } from './ensemble.js';
import { buildMlp } from './mlp.js';
import { BATCH_SIZE, fitUntilStopped, nextTask } from './training.js';
import type { Classifier, ClassPrediction, FitOutcome, Regressor, TrainHooks } from './types.js';

/**
 * The MIMO network: the input `[N, M, D]` (one point per member) joined by `MimoStack` into
 * `[N, M * D]`, the toy MLP's two shared ReLU layers, and a `MimoHead` with `units` outputs
 * per member, `[N, M, units]`.
 */
function mimoNetwork(opts: EnsembleOptions, units: number): LayersModel {
  return buildMlp({
    inputDim: opts.inputDim,
    hidden: opts.hidden,
    stem: new MimoStack({ inputShape: [opts.size, opts.inputDim] }),
    head: new MimoHead({ members: opts.size, units, seed: deriveSeed(opts.seed, 'mimo', 'head') }),
  });
}

/**
 * MIMO training: every epoch visits the rows in a seeded order, in minibatches that
 * `mimoBatch` turns into `M` slots (slot 0 in order, each other one a seeded permutation of
 * the batch; no input repetition), each step minimizing `loss(slot targets, output)` with
 * `optimizer`. `targets` are `[N]` int32 labels or `[N, 1]` regression targets.
 */
function fitMimo(
  model: LayersModel,
  optimizer: Optimizer,
  x: Tensor2D,
  targets: Tensor,
  opts: EnsembleOptions,
  hooks: TrainHooks,
  loss: (slotTargets: Tensor, output: Tensor) => Scalar,
): Promise<FitOutcome> {
  return fitUntilStopped(opts.epochs, hooks, async (epochEnd) => {
    const n = x.shape[0];
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = new Rng(deriveSeed(opts.seed, 'mimo', 'order', epoch)).permutation(n);
      let total = 0;
      for (let b = 0, start = 0; start < n; b++, start += BATCH_SIZE) {
        const rows = order.subarray(start, Math.min(start + BATCH_SIZE, n));
        const value = tidy(() => {
          const index = tensor1d(rows, 'int32');
          // [B, D] -> [B, M, D] inputs; targets [B] -> [B, M] (or [B, 1] -> [B, M, 1]).
          const batch = mimoBatch(gather(x, index), gather(targets, index), opts.size, {
            seed: deriveSeed(opts.seed, 'mimo', 'batch', epoch, b),
          });
          const output = () => model.apply(batch.inputs, { training: true }) as Tensor;
          return optimizer.minimize(() => loss(batch.labels, output()), true) as Scalar;
        });
        total += (await value.data())[0]! * rows.length;
        value.dispose();
      }
      // Let a Stop message in before the epoch is reported (and Stop is read).
      await nextTask();
      epochEnd(epoch + 1, total / n);
    }
  });
}

/**
 * MIMO (`@uqjs/ensembles`, Havasi et al. 2021): `M` subnetworks in one toy MLP
 * ({@link mimoNetwork}) with `K` logits per member, trained by {@link fitMimo} with `mimoLoss`,
 * the sum of the members' cross-entropies (Adam, seeded from the run's seed). Each member
 * learns the task on its own slot while the others carry unrelated points; where the data
 * leaves the function open, the members differ.
 *
 * `mimoPredict` tiles each point into all `M` slots: `members` are the `[M, N, K]` member
 * softmaxes, `probs` their mean (one forward pass for the whole ensemble).
 */
export function mimoClassifier(opts: EnsembleOptions & { numClasses: number }): Classifier {
  const model = mimoNetwork(opts, opts.numClasses);
  const optimizer = train.adam(opts.learningRate);
  return {
    usableWhenStopped: true,
    fit: (x, y, hooks) => fitMimo(model, optimizer, x, y, opts, hooks, mimoLoss),
    predict(x): ClassPrediction {
      const { probs, members, variance } = mimoPredict(model, x, {
        members: opts.size,
        batchSize: 512,
      });
      variance?.dispose();
      return { probs: probs as Tensor2D, members: members as Tensor3D };
    },
    // The model is not compiled: the optimizer is this method's own.
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * MIMO regression: {@link mimoNetwork} with the `(mean, raw dispersion)` head per member,
 * trained by {@link fitMimo} with `mimoRegressionLoss` (the members' Gaussian or Laplace NLL
 * summed); `mimoPredictRegression` combines the members as a mixture (`aleatoric`: the mean
 * member noise variance, `epistemic`: the variance of the member means).
 */
export function mimoRegressor(
  opts: EnsembleOptions & { likelihood: RegressionLikelihood },
): Regressor {
  const model = mimoNetwork(opts, 2);
  const optimizer = train.adam(opts.learningRate);
  const kind = opts.likelihood;
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      // [N] -> [N, 1]: one target per row, as mimoBatch takes regression targets.
      const targets = expandDims(y, 1);
      try {
        return await fitMimo(model, optimizer, x, targets, opts, hooks, (t, output) =>
          mimoRegressionLoss(t, output, { kind }),
        );
      } finally {
        targets.dispose();
      }
    },
    predict: (x) =>
      regressionPrediction(
        mimoPredictRegression(model, x, { members: opts.size, kind, batchSize: 512 }),
      ),
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}
