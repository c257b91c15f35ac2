// How fast the segmentation loaders decode and resize files of the real sets' sizes: VOC
// (500 x 375 JPEG images, masks as 8-bit PNGs of class ids) and Cityscapes (2048 x 1024 RGB PNG,
// greyscale label ids). Writes seeded, textured files (~40 MB) to a temp folder with pngjs and
// jpeg-js, times loadVocSegmentation and loadCityscapes, removes the folder.
//
// Run from the repository root after building the package:
//   (cd packages/datasets && npx tsc -p tsconfig.build.json) && node packages/datasets/bench/segmentation-files.mjs [--json FILE]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { writeJson } from '../../../tools/perf/bench-kit.mjs';
import { loadCityscapes, loadVocSegmentation } from '../dist/index.js';

const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });

/** `[h, w, 4]` RGBA bytes: smooth gradients plus xorshift noise, so the codecs do real work. */
function texture(h, w, seed) {
  let state = (seed + 1) * 0x9e3779b9;
  const data = Buffer.alloc(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    const [r, c] = [Math.floor(p / w), p % w];
    for (let ch = 0; ch < 3; ch++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      data[4 * p + ch] = Math.min(
        255,
        ((r * (ch + 1) + c * (3 - ch)) % 200) + ((state >>> 0) % 56),
      );
    }
    data[4 * p + 3] = 255;
  }
  return data;
}

/** Class ids in blocks of 16 x 16 pixels cycling through `labels`, as a greyscale PNG. */
function labelPng(h, w, labels) {
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < h * w; p++) {
    const block = Math.floor(Math.floor(p / w) / 16) * 1000 + Math.floor((p % w) / 16);
    const v = labels[block % labels.length];
    png.data.set([v, v, v, 255], 4 * p);
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6 });
}

function rgbPng(rgba, h, w) {
  const png = new PNG({ width: w, height: h });
  png.data.set(rgba);
  return PNG.sync.write(png, { colorType: 2 });
}

async function put(file, bytes) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bytes);
}

async function timed(call) {
  const start = performance.now();
  const result = await call();
  return [result, (performance.now() - start) / 1000];
}

const root = await mkdtemp(join(tmpdir(), 'uqjs-segmentation-files-'));
const results = {};
try {
  const voc = join(root, 'voc');
  const ids = Array.from({ length: 40 }, (_, i) => `2012_${String(i).padStart(6, '0')}`);
  await put(join(voc, 'ImageSets', 'Segmentation', 'train.txt'), ids.join('\n'));
  for (const [i, id] of ids.entries()) {
    const image = jpeg.encode({ data: texture(375, 500, i), width: 500, height: 375 }, 90).data;
    await put(join(voc, 'JPEGImages', `${id}.jpg`), image);
    await put(join(voc, 'SegmentationClass', `${id}.png`), labelPng(375, 500, [0, 15, 255, 7]));
  }
  const [vocSet, vocSeconds] = await timed(() =>
    loadVocSegmentation({ dir: voc, split: 'train', size: 128 }),
  );
  results.voc = { images: vocSet.shape[0], size: 128, seconds: vocSeconds };
  console.log(
    `VOC 500x375 -> 128: ${ids.length} images in ${vocSeconds.toFixed(2)} s ` +
      `(${((1000 * vocSeconds) / ids.length).toFixed(1)} ms each)`,
  );

  const city = join(root, 'cityscapes');
  const n = 8;
  for (let i = 0; i < n; i++) {
    const stem = `aachen_${String(i).padStart(6, '0')}_000019`;
    await put(
      join(city, 'leftImg8bit', 'val', 'aachen', `${stem}_leftImg8bit.png`),
      rgbPng(texture(1024, 2048, i), 1024, 2048),
    );
    await put(
      join(city, 'gtFine', 'val', 'aachen', `${stem}_gtFine_labelIds.png`),
      labelPng(1024, 2048, [7, 26, 0, 23]),
    );
  }
  const [citySet, citySeconds] = await timed(() =>
    loadCityscapes({ dir: city, split: 'val', size: 256 }),
  );
  results.cityscapes = { images: citySet.shape[0], size: 256, seconds: citySeconds };
  console.log(
    `Cityscapes 2048x1024 -> 256: ${n} images in ${citySeconds.toFixed(2)} s ` +
      `(${((1000 * citySeconds) / n).toFixed(0)} ms each)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
if (flags.json !== undefined) writeJson(flags.json, results);
