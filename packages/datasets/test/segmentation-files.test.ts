// The segmentation file loaders on small files in the real formats (JPEG, RGB, greyscale and
// palette PNG: see helpers/segmentation-formats.ts), laid out as VOC 2012, Cityscapes and CamVid
// (SegNet) are.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DataError, InvalidArgumentError } from '@uqjs/core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAMVID_CLASS_NAMES,
  CITYSCAPES_CLASS_NAMES,
  checkSegmentationSet,
  loadCamVid,
  loadCityscapes,
  loadVocSegmentation,
  VOC_CLASS_NAMES,
} from '../src/index.js';
import { resizeBilinearRgb, resizeNearest } from '../src/segmentation-files/resize.js';
import { tempDir } from './helpers/env.js';
import {
  greyPng,
  jpegFile as jpegOf,
  palettePng,
  put,
  rgbaImage,
  rgbPng as rgbPngOf,
  VOC_PALETTE,
} from './helpers/segmentation-formats.js';

/** RGB pixel of example `n` at (`r`, `c`), channel `ch`: distinct per channel, smooth in space. */
const rgb = (n: number, r: number, c: number, ch: number) => 40 + 30 * ch + 9 * r + 5 * c + 17 * n;

const rgbaOf = (n: number, h: number, w: number) => rgbaImage(h, w, (r, c, ch) => rgb(n, r, c, ch));
const rgbPng = (n: number, h: number, w: number) => rgbPngOf(rgbaOf(n, h, w), h, w);
const jpegFile = (n: number, h: number, w: number) => jpegOf(rgbaOf(n, h, w), h, w);

