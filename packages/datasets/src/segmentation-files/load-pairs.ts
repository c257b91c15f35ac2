import { checkOneOf, checkPositiveInteger, DataError, InvalidArgumentError } from '@uqjs/core';
import { dataDirWith } from '../data-dir.js';
import { type NodeModules, nodeModules } from '../node-modules.js';
import { checkOptions } from '../options.js';
import type { SegmentationSet } from '../segmentation-set.js';
import { type Codecs, decodeImage, decodeMask, importCodecs } from './codecs.js';
import { resizeBilinearRgb, resizeNearest } from './resize.js';

/**
 * Options of the segmentation file loaders ({@link loadVocSegmentation}, {@link loadCityscapes},
 * {@link loadCamVid}).
 *
 * @since 0.1.0
 */
export interface SegmentationFilesOptions<Split extends string> {
  /** The dataset's folder (the layout of each loader's JSDoc). Default `<dataDir()>/<name>`. */
  readonly dir?: string;
  /** Which split to read. */
  readonly split: Split;
  /**
   * Resize every example to `size x size`, stretched (the aspect ratio is not kept): images
   * bilinear, masks nearest neighbour, both with half-pixel centres and, as
   * `tf.image.resizeBilinear`, no antialiasing. Left out, the examples keep their size, which
   * must then be the same for all of them.
   */
  readonly size?: number;
  /** Read at most the first `limit` examples of the split (in the order its loader's JSDoc gives). */
  readonly limit?: number;
}

/**
 * A split read from files: a {@link SegmentationSet} (with `oodMask` null: the real sets hold
 * no held-out class) and the id of each example.
 *
 * @since 0.1.0
 */
export interface SegmentationFileSet extends SegmentationSet {
  /** `[N]` example ids, e.g. VOC's `2007_000032` or Cityscapes' `frankfurt/frankfurt_000000_000294`. */
  readonly ids: readonly string[];
  readonly oodMask: null;
}

/** The options after their checks, with the Node modules and decoders the loader uses. */
export interface LoaderContext<Split extends string> {
  readonly fn: string;
  readonly node: NodeModules;
  readonly codecs: Codecs;
  readonly dir: string;
  readonly split: Split;
  readonly size: number | undefined;
  readonly limit: number | undefined;
}

/**
 * Checks a loader's options and imports what it needs. `name` is the folder under
 * `dataDir()` that `dir` defaults to.
 */
export async function loaderContext<const Split extends string>(
  options: SegmentationFilesOptions<Split>,
  splits: readonly Split[],
  name: string,
  fn: string,
): Promise<LoaderContext<Split>> {
  const opts = checkOptions(
    options as SegmentationFilesOptions<Split> | undefined,
    'opts',
    fn,
    `an options object { split: ${splits.map((s) => `'${s}'`).join(' | ')}, dir?, size?, limit? }`,
  );
  const split = checkOneOf(opts.split, splits, 'split', fn);
  const size = opts.size === undefined ? undefined : checkPositiveInteger(opts.size, 'size', fn);
  const limit =
    opts.limit === undefined ? undefined : checkPositiveInteger(opts.limit, 'limit', fn);
  if (opts.dir !== undefined && (typeof opts.dir !== 'string' || opts.dir === '')) {
    throw new InvalidArgumentError({
      fn,
      argument: 'dir',
      expected: 'a folder path (or left out)',
      given: opts.dir,
    });
  }
  const [node, codecs] = await Promise.all([nodeModules(fn), importCodecs(fn)]);
  const dir = opts.dir ?? node.path.join(dataDirWith(node), name);
  return { fn, node, codecs, dir, split, size, limit };
}

/** The sorted entries of a folder the layout requires; a missing one is a `DataError`. */
export async function listFolder(
  { fsPromises }: NodeModules,
  folder: string,
  layout: string,
  fn: string,
): Promise<string[]> {
  try {
    return (await fsPromises.readdir(folder)).sort();
  } catch (error) {
    throw new DataError(
      `${fn}: cannot list ${folder} (${(error as Error).message}); expected the layout ${layout}`,
    );
  }
}

/** One example's files. */
export interface ExampleFiles {
  readonly id: string;
  readonly image: string;
  readonly mask: string;
}

/**
 * How a dataset's mask values become class ids: `table[v]` is the class of raw value `v`,
 * 255 (`SEGMENTATION_IGNORE_LABEL`) for ignored values, `-1` for values the dataset never
 * writes (a `DataError` naming the file and pixel).
 */
