import * as tf from '@tensorflow/tfjs-core';
import type { TaskContext } from '@uqjs/backend/node';
import { deriveSeed } from '@uqjs/core';
import { negativeEntropyScore, oodMetrics, type ProbsInput } from '@uqjs/metrics';
import type { Protocol } from './config.js';
import { conformalScores } from './conformal-sets.js';
import { type BenchData, type DataSource, loadBenchData } from './data.js';
import { hostProbs, predictPoints, predictProbs, reliabilitySums, scoreProbs } from './evaluate.js';
import { type Cell, cellKey } from './grid.js';
import { loadMethod } from './methods/index.js';
import type { MethodModel } from './methods/method.js';
import { bodySpec, takesFlatInput } from './models.js';
import { calibratedScores } from './post-hoc.js';
import type { RunProgress } from './progress.js';
import type { RunRecord, Surface } from './record.js';
import { type TrainProgress, trainWithEarlyStopping } from './train.js';

/**
 * Everything a worker needs to run one cell: plain data, so it crosses process boundaries.
 *
 * @since 0.1.0
 */
export interface CellTask {
  readonly cell: Cell;
  readonly protocol: Protocol;
  readonly source: DataSource;
}

/** Training points drawn on uncertainty surfaces. */
const SURFACE_TRAIN_POINTS = 300;

/** Least time between two progress messages of a worker within an epoch, ms. */
const PROGRESS_INTERVAL_MS = 250;

/** Training progress as {@link RunProgress} messages: throttled, except at each epoch's end. */
function progressSender(task: CellTask, started: number, context: TaskContext<RunProgress>) {
  let last = 0;
  return (progress: TrainProgress) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && progress.validationNll === undefined) return;
    last = now;
    context.progress({ key: cellKey(task.cell), started, ...progress });
  };
}

function entropyOfRows(probs: Float32Array, numClasses: number): number[] {
  const n = probs.length / numClasses;
  return Array.from({ length: n }, (_, i) => {
    let h = 0;
    for (let k = 0; k < numClasses; k++) {
      const p = probs[i * numClasses + k] as number;
      if (p > 0) h -= p * Math.log(p);
    }
    return h;
  });
}

/** The entropy surface over the toy grid and the OOD AUROC (test points vs the OOD cluster). */
async function toySurface(
  method: MethodModel,
  data: BenchData,
  testProbs: ProbsInput,
  seed: number,
): Promise<Surface> {
  const toy = data.toy;
  if (toy === undefined) throw new Error('toySurface: no toy extras');
  const k = data.numClasses;
  const grid = await predictPoints(method, toy.grid, 2, deriveSeed(seed, 'grid'));
  const entropy = entropyOfRows(grid, k);
  const oodProbs = await predictPoints(method, toy.ood, 2, deriveSeed(seed, 'ood'));
  const inScores = negativeEntropyScore(testProbs);
  // Rows of [nOod, K] probabilities -> number[][] for the score function.
  const oodRows = Array.from({ length: oodProbs.length / k }, (_, i) =>
    Array.from(oodProbs.subarray(i * k, (i + 1) * k)),
  );
  const outScores = negativeEntropyScore(oodRows);
  const train = data.train;
  const shown = Math.min(SURFACE_TRAIN_POINTS, train.size);
  const images = train.images as Float32Array;
  return {
    xRange: toy.xRange,
    yRange: toy.yRange,
    n: toy.gridSize,
    numClasses: k,
    entropy: entropy.map((h) => Number(h.toFixed(4))),
    train: Array.from({ length: shown }, (_, i) => [
      Number((images[2 * i] as number).toFixed(3)),
      Number((images[2 * i + 1] as number).toFixed(3)),
      train.labels[i] as number,
    ]),
    ood: Array.from({ length: toy.ood.length / 2 }, (_, i) => [
      Number((toy.ood[2 * i] as number).toFixed(3)),
      Number((toy.ood[2 * i + 1] as number).toFixed(3)),
    ]),
    oodAuroc: oodMetrics(inScores, outScores).auroc,
  };
}

