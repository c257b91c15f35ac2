import {
  add,
  dispose,
  gather,
  keep,
  mul,
  type Optimizer,
  type Scalar,
  stack,
  sum,
  Tensor,
  tensor1d,
  tensor2d,
  tidy,
  train,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkAllFinite,
  checkFiniteNumber,
  checkLabels,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkSeed,
  DataError,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  ShapeError,
} from '@uqjs/core';
import { adaptLambda, confidenceLoss, drawHints } from './confidence-loss.js';

/**
 * Options of {@link trainWithConfidence}.
 *
 * @since 0.1.0
 */
export interface TrainWithConfidenceOptions {
  /** Seed of the data order and of the hint masks (required). */
  readonly seed: number;
  /** Passes over the data. Default `10`. */
  readonly epochs?: number;
  /** Rows per gradient step. Default `32`. */
  readonly batchSize?: number;
  /** Adam learning rate when no `optimizer` is given. Default `1e-3`. */
  readonly learningRate?: number;
  /** The optimizer (not disposed here). Default: a fresh `tf.train.adam(learningRate)`, disposed at the end. */
  readonly optimizer?: Optimizer;
  /** Initial weight of the confidence penalty. Default `0.1` (the paper's). */
  readonly lambda?: number;
  /** Budget `beta` of the mean penalty `-log c` that `lambda` is adapted towards. Default `0.3` (the paper's). */
  readonly budget?: number;
  /** Called after every epoch with its mean loss and the current `lambda`. */
  readonly onEpochEnd?: (epoch: number, loss: number, lambda: number) => void;
}

/**
 * What {@link trainWithConfidence} reports, one entry per epoch.
 *
 * @since 0.1.0
 */
export interface TrainWithConfidenceResult {
  /** Mean objective `nll + lambda * penalty` per epoch. */
  readonly loss: number[];
  /** Mean confidence penalty `-log c` per epoch. */
  readonly penalty: number[];
  /** `lambda` at the end of each epoch. */
  readonly lambda: number[];
}

/**
 * Trains a model whose output is a {@link ConfidenceBranch}'s `[B, K + 1]` with the
 * learned-confidence objective ({@link confidenceLoss}, plus the model's regularizers) by
 * minibatch gradient descent. Epoch `e` visits the rows in the order
 * `Rng(deriveSeed(seed, 'order', e)).permutation(N)`; step `b` of epoch `e` hints each
 * example with probability 0.5 from `drawHints(B, deriveSeed(seed, 'hints', e, b))`. After
 * every step, `lambda` moves by {@link adaptLambda} with the step's mean penalty (one read of
 * three numbers per step).
 *
 * @param x - inputs `[N, ...]`.
 * @param labels - class labels `[N]` in `[0, K)` (an array, typed array or int tensor).
 * @throws InvalidArgumentError / ShapeError for bad arguments; DataError when a step's
 *   objective is not finite (no weight is updated by that step).
 * @since 0.1.0
 */