/** Runs `call` and returns what it rejected with (or threw). */
async function failure(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const H = 6;
const W = 8;

/** A mask `[H, W]` whose value at pixel `p` is `values[p % values.length]`. */
const maskOf = (values: readonly number[]) =>
  Array.from({ length: H * W }, (_, p) => values[p % values.length]!);

// ---------------------------------------------------------------------------------------------

describe('loadVocSegmentation', () => {
  let dir = '';
  let remove = async () => {};
  const ids = ['2007_000032', '2007_000039', '2008_000001'];
  // Every class and the void label, in a different order per example.
  const labels = [0, 1, 5, 20, 255, 15, 7];
  const masks = ids.map((_, n) => maskOf([...labels.slice(n), ...labels.slice(0, n)]));

  beforeAll(async () => {
    ({ dir, remove } = await tempDir());
    const root = join(dir, 'VOCdevkit', 'VOC2012');
    await put(join(root, 'ImageSets', 'Segmentation', 'train.txt'), `${ids[0]}\n${ids[1]}\n`);
    await put(join(root, 'ImageSets', 'Segmentation', 'val.txt'), `${ids[2]}\r\n\r\n`);
    for (const [n, id] of ids.entries()) {
      await put(join(root, 'JPEGImages', `${id}.jpg`), jpegFile(n, H, W));
      await put(join(root, 'SegmentationClass', `${id}.png`), palettePng(masks[n]!, H, W));
    }
  });
  afterAll(() => remove());

  it('reads the split list, JPEG images and palette indices of the masks', async () => {
    const train = await loadVocSegmentation({ dir, split: 'train' });
    expect(train.shape).toEqual([2, H, W, 3]);
    expect(train.ids).toEqual(ids.slice(0, 2));
    expect(train.numClasses).toBe(21);
    expect(train.classNames).toEqual(VOC_CLASS_NAMES);
    expect(train.classNames[15]).toBe('person');
    expect(train.oodMask).toBeNull();
    expect(Array.from(train.masks)).toEqual([...masks[0]!, ...masks[1]!]);
    checkSegmentationSet(train, 'train', 'test');
    // The pixels are jpeg-js's decoding of the file, divided by 255, channel for channel.
    for (let n = 0; n < 2; n++) {
      const decoded = jpeg.decode(jpegFile(n, H, W), { useTArray: true });
      for (let p = 0; p < H * W; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const got = train.images[(n * H * W + p) * 3 + ch]!;
          // float32 of v / 255 against the double: within float32's half ulp of 1 (6e-8).
          if (Math.abs(got - decoded.data[4 * p + ch]! / 255) > 1e-7) {
            expect(got).toBeCloseTo(decoded.data[4 * p + ch]! / 255, 7);
          }
          // And close to what was encoded (quality 100 moves a smooth image by a few levels):
          // a swapped channel or row would be off by 30 or more.
          const written = rgb(n, Math.floor(p / W), p % W, ch) / 255;
          if (Math.abs(got - written) > 6 / 255) expect(got).toBeCloseTo(written, 2);
        }
      }
    }
    const val = await loadVocSegmentation({ dir: join(dir, 'VOCdevkit', 'VOC2012'), split: 'val' });
    expect(val.ids).toEqual([ids[2]]);
    expect(Array.from(val.masks)).toEqual(masks[2]);
  });

  it('reads the first limit examples and resizes with size', async () => {
    const one = await loadVocSegmentation({ dir, split: 'train', limit: 1 });
    expect(one.ids).toEqual([ids[0]]);
    expect(one.shape).toEqual([1, H, W, 3]);
    const small = await loadVocSegmentation({ dir, split: 'train', size: 4 });
    expect(small.shape).toEqual([2, 4, 4, 3]);
    expect(small.masks.length).toBe(2 * 16);
    // Nearest neighbour: each label is one of the labels written (never a blend).
    for (const v of small.masks) expect(labels).toContain(v);
  });

  it("reads the class from the palette index, whatever the file's palette colours", async () => {
    const other = await tempDir();
    try {
      const root = other.dir;
      await put(join(root, 'ImageSets', 'Segmentation', 'train.txt'), 'a\nb\n');
      await put(join(root, 'JPEGImages', 'a.jpg'), jpegFile(0, H, W));
      await put(join(root, 'JPEGImages', 'b.jpg'), jpegFile(1, H, W));
      // VOC's first 21 colours reversed (index 1 has class 20's colour: a reader going by the
      // colour would read 20), white at 255, and entries 21-254 repeating index 3's colour (a
      // pixel of that colour reads as the lowest index, 3).
      const palette = Array.from({ length: 256 }, (_, i) =>
        i <= 20 ? VOC_PALETTE[20 - i]! : i === 255 ? ([255, 255, 255] as const) : VOC_PALETTE[17]!,
      );
      const indices = maskOf([0, 1, 3, 20, 255, 7]);
      await put(join(root, 'SegmentationClass', 'a.png'), palettePng(indices, H, W, palette));
      // A greyscale mask of class ids (as converted sets store them) is read as well.
      await put(join(root, 'SegmentationClass', 'b.png'), greyPng(maskOf([4, 255, 0]), H, W));
      const train = await loadVocSegmentation({ dir: root, split: 'train' });
      expect(Array.from(train.masks.subarray(0, H * W))).toEqual(indices);
      expect(Array.from(train.masks.subarray(H * W))).toEqual(maskOf([4, 255, 0]));
    } finally {
      await other.remove();
    }
  });

  it('names what is missing or wrong', async () => {
    const empty = await tempDir();
    try {
      const missing = await failure(() => loadVocSegmentation({ dir: empty.dir, split: 'val' }));
      expect(missing).toBeInstanceOf(DataError);
      expect(missing.message).toContain(join('ImageSets', 'Segmentation', 'val.txt'));
      expect(missing.message).toContain(empty.dir);
      const root = empty.dir;
      await put(join(root, 'ImageSets', 'Segmentation', 'train.txt'), 'a\nb\n');
      await put(join(root, 'JPEGImages', 'a.jpg'), jpegFile(0, H, W));
      await put(join(root, 'SegmentationClass', 'a.png'), palettePng(maskOf([0]), H, W));
      // b's image is missing.
      const noImage = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(noImage).toBeInstanceOf(DataError);
      expect(noImage.message).toBe(
        `loadVocSegmentation: ${join(root, 'JPEGImages', 'b.jpg')} is missing`,
      );
      // A label that is no VOC class, named with its file and pixel.
      await put(join(root, 'JPEGImages', 'b.jpg'), jpegFile(1, H, W));
      const bad = maskOf([0]);
      bad[2 * W + 3] = 21;
      await put(join(root, 'SegmentationClass', 'b.png'), palettePng(bad, H, W));
      const outside = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(outside).toBeInstanceOf(DataError);
      expect(outside.message).toBe(
        `loadVocSegmentation: ${join(root, 'SegmentationClass', 'b.png')} holds the label 21 at ` +
          'row 2, column 3; the labels of this set are 0-20 (the classes) or 255 (void)',
      );
      // A mask of another size than its image.
      await put(
        join(root, 'SegmentationClass', 'b.png'),
        palettePng(maskOf([0]).slice(W), H - 1, W),
      );
      const size = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(size).toBeInstanceOf(DataError);
      expect(size.message).toBe(
        `loadVocSegmentation: ${join(root, 'SegmentationClass', 'b.png')} is ${W}x${H - 1} pixels ` +
          `but its image ${join(root, 'JPEGImages', 'b.jpg')} is ${W}x${H}`,
      );
      // Images of different sizes need size.
      await put(join(root, 'JPEGImages', 'b.jpg'), jpegFile(1, H, W + 2));
      const grey = Array.from({ length: H * (W + 2) }, () => 0);
      await put(join(root, 'SegmentationClass', 'b.png'), palettePng(grey, H, W + 2));
      const sizes = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(sizes).toBeInstanceOf(DataError);
      expect(sizes.message).toContain('pass size to resize every example to size x size');
      expect((await loadVocSegmentation({ dir: root, split: 'train', size: 5 })).shape).toEqual([
        2, 5, 5, 3,
      ]);
      // A corrupt JPEG (cut after its first 100 bytes) and a PNG with a broken checksum.
      await put(join(root, 'JPEGImages', 'b.jpg'), jpegFile(1, H, W).subarray(0, 100));
      const jpg = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(jpg).toBeInstanceOf(DataError);
      expect(jpg.message).toContain(
        `loadVocSegmentation: ${join(root, 'JPEGImages', 'b.jpg')} is not a readable JPEG (`,
      );
      await put(join(root, 'JPEGImages', 'b.jpg'), jpegFile(1, H, W));
      const png = palettePng(maskOf([0]), H, W);
      png[png.length - 20]! ^= 0xff; // inside the IDAT chunk: its CRC no longer matches
      await put(join(root, 'SegmentationClass', 'b.png'), png);
      const crc = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(crc).toBeInstanceOf(DataError);
      expect(crc.message).toContain(
        `loadVocSegmentation: ${join(root, 'SegmentationClass', 'b.png')} is not a readable PNG (`,
      );
      // Neither signature, and an RGB mask (no class ids).
      await put(join(root, 'SegmentationClass', 'b.png'), 'not a png');
      const text = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(text.message).toContain('b.png is not a PNG');
      await put(join(root, 'SegmentationClass', 'b.png'), rgbPng(0, H, W));
      const colour = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(colour).toBeInstanceOf(DataError);
      expect(colour.message).toContain('b.png is a 8-bit PNG of colour type 2');
      await put(join(root, 'JPEGImages', 'b.jpg'), 'GIF89a');
      const gif = await failure(() => loadVocSegmentation({ dir: root, split: 'train' }));
      expect(gif.message).toContain('b.jpg is neither a PNG nor a JPEG');
      // An empty split.
      await put(join(root, 'ImageSets', 'Segmentation', 'val.txt'), '\n');
      const none = await failure(() => loadVocSegmentation({ dir: root, split: 'val' }));
      expect(none.message).toBe(`loadVocSegmentation: split 'val' in ${root} lists no examples`);
    } finally {
      await empty.remove();
    }
  });

  it('checks its options, naming each', async () => {
    const cases: [unknown, string][] = [
      [null, 'loadVocSegmentation: opts must be an options object'],
      [
        { dir, split: 'test' },
        "loadVocSegmentation: split must be one of 'train', 'val', got \"test\"",
      ],
      [{ dir }, "loadVocSegmentation: split must be one of 'train', 'val', got undefined"],
      [{ dir, split: 'val', size: 0 }, 'loadVocSegmentation: size must be'],
      [{ dir, split: 'val', size: 2.5 }, 'loadVocSegmentation: size must be'],
      [{ dir, split: 'val', limit: -1 }, 'loadVocSegmentation: limit must be'],
      [{ dir: '', split: 'val' }, 'loadVocSegmentation: dir must be a folder path'],
    ];
    for (const [opts, message] of cases) {
      // biome-ignore lint/suspicious/noExplicitAny: the point is to pass what the types forbid
      const error = await failure(() => loadVocSegmentation(opts as any));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain(message);
    }
  });
});

