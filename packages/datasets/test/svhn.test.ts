import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DataError } from '@uqjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSvhn, SVHN_MIRROR } from '../src/index.js';
import { loadSvhnWith } from '../src/svhn.js';
import { VERIFIED_FILE } from '../src/verified.js';
import { digest, serveFiles, tempDir } from './helpers/env.js';
import { concat, type MatVariable, MI, MX, matFile } from './helpers/formats.js';

/** MATLAB `X(r, c, ch, n)` of the test files. */
const value = (r: number, c: number, ch: number, n: number) =>
  (5 * r + 9 * c + 70 * ch + 17 * n) % 256;

/**
 * A format-2 file the way MATLAB writes it: compressed `X` (uint8 32x32x3xN, column-major) and
 * `y` (class double stored as miUINT8, values 1-10).
 */
function svhnFile(labels: readonly number[], overrides: Partial<MatVariable> = {}): Uint8Array {
  const n = labels.length;
  const x = new Uint8Array(3072 * n);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let c = 0; c < 32; c++) {
        for (let r = 0; r < 32; r++) x[r + 32 * c + 1024 * ch + 3072 * i] = value(r, c, ch, i);
      }
    }
  }
  return matFile([
    {
      name: 'X',
      classId: MX.UINT8,
      dims: [32, 32, 3, n],
      values: x,
      storeAs: MI.UINT8,
      compress: true,
      ...overrides,
    },
    {
      name: 'y',
      classId: MX.DOUBLE,
      dims: [n, 1],
      values: labels,
      storeAs: MI.UINT8,
      compress: true,
    },
  ]);
}

async function writeAll(dir: string, files: Record<string, Uint8Array>) {
  await Promise.all(Object.entries(files).map(([name, b]) => writeFile(join(dir, name), b)));
}

/** The MD5s of the test's own files: the loader checks every file against one. */
function md5s(files: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, b]) => [name, digest('md5', b)]));
}

