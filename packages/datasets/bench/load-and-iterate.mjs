// Loader and iterator speed on a full-size CIFAR-10: writes synthetic files in the real binary
// format (5 x 10,000 training records, 10,000 test records, 3073 bytes each) to a temp folder,
// times loadCifar10 into the compact uint8 form, then one shuffled epoch of the batch iterator
// as typed arrays and as tensors. Targets (issue 7): load < 3 s, iterator > 20,000 images/s.
//
// Run from the repository root after building the package:
//   (cd packages/datasets && npx tsc -p tsconfig.build.json) && node packages/datasets/bench/load-and-iterate.mjs [--json FILE]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { median, writeJson } from '../../../tools/perf/bench-kit.mjs';
import { loadCifar10 } from '../dist/index.js';

const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });

const RECORD = 3073;
const PER_FILE = 10_000;
const BATCH = 128;
const REPEATS = 3;

/** One batch file of `PER_FILE` records with labels `i mod 10` and pseudo-random pixels. */
function batchFile(seed) {
  const bytes = new Uint8Array(PER_FILE * RECORD);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  for (let r = 0; r < PER_FILE; r++) bytes[r * RECORD] = r % 10;
  return bytes;
}

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

const result = {};
const dir = await mkdtemp(join(tmpdir(), 'uqjs-cifar-bench-'));
try {
  const folder = join(dir, 'cifar-10-batches-bin');
  await mkdir(folder);
  for (let b = 1; b <= 5; b++) await writeFile(join(folder, `data_batch_${b}.bin`), batchFile(b));
  await writeFile(join(folder, 'test_batch.bin'), batchFile(99));

  const loadTimes = [];
  let train;
  for (let i = 0; i < REPEATS; i++) {
    const start = process.hrtime.bigint();
    ({ train } = await loadCifar10({ dir }));
    loadTimes.push(seconds(start));
  }
  console.log(
    `loadCifar10 (50,000 train + 10,000 test records, 184 MB, files in the page cache): ` +
      `${median(loadTimes).toFixed(2)} s median of ${REPEATS} (${loadTimes.map((t) => t.toFixed(2)).join(', ')}); target < 3 s`,
  );
  result.loadSeconds = median(loadTimes);
  console.log(`  train: shape [${train.shape.join(', ')}], ${train.images.constructor.name}`);

  const epoch = (run) => {
    const times = [];
    for (let i = 0; i < REPEATS; i++) {
      const start = process.hrtime.bigint();
      const images = run(i);
      times.push(images / seconds(start));
    }
    return median(times);
  };

  const arrayRate = epoch((seed) => {
    let images = 0;
    for (const batch of train.arrayBatches({ batchSize: BATCH, shuffle: true, seed })) {
      images += batch.y.length;
    }
    return images;
  });
  result.arrayBatchesImagesPerSecond = arrayRate;
  console.log(
    `arrayBatches, batch ${BATCH}, shuffled, [B, 32, 32, 3] float32 in [0, 1]: ` +
      `${Math.round(arrayRate).toLocaleString('en-US')} images/s (median of ${REPEATS} epochs); target > 20,000`,
  );

  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    const rate = epoch((seed) => {
      let images = 0;
      for (const { x, y } of train.batches({ batchSize: BATCH, shuffle: true, seed })) {
        images += x.shape[0];
        tf.dispose([x, y]);
      }
      return images;
    });
    result[`${backend}TensorBatchesImagesPerSecond`] = rate;
    console.log(
      `batches as tensors (${backend} backend), batch ${BATCH}, shuffled: ` +
        `${Math.round(rate).toLocaleString('en-US')} images/s (median of ${REPEATS} epochs)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
writeJson(flags.json, result);