describe('loadCityscapes', () => {
  let dir = '';
  let remove = async () => {};
  // label id -> train id, from the dataset's label table: 7 road, 8 sidewalk, 11 building,
  // 26 car, 33 bicycle; 0 unlabeled, 9 parking, 14 guard rail, 29 caravan ignored; 255 ignored.
  const labelIds = [7, 8, 11, 26, 33, 0, 9, 14, 29, 255, 24, 23];
  const trainIds = [0, 1, 2, 13, 18, 255, 255, 255, 255, 255, 11, 10];
  const stems = [
    ['aachen', 'aachen_000001_000019'],
    ['aachen', 'aachen_000000_000019'],
    ['bremen', 'bremen_000000_000019'],
  ] as const;

  beforeAll(async () => {
    ({ dir, remove } = await tempDir());
    for (const [n, [city, stem]] of stems.entries()) {
      await put(
        join(dir, 'leftImg8bit', 'train', city, `${stem}_leftImg8bit.png`),
        rgbPng(n, H, W),
      );
      const mask = maskOf([...labelIds.slice(n), ...labelIds.slice(0, n)]);
      await put(
        join(dir, 'gtFine', 'train', city, `${stem}_gtFine_labelIds.png`),
        greyPng(mask, H, W),
      );
      // The other gtFine files beside it are not read.
      await put(join(dir, 'gtFine', 'train', city, `${stem}_gtFine_color.png`), rgbPng(n, H, W));
    }
    // Nor is a file beside the city folders.
    await put(join(dir, 'leftImg8bit', 'train', 'README'), 'cities below');
  });
  afterAll(() => remove());

  it('maps label ids to the 19 train ids and reads cities and files in sorted order', async () => {
    const train = await loadCityscapes({ dir, split: 'train' });
    expect(train.ids).toEqual([
      'aachen/aachen_000000_000019',
      'aachen/aachen_000001_000019',
      'bremen/bremen_000000_000019',
    ]);
    expect(train.classNames).toEqual(CITYSCAPES_CLASS_NAMES);
    expect(train.numClasses).toBe(19);
    expect(train.classNames[13]).toBe('car');
    // File order: aachen_000000 was written as example 1, aachen_000001 as 0.
    const written = [1, 0, 2];
    for (const [i, n] of written.entries()) {
      const expected = maskOf([...trainIds.slice(n), ...trainIds.slice(0, n)]);
      expect(Array.from(train.masks.subarray(i * H * W, (i + 1) * H * W))).toEqual(expected);
      // Lossless PNG: exactly the written values over 255 (as float32).
      for (let p = 0; p < H * W; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const want = Math.fround(rgb(n, Math.floor(p / W), p % W, ch) / 255);
          const got = train.images[(i * H * W + p) * 3 + ch];
          if (got !== want) expect(got).toBe(want);
        }
      }
    }
    checkSegmentationSet(train, 'train', 'test');
  });

  it('names a missing split folder, a missing mask and a label id past 33', async () => {
    const val = await failure(() => loadCityscapes({ dir, split: 'val' }));
    expect(val).toBeInstanceOf(DataError);
    expect(val.message).toContain(`cannot list ${join(dir, 'leftImg8bit', 'val')}`);
    const other = await tempDir();
    try {
      const image = join(
        other.dir,
        'leftImg8bit',
        'val',
        'lindau',
        'lindau_000000_000019_leftImg8bit.png',
      );
      const mask = join(
        other.dir,
        'gtFine',
        'val',
        'lindau',
        'lindau_000000_000019_gtFine_labelIds.png',
      );
      await put(image, rgbPng(0, H, W));
      const noMask = await failure(() => loadCityscapes({ dir: other.dir, split: 'val' }));
      expect(noMask.message).toBe(`loadCityscapes: ${mask} is missing`);
      await put(mask, greyPng(maskOf([7, 34]), H, W));
      const past = await failure(() => loadCityscapes({ dir: other.dir, split: 'val' }));
      expect(past).toBeInstanceOf(DataError);
      expect(past.message).toBe(
        `loadCityscapes: ${mask} holds the label 34 at row 0, column 1; the labels of this set ` +
          'are the label ids 0-33 (or 255)',
      );
    } finally {
      await other.remove();
    }
  });
});