describe('loadSvhn', () => {
  it('reads format-2 files into [N, 32, 32, 3] with label 10 as digit 0', async () => {
    const { dir, remove } = await tempDir();
    try {
      const files = {
        'train_32x32.mat': svhnFile([10, 1, 9, 5]),
        'test_32x32.mat': svhnFile([3, 10]),
        'extra_32x32.mat': svhnFile([7]),
      };
      await writeAll(dir, files);
      const checksums = md5s(files);
      const { train, test, extra } = await loadSvhn({ dir, checksums });
      expect(extra).toBeUndefined();
      expect(train.shape).toEqual([4, 32, 32, 3]);
      expect(Array.from(train.labels)).toEqual([0, 1, 9, 5]);
      expect(Array.from(test.labels)).toEqual([3, 0]);
      for (let n = 0; n < 4; n++) {
        for (let r = 0; r < 32; r++) {
          for (let c = 0; c < 32; c++) {
            for (let ch = 0; ch < 3; ch++) {
              const got = train.images[((n * 32 + r) * 32 + c) * 3 + ch];
              if (got !== value(r, c, ch, n)) expect(got).toBe(value(r, c, ch, n));
            }
          }
        }
      }
      const withExtra = await loadSvhn({ dir, includeExtra: true, checksums });
      expect(withExtra.extra?.shape).toEqual([1, 32, 32, 3]);
      expect(Array.from(withExtra.extra!.labels)).toEqual([7]);
    } finally {
      await remove();
    }
  });

  it('reads the SciPy-written fixture (y stored as doubles)', async () => {
    const { dir, remove } = await tempDir();
    try {
      const fixture = new URL('./fixtures/svhn-scipy.mat', import.meta.url);
      await copyFile(fixture, join(dir, 'train_32x32.mat'));
      await copyFile(fixture, join(dir, 'test_32x32.mat'));
      const md5 = digest('md5', await readFile(fixture));
      const checksums = { 'train_32x32.mat': md5, 'test_32x32.mat': md5 };
      const { test } = await loadSvhn({ dir, checksums });
      expect(Array.from(test.labels)).toEqual([1, 0, 5, 3]);
      // Image 3, row 5, col 6, channel 2 is (7*5 + 3*6 + 50*2 + 11*3) mod 256 = 186.
      expect(test.images[((3 * 32 + 5) * 32 + 6) * 3 + 2]).toBe(186);
    } finally {
      await remove();
    }
  });

  it('names the missing files and the URLs that give them', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeAll(dir, { 'train_32x32.mat': svhnFile([1]) });
      const error = await loadSvhn({ dir, includeExtra: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `loadSvhn: missing test_32x32.mat, extra_32x32.mat (looked in ${dir}). Pass download: true ` +
          `(bench: --download) to fetch ${SVHN_MIRROR}test_32x32.mat, ${SVHN_MIRROR}extra_32x32.mat`,
      );
    } finally {
      await remove();
    }
  });

  it.each([
    [
      'X of another class',
      svhnFile([1], { classId: MX.DOUBLE }),
      'X is double [32, 32, 3, 1], expected uint8 [32, 32, 3, N]',
    ],
    ['X of another size', svhnFile([1], { dims: [32, 16, 6, 1] }), 'X is uint8 [32, 16, 6, 1]'],
    ['labels outside 1-10', svhnFile([4, 0]), 'y(2) is 0, not a label in 1-10'],
    ['a truncated file', svhnFile([1, 2]).subarray(0, 400), 'is truncated'],
  ])('turns %s into a DataError', async (_, broken, message) => {
    const { dir, remove } = await tempDir();
    try {
      const files = { 'train_32x32.mat': svhnFile([1]), 'test_32x32.mat': broken };
      await writeAll(dir, files);
      const error = await loadSvhn({ dir, checksums: md5s(files) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(message);
    } finally {
      await remove();
    }
  });
});

describe('loadSvhn checks the files already on disk', () => {
  it('rejects a file that fails the official MD5, though nothing is downloaded', async () => {
    const { dir, remove } = await tempDir();
    try {
      const files = { 'train_32x32.mat': svhnFile([1]), 'test_32x32.mat': svhnFile([2]) };
      await writeAll(dir, files);
      const error = await loadSvhn({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `train_32x32.mat failed its MD5 check: expected e26dedcc434d2e4c54c9b2d4a06d8373, got ${digest('md5', files['train_32x32.mat'])}`,
      );
    } finally {
      await remove();
    }
  });
});

describe('loadSvhn decompression limit', () => {
  it('stops a file whose compressed data expands past what its digits can fill', async () => {
    const { dir, remove } = await tempDir();
    try {
      // A valid 2-digit test file followed by an miCOMPRESSED element of 8 MB of zeros (8 KB).
      const zeros = deflateSync(new Uint8Array(8 << 20));
      const tag = new Uint8Array(8);
      new DataView(tag.buffer).setUint32(0, MI.COMPRESSED, true);
      new DataView(tag.buffer).setUint32(4, zeros.length, true);
      const files = {
        'train_32x32.mat': svhnFile([1]),
        'test_32x32.mat': concat([svhnFile([3, 10]), tag, zeros]),
      };
      await writeAll(dir, files);
      const counts = { train: 1, test: 2, extra: 1 };
      const error = await loadSvhnWith({ dir, checksums: md5s(files) }, counts).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataError);
      // 2 digits * (3072 + 8) bytes + 1 MiB of headers.
      expect((error as Error).message).toContain(
        'test_32x32.mat decompresses to more than 1,054,736 bytes',
      );
      // A file larger than its digits can fill is refused before it is read.
      const big = {
        ...files,
        'test_32x32.mat': concat([svhnFile([3, 10]), new Uint8Array(2 << 20)]),
      };
      await writeAll(dir, big);
      await expect(loadSvhnWith({ dir, checksums: md5s(big) }, counts)).rejects.toThrow(
        `test_32x32.mat is ${big['test_32x32.mat'].length.toLocaleString('en-US')} bytes, more than a file of 2 digits can take (1,054,736)`,
      );
      // The same file without the bomb loads under the same limit.
      const fixed = { ...files, 'test_32x32.mat': svhnFile([3, 10]) };
      await writeAll(dir, fixed);
      expect((await loadSvhnWith({ dir, checksums: md5s(fixed) }, counts)).test.size).toBe(2);
    } finally {
      await remove();
    }
  });
});

describe('loadSvhn download', () => {
  const files = { 'train_32x32.mat': svhnFile([2, 10]), 'test_32x32.mat': svhnFile([6]) };
  const checksums = Object.fromEntries(
    Object.entries(files).map(([k, b]) => [k, digest('md5', b)]),
  );
  let server: Awaited<ReturnType<typeof serveFiles>>;
  beforeAll(async () => {
    server = await serveFiles(files);
  });
  afterAll(() => server.close());

  it('fetches and MD5-checks the files', async () => {
    const { dir, remove } = await tempDir();
    try {
      const { train, test } = await loadSvhn({
        dir,
        download: true,
        mirror: server.url,
        checksums,
      });
      expect(Array.from(train.labels)).toEqual([2, 0]);
      expect(test.size).toBe(1);
      expect((await readdir(dir)).sort()).toEqual([
        VERIFIED_FILE,
        'test_32x32.mat',
        'train_32x32.mat',
      ]);
    } finally {
      await remove();
    }
  });

  it('rejects files that fail the official MD5', async () => {
    const { dir, remove } = await tempDir();
    try {
      const error = await loadSvhn({ dir, download: true, mirror: server.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `train_32x32.mat failed its MD5 check: expected e26dedcc434d2e4c54c9b2d4a06d8373, got ${checksums['train_32x32.mat']}`,
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await remove();
    }
  });
});