export async function trainWithConfidence(
  model: LayersModel,
  x: Tensor,
  labels: ArrayLike<number> | Tensor,
  options: TrainWithConfidenceOptions,
): Promise<TrainWithConfidenceResult> {
  const fn = 'trainWithConfidence';
  // Left out, the options read as {} and the error names the missing options.seed.
  const opts = checkOptionsObject(
    options,
    'options',
    fn,
    'an object { seed, epochs?, batchSize?, lambda?, budget?, ... }',
  );
  const seed = checkSeed(opts.seed, 'options.seed', fn);
  const epochs = checkPositiveInteger(opts.epochs ?? 10, 'options.epochs', fn);
  const batchSize = checkPositiveInteger(opts.batchSize ?? 32, 'options.batchSize', fn);
  const learningRate = checkPositive(opts.learningRate ?? 1e-3, 'options.learningRate', fn);
  let lambda = checkFiniteNumber(opts.lambda ?? 0.1, 'options.lambda', fn);
  if (lambda <= 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'options.lambda',
      expected: '> 0',
      given: lambda,
    });
  }
  const budget = checkPositive(opts.budget ?? 0.3, 'options.budget', fn);
  const classes = outputClasses(model, fn);
  const rows = x.shape[0] ?? 0;
  if (rows === 0) {
    throw new ShapeError({ fn, argument: 'x', expected: 'at least one row', given: x.shape });
  }
  checkAllFinite(await x.data(), 'x', fn);
  const labelValues = labels instanceof Tensor ? await labels.data() : labels;
  if (labelValues.length !== rows) {
    throw new ShapeError({
      fn,
      argument: 'labels',
      expected: `${rows} labels (one per row of x)`,
      given: `${labelValues.length} labels`,
    });
  }
  checkLabels(labelValues, classes, 'labels', fn);
  // One-hot built on the CPU side: no int32 -> float32 cast on the device.
  const oneHotValues = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) oneHotValues[i * classes + labelValues[i]!] = 1;
  const targets = tensor2d(oneHotValues, [rows, classes]);
  const optimizer = opts.optimizer ?? train.adam(learningRate);
  const variables = model.trainableWeights.map((weight) => weight.read() as Variable);
  const result: TrainWithConfidenceResult = { loss: [], penalty: [], lambda: [] };
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = new Rng(deriveSeed(seed, 'order', epoch)).permutation(rows);
      let totalLoss = 0;
      let totalPenalty = 0;
      for (let b = 0, start = 0; start < rows; b++, start += batchSize) {
        const batch = order.subarray(start, Math.min(start + batchSize, rows));
        const hints = drawHints(batch.length, deriveSeed(seed, 'hints', epoch, b));
        const weight = lambda;
        const step = tidy(() => {
          const indices = tensor1d(batch, 'int32');
          const xb = gather(x, indices);
          const yb = gather(targets, indices);
          const hb = tensor1d(hints);
          let penalty: Scalar | null = null;
          const { value, grads } = optimizer.computeGradients(() => {
            const out = model.apply(xb, { training: true }) as Tensor;
            const parts = confidenceLoss(out, yb, hb, weight);
            // computeGradients frees what its function made, apart from the value: keep this.
            penalty = keep(parts.penalty);
            let total: Scalar = parts.loss;
            for (const extra of model.calculateLosses()) total = add(total, extra) as Scalar;
            return total;
          }, variables);
          // [loss, penalty, check]: check is NaN when any gradient entry is NaN or infinite.
          const check = Object.values(grads).reduce<Tensor>(
            (acc, g) => add(acc, sum(mul(g, 0))),
            value,
          );
          const reading = stack([value, penalty!, check]);
          (penalty as Scalar | null)?.dispose();
          return { grads, reading };
        });
        const [loss, penalty, check] = await step.reading.data();
        if (!Number.isFinite(check)) {
          dispose(step);
          throw new DataError(
            `${fn}: epoch ${epoch}, batch ${b}: the objective (${loss}) or its gradients are ` +
              'not finite; no weight was updated by this step (lower the learning rate)',
          );
        }
        optimizer.applyGradients(step.grads);
        dispose(step);
        totalLoss += loss! * batch.length;
        totalPenalty += penalty! * batch.length;
        lambda = adaptLambda(lambda, penalty!, budget);
      }
      result.loss.push(totalLoss / rows);
      result.penalty.push(totalPenalty / rows);
      result.lambda.push(lambda);
      opts.onEpochEnd?.(epoch, totalLoss / rows, lambda);
      // Let timers and I/O run between epochs.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    targets.dispose();
    if (opts.optimizer === undefined) optimizer.dispose();
  }
  return result;
}

/** `K` of a single-output model whose output is `[B, K + 1]`; an error naming `model` otherwise. */
export function outputClasses(model: LayersModel, fn: string): number {
  const candidate = model as Partial<LayersModel> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.apply !== 'function' ||
    !Array.isArray(candidate.outputs) ||
    candidate.outputs.length !== 1
  ) {
    throw new InvalidArgumentError({
      fn,
      argument: 'model',
      expected: 'a single-output tfjs-layers model ending in a ConfidenceBranch',
      given: model,
    });
  }
  const shape = candidate.outputs[0]!.shape;
  if (shape.length !== 2 || (shape[1] ?? 0) < 3) {
    throw new ShapeError({
      fn,
      argument: 'model output',
      expected: 'of shape [B, K + 1] with K >= 2 (a ConfidenceBranch output)',
      given: shape,
    });
  }
  return shape[1]! - 1;
}