describe('loadCamVid', () => {
  it('reads the SegNet layout, class 11 (unlabelled) as 255', async () => {
    const { dir, remove } = await tempDir();
    try {
      const names = ['0001TP_008550.png', 'Seq05VD_f00000.png'];
      const values = [0, 3, 10, 11, 255, 8];
      for (const [n, name] of names.entries()) {
        await put(join(dir, 'test', name), rgbPng(n, H, W));
        await put(join(dir, 'testannot', name), greyPng(maskOf(values), H, W));
      }
      await put(join(dir, 'test', 'README.txt'), 'not an image');
      const test = await loadCamVid({ dir, split: 'test' });
      expect(test.ids).toEqual(['0001TP_008550', 'Seq05VD_f00000']);
      expect(test.classNames).toEqual(CAMVID_CLASS_NAMES);
      expect(test.numClasses).toBe(11);
      expect(Array.from(test.masks.subarray(0, 6))).toEqual([0, 3, 10, 255, 255, 8]);
      checkSegmentationSet(test, 'test', 'test');
      const train = await failure(() => loadCamVid({ dir, split: 'train' }));
      expect(train).toBeInstanceOf(DataError);
      expect(train.message).toContain(`cannot list ${join(dir, 'train')}`);
      await put(join(dir, 'testannot', names[1]!), greyPng(maskOf([12]), H, W));
      const twelve = await failure(() => loadCamVid({ dir, split: 'test' }));
      expect(twelve.message).toContain(`${join(dir, 'testannot', names[1]!)} holds the label 12`);
      // A size whose arrays cannot exist (2 x 1e8 x 1e8 x 3 values) is refused, naming size.
      const huge = await failure(() => loadCamVid({ dir, split: 'test', size: 1e8 }));
      expect(huge).toBeInstanceOf(InvalidArgumentError);
      expect(huge.message).toContain('loadCamVid: size must be small enough for 2 images');
    } finally {
      await remove();
    }
  });
});

