import type { Tensor } from '@tensorflow/tfjs-core';
import { type Callback, CustomCallback, type LayersModel } from '@tensorflow/tfjs-layers';
import type { FitOutcome, TrainHooks } from './types.js';

/** Rows per gradient step for every method. */
export const BATCH_SIZE = 32;

/** Resolves on the next macrotask, so the worker can receive a Stop message. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Frees a compiled model and its optimizer: `compile` with an optimizer instance (as every
 * method here does, to set the learning rate) leaves the optimizer to its caller.
 */
export function disposeModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}

/** Thrown from a training callback to end a run that has no `stopTraining` flag. */
class TrainingStopped extends Error {
  constructor() {
    super('training stopped');
    this.name = 'TrainingStopped';
  }
}

/**
 * Runs a training loop that reports its epochs through a callback and has no stop flag of its
 * own (`DeepEnsemble.fit`, `trainWithConfidence`, a custom loop): `train` gets `epochEnd`, to
 * call after every epoch with `done` of `total` epochs (counted over the whole run) and the
 * epoch's loss. `epochEnd` reports them to `hooks` and, once Stop is asked before the last
 * epoch, throws to end the loop there. The loop must yield to the event loop between epochs
 * for a Stop message to arrive.
 */
export async function fitUntilStopped(
  total: number,
  hooks: TrainHooks,
  train: (epochEnd: (done: number, loss: number) => void) => Promise<unknown>,
): Promise<FitOutcome> {
  let epochsDone = 0;
  try {
    await train((done, loss) => {
      epochsDone = done;
      hooks.progress(done, total, loss);
      if (hooks.stopRequested() && done < total) throw new TrainingStopped();
    });
  } catch (error) {
    if (error instanceof TrainingStopped) return { epochsDone, stopped: true };
    throw error;
  }
  return { epochsDone, stopped: false };
}

/**
 * Trains a compiled model with `model.fit` on `targets`, which it disposes when done, reporting
 * each epoch to `hooks` and ending early
 * (`model.stopTraining`) once Stop is pressed. `fit` yields to the event loop after every
 * epoch here (`yieldEvery: 'never'` turns off its own frame-based yielding, which waits for
 * animation frames a hidden page never gets).
 */
export async function fitLayersModel(
  model: LayersModel,
  x: Tensor,
  targets: Tensor,
  epochs: number,
  hooks: TrainHooks,
  callbacks: Callback[] = [],
): Promise<FitOutcome> {
  let epochsDone = 0;
  const progress = new CustomCallback({
    onEpochEnd: async (epoch, logs) => {
      epochsDone = epoch + 1;
      hooks.progress(epochsDone, epochs, logs?.loss ?? Number.NaN);
      await nextTask();
      if (hooks.stopRequested()) model.stopTraining = true;
    },
  });
  try {
    await model.fit(x, targets, {
      epochs,
      batchSize: BATCH_SIZE,
      shuffle: true,
      verbose: 0,
      yieldEvery: 'never',
      callbacks: [...callbacks, progress],
    });
  } finally {
    targets.dispose();
  }
  return { epochsDone, stopped: epochsDone < epochs };
}
