import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TaskContext } from '@uqjs/backend/node';
import { deriveSeed } from '@uqjs/core';
import { type Cell, cellKey } from '../grid.js';
import type { SegmentationRunRecord } from './analysis.js';
import { loadSegmentationData } from './data.js';
import { evaluateSplit } from './evaluate.js';
import { pictureGrid } from './pictures.js';
import type { SegmentationProtocol } from './protocol.js';
import { buildSegmenter } from './segmenter.js';
import type { SegmentationData } from './split.js';
import { trainSegmenter } from './train.js';

/**
 * Everything a worker needs to run one segmentation cell: plain data, so it crosses process
 * boundaries.
 *
 * @since 0.1.0
 */
export interface SegmentationTask {
  readonly cell: Cell;
  readonly protocol: SegmentationProtocol;
  readonly dataDir: string | null;
  /** The output directory; the picture grid goes to `out/pictures/`. */
  readonly out: string;
  /** Test images in this run's picture grid; 0 draws none. */
  readonly pictures: number;
}

/**
 * What a running cell reports after each epoch (over `runInWorkers`' IPC channel in a worker).
 *
 * @since 0.1.0
 */
export interface SegmentationProgress {
  readonly key: string;
  /** 1-based. */
  readonly epoch: number;
  /** The most epochs the run trains (`protocol.epochs`). */
  readonly epochs: number;
  readonly validationNll: number;
}

/**
 * Where the picture grid of `cell` is written, relative to the output directory.
 *
 * @since 0.1.0
 */
export function picturePath(cell: Cell): string {
  return join('pictures', `${cellKey(cell).replaceAll('/', '_')}.png`);
}

/** The data of each seed, generated or read once per process. */
const cache = new Map<string, Promise<SegmentationData>>();

function dataOf(task: SegmentationTask): Promise<SegmentationData> {
  const key = JSON.stringify([task.protocol, task.dataDir, task.cell.seed]);
  let data = cache.get(key);
  if (data === undefined) {
    data = loadSegmentationData(task.protocol, task.dataDir, task.cell.seed);
    cache.set(key, data);
  }
  return data;
}

/**
 * Trains and evaluates one segmentation cell: the seed's data, the cell's network
 * ({@link buildSegmenter}), training with early stopping on validation NLL
 * (`deriveSeed(seed, 'train')` orders the batches), then the best checkpoint scored on
 * validation and test with `protocol.dropoutPasses` MC-dropout passes, and the picture grid
 * of the first `task.pictures` test images written to {@link picturePath}; each epoch's
 * validation NLL goes to `context.progress`. The default export,
 * so `runInWorkers` can run it in a child process; the bench also calls it in-process.
 *
 * @since 0.1.0
 */
export default async function runSegmentationCell(
  task: SegmentationTask,
  context?: TaskContext<SegmentationProgress>,
): Promise<SegmentationRunRecord> {
  const started = Date.now();
  const { cell, protocol } = task;
  const data = await dataOf(task);
  const [, h, w, c] = data.train.shape;
  const net = buildSegmenter(cell, protocol, [h, w, c], data.numClasses);
  try {
    const result = await trainSegmenter(net, data, {
      epochs: protocol.epochs,
      patience: protocol.patience,
      batchSize: protocol.batchSize,
      learningRate: protocol.learningRate,
      seed: deriveSeed(cell.seed, 'train'),
      onEpoch: (epoch, validationNll) =>
        context?.progress({ key: cellKey(cell), epoch, epochs: protocol.epochs, validationNll }),
    });
    const opts = {
      passes: protocol.dropoutPasses,
      batchSize: protocol.batchSize,
      numClasses: data.numClasses,
    };
    const validation = await evaluateSplit(net, data.validation, { ...opts, keep: 0 });
    const test = await evaluateSplit(net, data.test, { ...opts, keep: task.pictures });
    let picture: string | null = null;
    if (task.pictures > 0) {
      picture = picturePath(cell);
      mkdirSync(join(task.out, 'pictures'), { recursive: true });
      writeFileSync(
        join(task.out, picture),
        pictureGrid(data.test, test.maps.probs, test.maps.uncertainty, data.numClasses),
      );
    }
    return {
      key: cellKey(cell),
      cell,
      validation: validation.scores,
      test: test.scores,
      bestEpoch: result.bestEpoch,
      epochs: result.epochs,
      history: { trainLoss: result.trainLoss, validationNll: result.validationNll },
      picture,
      seconds: (Date.now() - started) / 1000,
      backend: tf.getBackend(),
      finishedAt: new Date().toISOString(),
    };
  } finally {
    net.dispose();
  }
}