describe('the default folder', () => {
  it('is <dataDir()>/camvid (and voc, cityscapes), named when it is missing', async () => {
    const { dir, remove } = await tempDir();
    const saved = process.env.UQJS_DATA_DIR;
    process.env.UQJS_DATA_DIR = dir;
    try {
      const camvid = await failure(() => loadCamVid({ split: 'val' }));
      expect(camvid.message).toContain(`cannot list ${join(dir, 'camvid', 'val')}`);
      const city = await failure(() => loadCityscapes({ split: 'val' }));
      expect(city.message).toContain(
        `cannot list ${join(dir, 'cityscapes', 'leftImg8bit', 'val')}`,
      );
      const voc = await failure(() => loadVocSegmentation({ split: 'val' }));
      expect(voc.message).toContain(`(looked in ${join(dir, 'voc')} and `);
    } finally {
      if (saved === undefined) delete process.env.UQJS_DATA_DIR;
      else process.env.UQJS_DATA_DIR = saved;
      await remove();
    }
  });
});

describe('resizing', () => {
  it('bilinear with half-pixel centres equals tf.image.resizeBilinear(halfPixelCenters)', async () => {
    const h = 5;
    const w = 7;
    const rgba = new Uint8Array(h * w * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + 11) % 256;
    for (const [outH, outW] of [
      [3, 3],
      [10, 4],
      [5, 7],
      [1, 1],
    ] as const) {
      const out = new Float32Array(outH * outW * 3 + 2);
      resizeBilinearRgb(rgba, h, w, outH, outW, out, 2);
      // The reference: the RGB channels as float32 [h, w, 3].
      const reference = tf.tidy(() => {
        const x = tf.slice(tf.tensor3d(rgba, [h, w, 4], 'float32'), [0, 0, 0], [h, w, 3]);
        return tf.div(tf.image.resizeBilinear(x, [outH, outW], false, true), 255);
      });
      const want = await reference.data();
      reference.dispose();
      // Both interpolate values <= 255 in float: tf in float32 (relative error ~6e-8 per step,
      // a handful of steps), ours in double; 1e-5 of the [0, 1] range is far above that and far
      // below one grey level (1/255 = 4e-3).
      for (let i = 0; i < want.length; i++) {
        if (Math.abs(out[2 + i]! - want[i]!) > 1e-5) expect(out[2 + i]).toBeCloseTo(want[i]!, 5);
      }
      expect(out[0]).toBe(0);
      expect(out[1]).toBe(0);
    }
  });

  it('copies exactly at the same size and halves by averaging 2x2 blocks', () => {
    const h = 4;
    const w = 6;
    const rgba = new Uint8Array(h * w * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 53) % 256;
    const same = new Float32Array(h * w * 3);
    resizeBilinearRgb(rgba, h, w, h, w, same, 0);
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < 3; ch++)
        expect(same[3 * p + ch]).toBe(Math.fround(rgba[4 * p + ch]! / 255));
    }
    // Output pixel d of a halved axis sits at 2d + 0.5: the mean of source pixels 2d and 2d+1.
    const half = new Float32Array((h / 2) * (w / 2) * 3);
    resizeBilinearRgb(rgba, h, w, h / 2, w / 2, half, 0);
    for (let y = 0; y < h / 2; y++) {
      for (let x = 0; x < w / 2; x++) {
        for (let ch = 0; ch < 3; ch++) {
          const at = (r: number, c: number) => rgba[4 * (r * w + c) + ch]!;
          const mean =
            (at(2 * y, 2 * x) +
              at(2 * y, 2 * x + 1) +
              at(2 * y + 1, 2 * x) +
              at(2 * y + 1, 2 * x + 1)) /
            4 /
            255;
          expect(half[3 * (y * (w / 2) + x) + ch]).toBeCloseTo(mean, 6);
        }
      }
    }
  });

  it('nearest neighbour picks the source pixel whose cell holds the centre', async () => {
    const h = 4;
    const w = 6;
    const mask = Uint8Array.from({ length: h * w }, (_, i) => i);
    // Halving picks 2d + 1 (the centre 2d + 1 sits on that pixel's left edge, floor takes it).
    const half = new Uint8Array(6);
    resizeNearest(mask, h, w, 2, 3, half, 0);
    expect(Array.from(half)).toEqual([
      1 * w + 1,
      1 * w + 3,
      1 * w + 5,
      3 * w + 1,
      3 * w + 3,
      3 * w + 5,
    ]);
    // Doubling repeats each pixel twice on each axis.
    const double = new Uint8Array(8 * 12);
    resizeNearest(mask, h, w, 8, 12, double, 0);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 12; x++) expect(double[y * 12 + x]).toBe(mask[(y >> 1) * w + (x >> 1)]);
    }
    // And tf.image.resizeNearestNeighbor with half-pixel centres agrees on an odd ratio.
    const odd = new Uint8Array(5 * 4);
    resizeNearest(mask, h, w, 5, 4, odd, 0);
    const reference = tf.tidy(() =>
      tf.image.resizeNearestNeighbor(tf.tensor3d(mask, [h, w, 1], 'int32'), [5, 4], false, true),
    );
    expect(Array.from(odd)).toEqual(Array.from(await reference.data()));
    reference.dispose();
  });
});
