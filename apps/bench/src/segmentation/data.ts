import { deriveSeed, InvalidArgumentError, Rng } from '@uqjs/core';
import {
  loadCamVid,
  loadCityscapes,
  loadVocSegmentation,
  makeSegmentationShapes,
  type SegmentationSet,
} from '@uqjs/datasets';
import type { SegmentationProtocol } from './protocol.js';
import type { SegmentationData, SegmentationSplit } from './split.js';

/**
 * The three splits of `protocol.dataset` for `seed`.
 *
 * - `shapes`: `makeSegmentationShapes` at `protocol.size`, each split generated from its own
 *   seed `deriveSeed(seed, 'shapes', split)`; train and validation without OOD objects, test
 *   with one OOD object per image (`ood: true`), so every seed draws its own images and
 *   annotator noise, and both arms of a seed see the same ones.
 * - `voc`, `cityscapes`, `camvid`: read from `dataDir` (see {@link loadRealSplits}).
 *
 * @throws {InvalidArgumentError} naming `--split` when the files hold fewer images than asked.
 * @since 0.1.0
 */
export async function loadSegmentationData(
  protocol: SegmentationProtocol,
  dataDir: string | null,
  seed: number,
): Promise<SegmentationData> {
  if (protocol.dataset === 'shapes') {
    const make = (part: string, numImages: number, ood: boolean) =>
      makeSegmentationShapes({
        numImages,
        size: protocol.size,
        seed: deriveSeed(seed, 'shapes', part),
        ood,
      });
    const train = make('train', protocol.split.train, false);
    return {
      train,
      validation: make('validation', protocol.split.validation, false),
      test: make('test', protocol.split.test, true),
      numClasses: train.numClasses,
      classNames: train.classNames,
    };
  }
  if (dataDir === null) {
    throw new InvalidArgumentError({
      fn: 'uqjs-bench',
      argument: '--data-dir',
      expected: `the directory of the ${protocol.dataset} files`,
      given: 'nothing',
    });
  }
  return loadRealSplits(protocol, dataDir, seed);
}

/**
 * The images `indices` of `set`, in that order.
 *
 * @since 0.1.0
 */
export function subsetSplit(set: SegmentationSplit, indices: ArrayLike<number>): SegmentationSplit {
  const [, h, w, c] = set.shape;
  const image = h * w * c;
  const pixels = h * w;
  const n = indices.length;
  const images = new Float32Array(n * image);
  const masks = new Uint8Array(n * pixels);
  const oodMask = set.oodMask === null ? null : new Uint8Array(n * pixels);
  for (let b = 0; b < n; b++) {
    const i = indices[b] as number;
    images.set(set.images.subarray(i * image, (i + 1) * image), b * image);
    masks.set(set.masks.subarray(i * pixels, (i + 1) * pixels), b * pixels);
    oodMask?.set((set.oodMask as Uint8Array).subarray(i * pixels, (i + 1) * pixels), b * pixels);
  }
  return { images, shape: [n, h, w, c], masks, oodMask };
}

function enough(set: SegmentationSet, wanted: number, what: string, dataDir: string): void {
  if (set.shape[0] < wanted) {
    throw new InvalidArgumentError({
      fn: 'uqjs-bench',
      argument: '--split',
      expected: `at most the ${set.shape[0]} ${what} images in ${dataDir}`,
      given: wanted,
    });
  }
}

/**
 * The splits of a real dataset under `dataDir`, resized to `protocol.size`. VOC and Cityscapes
 * have no labelled test split: their `val` images are the test split, and train and validation
 * are drawn from the first `train + validation` images of `train` by a permutation seeded with
 * `deriveSeed(seed, 'split')`. CamVid's own train, val and test splits are used, each cut to its
 * size.
 */
async function loadRealSplits(
  protocol: SegmentationProtocol,
  dataDir: string,
  seed: number,
): Promise<SegmentationData> {
  const { train, validation, test } = protocol.split;
  const read = (split: 'train' | 'val' | 'test', limit: number) =>
    readReal(protocol, dataDir, split, limit);
  if (protocol.dataset === 'camvid') {
    const sets = [
      await read('train', train),
      await read('val', validation),
      await read('test', test),
    ];
    enough(sets[0] as SegmentationSet, train, 'train', dataDir);
    enough(sets[1] as SegmentationSet, validation, 'val', dataDir);
    enough(sets[2] as SegmentationSet, test, 'test', dataDir);
    const [a, b, c] = sets as [SegmentationSet, SegmentationSet, SegmentationSet];
    return { train: a, validation: b, test: c, numClasses: a.numClasses, classNames: a.classNames };
  }
  const pool = await read('train', train + validation);
  enough(pool, train + validation, 'train', dataDir);
  const testSet = await read('val', test);
  enough(testSet, test, 'val', dataDir);
  const order = new Rng(deriveSeed(seed, 'split')).permutation(train + validation);
  return {
    train: subsetSplit(pool, order.subarray(0, train)),
    validation: subsetSplit(pool, order.subarray(train)),
    test: testSet,
    numClasses: pool.numClasses,
    classNames: pool.classNames,
  };
}

/**
 * Reads split `split` of a real dataset (`loadVocSegmentation`, `loadCityscapes`, `loadCamVid`
 * of `@uqjs/datasets`) resized to `protocol.size`, at most `limit` images.
 */
function readReal(
  protocol: SegmentationProtocol,
  dir: string,
  split: 'train' | 'val' | 'test',
  limit: number,
): Promise<SegmentationSet> {
  const opts = { dir, size: protocol.size, limit };
  switch (protocol.dataset) {
    case 'camvid':
      return loadCamVid({ ...opts, split });
    case 'cityscapes':
      return loadCityscapes({ ...opts, split: split === 'test' ? 'val' : split });
    default:
      return loadVocSegmentation({ ...opts, split: split === 'test' ? 'val' : split });
  }
}
