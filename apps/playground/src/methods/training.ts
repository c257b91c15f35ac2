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
export class TrainingStopped extends Error {
  constructor() {
    super('training stopped');
    this.name = 'TrainingStopped';
  }
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
