import { tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { evaluateClassifier } from './evaluate-classifier.js';
import { evaluateRegressor, predictiveFamily } from './evaluate-regressor.js';
import {
  type FitOutcome,
  makeClassifier,
  makeRegressor,
  type TrainHooks,
} from './methods/index.js';
import type { RunResult } from './protocol.js';
import { regressionScaling } from './regression-scaling.js';
import { withSeededMathRandom } from './seeded-math-random.js';
import type { Settings } from './settings.js';
import { makeTask } from './tasks.js';

/** Inputs at which the regression view evaluates its predictive. */
export const REGRESSION_POINTS = 241;

/** Hooks of a run: the training hooks, and a call when evaluation starts. */
export interface RunHooks extends TrainHooks {
  evaluating(): void;
}

/** How a run ended: its result (`null` when stopped before it could be drawn) and timings. */
export interface RunOutcome extends FitOutcome {
  readonly result: RunResult | null;
  readonly trainSeconds: number;
}

/** Milliseconds since an arbitrary origin, on the page, in a worker and in Node. */
function now(): number {
  return performance.now();
}

/**
 * One training run of the playground: builds the dataset of `settings`, trains the method,
 * and evaluates it (surfaces on a grid, held-out scores, uncertainty summaries, split-conformal
 * sets or intervals calibrated on half the held-out points). Every
 * random choice derives from `settings.seed`. Runs wherever tfjs runs: the page's worker
 * and the Node tests.
 */
export function runPlayground(settings: Settings, hooks: RunHooks): Promise<RunOutcome> {
  return withSeededMathRandom(settings.seed, async () => {
    const task = makeTask(settings.dataset, settings.seed, settings.labelNoise);
    const started = now();
    if (task.kind === 'classification') {
      const classifier = makeClassifier(settings, 2, task.numClasses);
      const x = tensor2d(task.train.x, [task.train.n, 2]);
      const y = tensor1d(task.train.y, 'int32');
      try {
        const fit = await classifier.fit(x, y, hooks);
        const trainSeconds = (now() - started) / 1000;
        if (fit.stopped && !classifier.usableWhenStopped)
          return { ...fit, result: null, trainSeconds };
        hooks.evaluating();
        return {
          ...fit,
          trainSeconds,
          result: await evaluateClassifier(classifier, task, settings.gridSize, {
            method: settings.conformal,
            alpha: settings.alpha,
            seed: settings.seed,
          }),
        };
      } finally {
        x.dispose();
        y.dispose();
        classifier.dispose();
      }
    }
    const scaling = regressionScaling(task);
    const regressor = makeRegressor(settings);
    // [n] inputs -> [n, 1], scaled as the network sees them.
    const x = tensor2d(Float32Array.from(task.x, scaling.x), [task.x.length, 1]);
    const y = tensor1d(Float32Array.from(task.y, scaling.y));
    try {
      const fit = await regressor.fit(x, y, hooks);
      const trainSeconds = (now() - started) / 1000;
      if (fit.stopped && !regressor.usableWhenStopped)
        return { ...fit, result: null, trainSeconds };
      hooks.evaluating();
      return {
        ...fit,
        trainSeconds,
        result: await evaluateRegressor(regressor, task, scaling, REGRESSION_POINTS, {
          distribution: predictiveFamily(settings),
          alpha: settings.alpha,
          seed: settings.seed,
        }),
      };
    } finally {
      x.dispose();
      y.dispose();
      regressor.dispose();
    }
  });
}
