// How fast the segmentation loaders decode and resize files of the real sets' sizes: VOC
// (500x375 JPEG, palette PNG masks) and Cityscapes (2048x1024 RGB PNG, greyscale label ids).
// Opt-in (it writes ~40 MB of files and takes tens of seconds):
//   cd packages/datasets && UQJS_SEGMENTATION_SPEED=1 npx vitest run --config ../../vitest.config.ts test/segmentation-files-speed.test.ts
import { join } from 'node:path';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { loadCityscapes, loadVocSegmentation } from '../src/index.js';
import { tempDir } from './helpers/env.js';
import {
  greyPng,
  jpegFile,
  palettePng,
  put,
  rgbaImage,
  rgbPng,
} from './helpers/segmentation-formats.js';

/** A textured image (smooth gradients plus noise, so the codecs do real work), seeded. */
function texture(h: number, w: number, seed: number): Buffer {
  const rng = new Rng(seed);
  return rgbaImage(h, w, (r, c, ch) =>
    Math.min(255, Math.floor(((r * (ch + 1) + c * (3 - ch)) % 200) + 55 * rng.uniform())),
  );
}

/** Blocks of 16x16 pixels with labels cycling through `labels`. */
function blocks(h: number, w: number, labels: readonly number[]): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let p = 0; p < h * w; p++) {
    const block = Math.floor(Math.floor(p / w) / 16) * 1000 + Math.floor((p % w) / 16);
    out[p] = labels[block % labels.length]!;
  }
  return out;
}

async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await call();
  return [result, (performance.now() - start) / 1000];
}

describe.skipIf(process.env.UQJS_SEGMENTATION_SPEED !== '1')('segmentation loaders, speed', () => {
  it('VOC: 40 images of 500x375 (JPEG + palette PNG) to 128x128', async () => {
    const { dir, remove } = await tempDir();
    try {
      const n = 40;
      const ids = Array.from({ length: n }, (_, i) => `2012_${String(i).padStart(6, '0')}`);
      await put(join(dir, 'ImageSets', 'Segmentation', 'train.txt'), ids.join('\n'));
      for (const [i, id] of ids.entries()) {
        await put(
          join(dir, 'JPEGImages', `${id}.jpg`),
          jpegFile(texture(375, 500, i), 375, 500, 90),
        );
        await put(
          join(dir, 'SegmentationClass', `${id}.png`),
          palettePng(blocks(375, 500, [0, 15, 255, 7]), 375, 500),
        );
      }
      const [set, seconds] = await timed(() =>
        loadVocSegmentation({ dir, split: 'train', size: 128 }),
      );
      expect(set.shape).toEqual([n, 128, 128, 3]);
      console.log(
        `VOC 500x375 -> 128: ${n} images in ${seconds.toFixed(2)} s (${((1000 * seconds) / n).toFixed(1)} ms each)`,
      );
    } finally {
      await remove();
    }
  });

  it('Cityscapes: 8 images of 2048x1024 (RGB PNG + grey label ids) to 256x256', async () => {
    const { dir, remove } = await tempDir();
    try {
      const n = 8;
      for (let i = 0; i < n; i++) {
        const stem = `aachen_${String(i).padStart(6, '0')}_000019`;
        await put(
          join(dir, 'leftImg8bit', 'val', 'aachen', `${stem}_leftImg8bit.png`),
          rgbPng(texture(1024, 2048, i), 1024, 2048),
        );
        await put(
          join(dir, 'gtFine', 'val', 'aachen', `${stem}_gtFine_labelIds.png`),
          greyPng(blocks(1024, 2048, [7, 26, 0, 23]), 1024, 2048),
        );
      }
      const [set, seconds] = await timed(() => loadCityscapes({ dir, split: 'val', size: 256 }));
      expect(set.shape).toEqual([n, 256, 256, 3]);
      console.log(
        `Cityscapes 2048x1024 -> 256: ${n} images in ${seconds.toFixed(2)} s (${((1000 * seconds) / n).toFixed(0)} ms each)`,
      );
    } finally {
      await remove();
    }
  });
});