export interface LabelScheme {
  /** `[256]` class id per raw mask value, 255 = ignore, -1 = not a label of the set. */
  readonly table: Int16Array;
  readonly classNames: readonly string[];
  /** The valid raw values in words, for the error, e.g. `'0-20 or 255'`. */
  readonly valid: string;
}

/**
 * Reads the examples (after `limit`) one at a time into one {@link SegmentationFileSet}:
 * images `[N, H, W, 3]` in `[0, 1]`, masks mapped by `labels`, both resized when `size` is
 * set. Missing, corrupt or mismatched files are a `DataError` naming the file.
 */
export async function readExamples(
  ctx: LoaderContext<string>,
  examples: readonly ExampleFiles[],
  labels: LabelScheme,
): Promise<SegmentationFileSet> {
  const { fn, node, codecs, size } = ctx;
  const chosen = ctx.limit === undefined ? examples : examples.slice(0, ctx.limit);
  if (chosen.length === 0) {
    throw new DataError(`${fn}: split '${ctx.split}' in ${ctx.dir} lists no examples`);
  }
  const n = chosen.length;
  let outH = 0;
  let outW = 0;
  let images: Float32Array = new Float32Array(0);
  let masks: Uint8Array = new Uint8Array(0);
  let first = '';
  for (const [i, example] of chosen.entries()) {
    const rgba = decodeImage(codecs, await readBytes(node, example.image, fn), example.image, fn);
    const raw = decodeMask(codecs, await readBytes(node, example.mask, fn), example.mask, fn);
    if (raw.width !== rgba.width || raw.height !== rgba.height) {
      throw new DataError(
        `${fn}: ${example.mask} is ${raw.width}x${raw.height} pixels but its image ` +
          `${example.image} is ${rgba.width}x${rgba.height}`,
      );
    }
    if (i === 0) {
      outH = size ?? rgba.height;
      outW = size ?? rgba.width;
      first = example.image;
      [images, masks] = allocate(n, outH, outW, fn);
    } else if (size === undefined && (rgba.height !== outH || rgba.width !== outW)) {
      throw new DataError(
        `${fn}: ${example.image} is ${rgba.width}x${rgba.height} pixels but ${first} is ` +
          `${outW}x${outH}; pass size to resize every example to size x size`,
      );
    }
    const classes = mapLabels(raw.values, raw.width, labels, example.mask, fn);
    resizeBilinearRgb(rgba.data, rgba.height, rgba.width, outH, outW, images, i * outH * outW * 3);
    resizeNearest(classes, raw.height, raw.width, outH, outW, masks, i * outH * outW);
  }
  return {
    images,
    shape: [n, outH, outW, 3],
    masks,
    oodMask: null,
    numClasses: labels.classNames.length,
    classNames: labels.classNames,
    ids: chosen.map((e) => e.id),
  };
}

async function readBytes({ fsPromises }: NodeModules, file: string, fn: string) {
  try {
    return await fsPromises.readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${(error as Error).message})`;
    throw new DataError(`${fn}: ${file} ${why}`);
  }
}

/** Float32 images `[N, H, W, 3]` and uint8 masks `[N, H, W]`, or an error saying what fits. */
function allocate(n: number, h: number, w: number, fn: string): [Float32Array, Uint8Array] {
  try {
    return [new Float32Array(n * h * w * 3), new Uint8Array(n * h * w)];
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new InvalidArgumentError({
      fn,
      argument: 'size',
      expected:
        `small enough for ${n} images of that size to fit in memory (${n} x ${h} x ${w} x 3 ` +
        'float32 values could not be allocated); pass a smaller size or a limit',
      given: h === w ? h : `${w}x${h}`,
    });
  }
}

function mapLabels(
  values: Uint8Array,
  width: number,
  labels: LabelScheme,
  file: string,
  fn: string,
): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let p = 0; p < values.length; p++) {
    const v = values[p]!;
    const c = labels.table[v]!;
    if (c < 0) {
      throw new DataError(
        `${fn}: ${file} holds the label ${v} at row ${Math.floor(p / width)}, column ` +
          `${p % width}; the labels of this set are ${labels.valid}`,
      );
    }
    out[p] = c;
  }
  return out;
}

/**
 * A {@link LabelScheme} from `[raw value, class id]` pairs (class id 255 for ignored values);
 * every other raw value is refused.
 */
export function labelScheme(
  pairs: Iterable<readonly [number, number]>,
  classNames: readonly string[],
  valid: string,
): LabelScheme {
  const table = new Int16Array(256).fill(-1);
  for (const [raw, id] of pairs) table[raw] = id;
  return { table, classNames: Object.freeze([...classNames]), valid };
}
