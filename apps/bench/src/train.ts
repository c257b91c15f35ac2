import * as tf from '@tensorflow/tfjs-core';
import { fusedAdam } from '@uqjs/backend';
import { deriveSeed } from '@uqjs/core';
import type { ImageDataset } from '@uqjs/datasets';
import { nll } from '@uqjs/metrics';
import { hostProbs, predictProbs } from './evaluate.js';
import type { MethodModel } from './methods/method.js';

/**
 * Adam's moment decay rates and epsilon of the paper's protocol (Keras defaults).
 *
 * @since 0.1.0
 */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/**
 * Options of {@link trainWithEarlyStopping}.
 *
 * @since 0.1.0
 */
export interface TrainOptions {
  readonly maxEpochs: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /**
   * Seeds the shuffles (`deriveSeed(seed, 'shuffle', model, epoch)`), the methods'
   * `trainingBatch` hooks and the validation MC draws.
   */
  readonly seed: number;
  /** Feed `[B, H*W*C]` rows (MLP) instead of `[B, H, W, C]` images. */
  readonly flatten: boolean;
  /** Called after every batch, with the batch's position, and after every epoch. */
  readonly onProgress?: (progress: TrainProgress) => void;
}

/**
 * Where training is.
 *
 * @since 0.1.0
 */
export interface TrainProgress {
  /** 1-based. */
  readonly epoch: number;
  readonly maxEpochs: number;
  /** Batches done in this epoch, over all models. */
  readonly batch: number;
  readonly batches: number;
  /** Validation NLL of the last finished epoch, if any. */
  readonly validationNll?: number;
}

/**
 * What training did; the method's weights are left at the best validation epoch.
 *
 * @since 0.1.0
 */
export interface TrainResult {
  /** 1-based epoch with the lowest validation NLL (0 if no epoch gave a finite one). */
  readonly bestEpoch: number;
  readonly epochs: number;
  readonly trainLoss: number[];
  readonly validationNll: number[];
}

/** Independent copies of every weight (trainable and not) of the models. */
function snapshot(method: MethodModel): tf.Tensor[][] {
  return method.models.map((model) => model.getWeights().map((w) => w.clone()));
}

function restore(method: MethodModel, weights: tf.Tensor[][]): void {
  method.models.forEach((model, m) => {
    model.setWeights(weights[m] as tf.Tensor[]);
  });
}

/** One Adam step of one model on one batch; returns the loss (a scalar the caller disposes). */
function step(
  method: MethodModel,
  m: number,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
): tf.Scalar {
  const model = method.models[m]!;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const cost = optimizer.minimize(
    () => {
      const output = model.apply(x, { training: true }) as tf.Tensor;
      const regularizers = model.calculateLosses();
      const loss = method.loss(y, output) as tf.Scalar;
      return regularizers.length > 0 ? tf.addN([loss, ...regularizers]) : loss;
    },
    true,
    variables,
  );
  return cost as tf.Scalar;
}

/**
 * Trains a method by the paper's protocol: Adam, minibatches in a fresh seeded order every
 * epoch, validation NLL of the method's predictive after every epoch, early stopping once
 * `patience` epochs pass without a new lowest validation NLL, then the weights of the best
 * epoch restored (the checkpoint that is tested). An ensemble's members step through the
 * epochs together and stop on the ensemble's validation NLL. A method's `trainingRows` hook
 * gives each model its own rows of the training set (shuffled per model and epoch alike), its
 * `trainingBatch` hook turns each batch into what the model is fed, with the seed
 * `deriveSeed(seed, 'batch', model, epoch, batch)`.
 *
 * Tensor hygiene: batches, losses, snapshots and optimizer state are disposed here.
 *
 * @since 0.1.0
 */
export async function trainWithEarlyStopping(
  method: MethodModel,
  data: { readonly train: ImageDataset; readonly validation: ImageDataset },
  opts: TrainOptions,
): Promise<TrainResult> {
  // Adam with one fused kernel per weight on wasm (`enableFastWasmTraining`), tfjs ops elsewhere.
  const optimizers = method.models.map(() =>
    fusedAdam(opts.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon),
  );
  // Model m's training rows: all of them, or the subset its method names (k-fold).
  const trainSets = method.models.map((_, m) => {
    const rows = method.trainingRows?.(m);
    return rows === undefined ? data.train : data.train.subset(rows);
  });
  const batches = trainSets.reduce((sum, set) => sum + Math.ceil(set.size / opts.batchSize), 0);
  const trainLoss: number[] = [];
  const validationNll: number[] = [];
  let best: { nll: number; epoch: number; weights: tf.Tensor[][] | null } = {
    nll: Number.POSITIVE_INFINITY,
    epoch: 0,
    weights: null,
  };
  try {
    for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
      method.onEpochBegin?.(epoch);
      let done = 0;
      let lossSum = 0;
      for (let m = 0; m < method.models.length; m++) {
        const order = deriveSeed(opts.seed, 'shuffle', m, epoch);
        let index = 0;
        for (const { x, y } of trainSets[m]!.batches({
          batchSize: opts.batchSize,
          shuffle: true,
          seed: order,
          flatten: opts.flatten,
        })) {
          const fed = method.trainingBatch?.(
            x,
            y,
            deriveSeed(opts.seed, 'batch', m, epoch, index++),
          ) ?? { x, labels: y };
          const cost = step(method, m, optimizers[m]!, fed.x, fed.labels);
          lossSum += (await cost.data())[0] ?? Number.NaN;
          // The hook's tensors, if any, and the batch (dispose skips ones already disposed).
          tf.dispose([cost, fed.x, fed.labels, x, y]);
          done++;
          opts.onProgress?.({ epoch, maxEpochs: opts.maxEpochs, batch: done, batches });
          // Let timers run between steps (progress display, signals) when training in-process.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      trainLoss.push(lossSum / batches);
      const probs = predictProbs(
        method,
        data.validation,
        opts.flatten,
        deriveSeed(opts.seed, 'validation'),
      );
      const value = nll(await hostProbs(probs), data.validation.labels);
      probs.dispose();
      validationNll.push(value);
      opts.onProgress?.({
        epoch,
        maxEpochs: opts.maxEpochs,
        batch: batches,
        batches,
        validationNll: value,
      });
      if (value < best.nll) {
        if (best.weights) tf.dispose(best.weights.flat());
        best = { nll: value, epoch, weights: snapshot(method) };
      } else if (epoch - best.epoch >= opts.patience) {
        break;
      }
    }
    if (best.weights) restore(method, best.weights);
    return { bestEpoch: best.epoch, epochs: trainLoss.length, trainLoss, validationNll };
  } finally {
    if (best.weights) tf.dispose(best.weights.flat());
    for (const optimizer of optimizers) optimizer.dispose();
  }
}
