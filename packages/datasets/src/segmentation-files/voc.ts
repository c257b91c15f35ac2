import { DataError } from '@uqjs/core';
import { findFile } from '../data-dir.js';
import { SEGMENTATION_IGNORE_LABEL } from '../segmentation-set.js';
import {
  labelScheme,
  loaderContext,
  readExamples,
  type SegmentationFileSet,
  type SegmentationFilesOptions,
} from './load-pairs.js';

/**
 * The 21 classes of PASCAL VOC 2012 segmentation, in class-id order (0 is the background).
 *
 * @since 0.1.0
 */
export const VOC_CLASS_NAMES: readonly string[] = Object.freeze([
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
]);

/** VOC masks: palette index = class id, 255 on the void outlines of objects. */
const VOC_LABELS = labelScheme(
  [
    ...VOC_CLASS_NAMES.map((_, k) => [k, k] as const),
    [SEGMENTATION_IGNORE_LABEL, SEGMENTATION_IGNORE_LABEL],
  ],
  VOC_CLASS_NAMES,
  '0-20 (the classes) or 255 (void)',
);

/**
 * Loads a split of PASCAL VOC 2012 semantic segmentation (1,464 train, 1,449 val images) as a
 * {@link SegmentationFileSet}: images `[N, H, W, 3]` in `[0, 1]`, masks `[N, H, W]` of the 21
 * classes {@link VOC_CLASS_NAMES}, 255 on the void outlines, `oodMask` null.
 *
 * `dir` (default `<dataDir()>/voc`) is the `VOC2012` folder of the `VOCtrainval_11-May-2012.tar`
 * archive, or a folder holding `VOCdevkit/VOC2012` (the archive extracted there):
 * `ImageSets/Segmentation/{split}.txt` lists the image ids, in the order they are read;
 * `JPEGImages/{id}.jpg` is each image and `SegmentationClass/{id}.png` its palette PNG, whose
 * palette index is the class (a greyscale PNG of class ids is read too). VOC's images differ in
 * size (most are 500 pixels on the long side), so pass `size` unless `limit` picks images of
 * one size. Files are not downloaded; missing ones are a `DataError` naming them.
 *
 * Node.js only: `node:fs`, `pngjs` and `jpeg-js` are imported when it runs.
 *
 * @example
 * ```ts
 * const val = await loadVocSegmentation({ dir: '/data/VOCdevkit/VOC2012', split: 'val', size: 128 });
 * val.shape; // [1449, 128, 128, 3]
 * ```
 * @since 0.1.0
 */
export async function loadVocSegmentation(
  opts: SegmentationFilesOptions<'train' | 'val'>,
): Promise<SegmentationFileSet> {
  const fn = 'loadVocSegmentation';
  const ctx = await loaderContext(opts, ['train', 'val'], 'voc', fn);
  const { path } = ctx.node;
  const list = path.join('ImageSets', 'Segmentation', `${ctx.split}.txt`);
  const roots = [ctx.dir, path.join(ctx.dir, 'VOCdevkit', 'VOC2012')];
  const listFile = await findFile(ctx.node, roots, [list]);
  if (listFile === undefined) {
    throw new DataError(
      `${fn}: missing ${list} (looked in ${roots.join(' and ')}). Extract the VOC 2012 ` +
        'trainval archive (VOCtrainval_11-May-2012.tar) and set dir (bench: --data-dir DIR) to ' +
        'its VOC2012 folder',
    );
  }
  const root = roots.find((r) => path.join(r, list) === listFile)!;
  const ids = (await ctx.node.fsPromises.readFile(listFile, 'utf8'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const examples = ids.map((id) => ({
    id,
    image: path.join(root, 'JPEGImages', `${id}.jpg`),
    mask: path.join(root, 'SegmentationClass', `${id}.png`),
  }));
  return readExamples(ctx, examples, VOC_LABELS);
}
