// Null and other non-object options/arguments: every public function fails with a UqjsError
// that names the argument, never a raw TypeError from reading a property of null.
import * as tf from '@tensorflow/tfjs-core';
import { UqjsError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  corruptLabels,
  flipProbabilities,
  ImageDataset,
  loadCifar10,
  loadMnist,
  loadSvhn,
  makeCubicRegression,
  makeGrid,
  makeMoons,
  makeOodCluster,
  makeSpirals,
  normalize,
  split,
  standardize,
} from '../src/index.js';

// Deliberately ill-typed calls, as JavaScript callers can make them.
// biome-ignore lint/suspicious/noExplicitAny: the point is to pass what the types forbid
const bad = null as any;
// biome-ignore lint/suspicious/noExplicitAny: as above
const five = 5 as any;

function dataset(): ImageDataset {
  return new ImageDataset({
    images: new Uint8Array(4 * 2 * 2),
    shape: [4, 2, 2, 1],
    labels: Int32Array.from([0, 1, 0, 1]),
    numClasses: 2,
  });
}

/** Runs `call` and returns what it threw (or the rejection of the promise it returned). */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

const cases: [string, () => unknown, string][] = [
  ['makeMoons(null)', () => makeMoons(bad), 'makeMoons: opts'],
  ['makeMoons(5)', () => makeMoons(five), 'makeMoons: opts'],
  ['makeSpirals(null)', () => makeSpirals(bad), 'makeSpirals: opts'],
  ['makeCubicRegression(null)', () => makeCubicRegression(bad), 'makeCubicRegression: opts'],
  ['makeOodCluster(null)', () => makeOodCluster(bad), 'makeOodCluster: opts'],
  ['makeGrid(null)', () => makeGrid(bad), 'makeGrid: xRange'],
  ['makeGrid(range, null)', () => makeGrid([0, 1], bad), 'makeGrid: yRange'],
  ['makeGrid(range, range, null)', () => makeGrid([0, 1], [0, 1], bad), 'makeGrid: n'],
  ['new ImageDataset(null)', () => new ImageDataset(bad), 'ImageDataset: init'],
  ['new ImageDataset(5)', () => new ImageDataset(five), 'ImageDataset: init'],
  ['toTensors(null)', () => dataset().toTensors(bad), 'ImageDataset.toTensors: opts'],
  ['batches(null)', () => dataset().batches(bad).next(), 'ImageDataset.batches: opts'],
  [
    'arrayBatches(null)',
    () => dataset().arrayBatches(bad).next(),
    'ImageDataset.arrayBatches: opts',
  ],
  ['subset(null)', () => dataset().subset(bad), 'ImageDataset.subset: indices'],
  ['withLabels(null)', () => dataset().withLabels(bad), 'ImageDataset.withLabels: labels'],
  ['withImages(null)', () => dataset().withImages(bad), 'ImageDataset.withImages: images'],
  ['split(null, opts)', () => split(bad, { validation: 0.5 }), 'split: dataset'],
  ['split(dataset, null)', () => split(dataset(), bad), 'split: opts'],
  // A tensor is no options object either (tidy frees it when split throws).
  [
    'split(dataset, tensor)',
    () =>
      tf.tidy(() => {
        split(dataset(), tf.zeros([1]) as never);
      }),
    'split: opts must be an options object',
  ],
  ['standardize(null)', () => standardize(bad), 'standardize: data'],
  ['standardize(data, 5)', () => standardize(dataset(), five), 'standardize: stats'],
  ['normalize(null)', () => normalize(bad), 'normalize: data'],
  ['normalize(data, 5)', () => normalize(dataset(), five), 'normalize: range'],
  ['corruptLabels(null, ...)', () => corruptLabels(bad, 'collier2020', 0), 'corruptLabels: labels'],
  ['corruptLabels(labels, null, 0)', () => corruptLabels([0, 1], bad, 0), 'corruptLabels: scheme'],
  [
    'corruptLabels(..., null)',
    () => corruptLabels([0, 1], 'collier2020', 0, bad),
    'corruptLabels: opts',
  ],
  ['flipProbabilities(null, 10)', () => flipProbabilities(bad, 10), 'flipProbabilities: scheme'],
  ['loadMnist(null)', () => loadMnist(bad), 'loadMnist: opts'],
  ['loadMnist(5)', () => loadMnist(five), 'loadMnist: opts'],
  ['loadCifar10(null)', () => loadCifar10(bad), 'loadCifar10: opts'],
  ['loadSvhn(null)', () => loadSvhn(bad), 'loadSvhn: opts'],
];

describe('null and non-object arguments', () => {
  it.each(cases)('%s is a UqjsError naming the argument', async (_, call, start) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(UqjsError);
    expect((error as Error).message.startsWith(start)).toBe(true);
  });
});