/**
 * Trains and evaluates one cell: loads (and caches, per process) the seed's data, asks the
 * cell's method for a model, trains it with early stopping on validation NLL, and scores the
 * best checkpoint on validation and test. The default export, so `runInWorkers` can run it in
 * a child process; the bench also calls it in-process with `--workers 1`. Training progress
 * goes to `context.progress` (the worker's IPC channel under `runInWorkers`).
 *
 * The model's initialization and MC draws come from `deriveSeed(cell.seed, 'init')`, so every
 * method of a seed starts from the same body weights and sees the same data.
 *
 * @since 0.1.0
 */
export default async function runCell(
  task: CellTask,
  context?: TaskContext<RunProgress>,
): Promise<RunRecord> {
  const started = Date.now();
  const { cell, protocol } = task;
  const data = await loadBenchData(protocol, task.source, cell.seed);
  const body = bodySpec(protocol.dataset, protocol.model);
  const flatten = takesFlatInput(body);
  const [, h, w, c] = data.train.shape;
  const method = (await loadMethod(cell.method)).create({
    body,
    inputShape: flatten ? [h * w * c] : [h, w, c],
    numClasses: data.numClasses,
    temperature: cell.temperature ?? 1,
    trainSamples: cell.trainSamples ?? 1,
    evalSamples: protocol.evalSamples,
    noise: protocol.noise,
    ensembleSize: protocol.ensembleSize,
    seed: deriveSeed(cell.seed, 'init'),
    trainSize: data.train.size,
    imageShape: [h, w, c],
  });
  try {
    const runSeed = deriveSeed(cell.seed, 'run');
    const progress = context ? progressSender(task, started, context) : undefined;
    const result = await trainWithEarlyStopping(method, data, {
      maxEpochs: protocol.maxEpochs,
      patience: protocol.patience,
      batchSize: protocol.batchSize,
      learningRate: protocol.learningRate,
      seed: runSeed,
      flatten,
      ...(progress ? { onProgress: progress } : {}),
    });
    // The same MC seed as during training, so this is the best epoch's validation NLL.
    const validationProbs = predictProbs(
      method,
      data.validation,
      flatten,
      deriveSeed(runSeed, 'validation'),
    );
    const validationValues = await hostProbs(validationProbs);
    const validation = scoreProbs(validationValues, data.validation.labels);
    validationProbs.dispose();
    const testProbs = predictProbs(method, data.test, flatten, deriveSeed(runSeed, 'test'));
    const testValues = await hostProbs(testProbs);
    const test = scoreProbs(testValues, data.test.labels);
    const calibrated =
      protocol.calibrators === undefined
        ? undefined
        : await calibratedScores(
            protocol.calibrators,
            { probs: validationValues, labels: data.validation.labels },
            { probs: testValues, labels: data.test.labels },
          );
    const conformal =
      protocol.conformal === undefined
        ? undefined
        : await conformalScores(
            protocol.conformal,
            { probs: validationValues, labels: data.validation.labels },
            { probs: testValues, labels: data.test.labels },
            deriveSeed(runSeed, 'conformal'),
          );
    const reliability = reliabilitySums(testValues, data.test.labels);
    const surface = data.toy ? await toySurface(method, data, testValues, runSeed) : undefined;
    testProbs.dispose();
    return {
      key: cellKey(cell),
      cell,
      validation,
      test,
      bestEpoch: result.bestEpoch,
      epochs: result.epochs,
      history: { trainLoss: result.trainLoss, validationNll: result.validationNll },
      reliability,
      ...(calibrated ? { calibrated } : {}),
      ...(conformal ? { conformal } : {}),
      ...(surface ? { surface } : {}),
      seconds: (Date.now() - started) / 1000,
      backend: tf.getBackend(),
      finishedAt: new Date().toISOString(),
    };
  } finally {
    method.dispose();
  }
}
