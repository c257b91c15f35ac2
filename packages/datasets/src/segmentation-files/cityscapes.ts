import { SEGMENTATION_IGNORE_LABEL } from '../segmentation-set.js';
import {
  type ExampleFiles,
  labelScheme,
  listFolder,
  loaderContext,
  readExamples,
  type SegmentationFileSet,
  type SegmentationFilesOptions,
} from './load-pairs.js';

/**
 * The 19 classes Cityscapes is evaluated on (its "train ids" 0-18), in class-id order.
 *
 * @since 0.1.0
 */
export const CITYSCAPES_CLASS_NAMES: readonly string[] = Object.freeze([
  'road',
  'sidewalk',
  'building',
  'wall',
  'fence',
  'pole',
  'traffic light',
  'traffic sign',
  'vegetation',
  'terrain',
  'sky',
  'person',
  'rider',
  'car',
  'truck',
  'bus',
  'train',
  'motorcycle',
  'bicycle',
]);

/**
 * The label id of each train id, from the dataset's label table (`cityscapesScripts`'
 * `labels.py`): road is label 7, sidewalk 8, ..., bicycle 33. The other label ids 0-33
 * (unlabeled, ego vehicle, ground, parking, rail track, guard rail, bridge, tunnel, polegroup,
 * caravan, trailer, ...) are ignored, as in the official evaluation.
 */
const LABEL_ID_OF_TRAIN_ID = [
  7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33,
];

const CITYSCAPES_LABELS = labelScheme(
  [
    ...Array.from({ length: 34 }, (_, id) => [id, SEGMENTATION_IGNORE_LABEL] as const),
    // 255 is no label id, but masks converted by other tools write it for "ignore".
    [SEGMENTATION_IGNORE_LABEL, SEGMENTATION_IGNORE_LABEL],
    ...LABEL_ID_OF_TRAIN_ID.map((id, trainId) => [id, trainId] as const),
  ],
  CITYSCAPES_CLASS_NAMES,
  'the label ids 0-33 (or 255)',
);

const IMAGE_SUFFIX = '_leftImg8bit.png';
const MASK_SUFFIX = '_gtFine_labelIds.png';

/**
 * Loads a split of Cityscapes' fine annotations (2,975 train, 500 val images of 2048x1024) as a
 * {@link SegmentationFileSet}: images `[N, H, W, 3]` in `[0, 1]`, masks `[N, H, W]` of the 19
 * evaluated classes {@link CITYSCAPES_CLASS_NAMES} (the label ids mapped to train ids, every
 * other label 255), `oodMask` null.
 *
 * `dir` (default `<dataDir()>/cityscapes`) holds the two extracted packages
 * `leftImg8bit_trainvaltest.zip` and `gtFine_trainvaltest.zip`:
 * `leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png` and
 * `gtFine/{split}/{city}/{stem}_gtFine_labelIds.png` (greyscale label ids). Examples are read
 * city by city, both in sorted order; ids are `{city}/{stem}`. A full split is large
 * (2,975 x 2048 x 1024 x 3 float32 values are 75 GB): pass `size` (and `limit`). Files are not
 * downloaded (the dataset's site asks for a login); missing ones are a `DataError` naming them.
 *
 * Node.js only: `node:fs` and `pngjs` are imported when it runs.
 *
 * @example
 * ```ts
 * const val = await loadCityscapes({ dir: '/data/cityscapes', split: 'val', size: 256, limit: 100 });
 * val.shape; // [100, 256, 256, 3]
 * ```
 * @since 0.1.0
 */
export async function loadCityscapes(
  opts: SegmentationFilesOptions<'train' | 'val'>,
): Promise<SegmentationFileSet> {
  const fn = 'loadCityscapes';
  const ctx = await loaderContext(opts, ['train', 'val'], 'cityscapes', fn);
  const { path } = ctx.node;
  const imageRoot = path.join(ctx.dir, 'leftImg8bit', ctx.split);
  const maskRoot = path.join(ctx.dir, 'gtFine', ctx.split);
  const layout = `leftImg8bit/${ctx.split}/{city}/*${IMAGE_SUFFIX} with gtFine/${ctx.split}/{city}/*${MASK_SUFFIX} under ${ctx.dir}`;
  const examples: ExampleFiles[] = [];
  for (const city of await listFolder(ctx.node, imageRoot, layout, fn)) {
    // stat follows links (a linked city folder counts); a stray file beside the cities is skipped.
    const isFolder = await ctx.node.fsPromises.stat(path.join(imageRoot, city)).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!isFolder) continue;
    const names = await listFolder(ctx.node, path.join(imageRoot, city), layout, fn);
    for (const name of names.filter((file) => file.endsWith(IMAGE_SUFFIX))) {
      const stem = name.slice(0, -IMAGE_SUFFIX.length);
      examples.push({
        id: `${city}/${stem}`,
        image: path.join(imageRoot, city, name),
        mask: path.join(maskRoot, city, `${stem}${MASK_SUFFIX}`),
      });
    }
  }
  return readExamples(ctx, examples, CITYSCAPES_LABELS);
}
