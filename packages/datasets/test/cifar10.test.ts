import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '@uqjs/core';
import { c as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cifar10Layout, loadCifar10With } from '../src/cifar10.js';
import { CIFAR10_CLASS_NAMES, loadCifar10 } from '../src/index.js';
import { VERIFIED_FILE } from '../src/verified.js';
import { digest, serveFiles, tempDir } from './helpers/env.js';
import { cifarFile } from './helpers/formats.js';

/** Pixel of record `n` (counted over all files of a split), channel `ch`, row `r`, col `c`. */
const pixel = (n: number, ch: number, r: number, c: number) => (13 * n + 80 * ch + 5 * r + c) % 256;

/** Five training batches of 2 records (labels 0-9 in order) and a test batch of 3. */
function batchFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let b = 0; b < 5; b++) {
    files[`data_batch_${b + 1}.bin`] = cifarFile([2 * b, 2 * b + 1], (n, ch, r, c) =>
      pixel(2 * b + n, ch, r, c),
    );
  }
  files['test_batch.bin'] = cifarFile([9, 0, 4], pixel);
  return files;
}

/** The sizes of the small batches, injected where the real loader wants 10,000 per file. */
const SMALL: Cifar10Layout = { trainRecords: 2, testRecords: 3 };
const loadSmall = (opts: Parameters<typeof loadCifar10>[0]) => loadCifar10With(opts ?? {}, SMALL);

async function writeAll(dir: string, files: Record<string, Uint8Array>) {
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(files).map(([name, b]) => writeFile(join(dir, name), b)));
}

describe('loadCifar10', () => {
  it('decodes records into [N, 32, 32, 3] (planes moved to channels last) with labels', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeAll(join(dir, 'cifar-10-batches-bin'), batchFiles());
      const { train, test } = await loadSmall({ dir });
      expect(train.shape).toEqual([10, 32, 32, 3]);
      expect(test.shape).toEqual([3, 32, 32, 3]);
      expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(Array.from(test.labels)).toEqual([9, 0, 4]);
      expect(train.classNames).toEqual(CIFAR10_CLASS_NAMES);
      for (const [set, count] of [
        [train, 10],
        [test, 3],
      ] as const) {
        for (let n = 0; n < count; n++) {
          for (let r = 0; r < 32; r++) {
            for (let c = 0; c < 32; c++) {
              for (let ch = 0; ch < 3; ch++) {
                const got = set.images[((n * 32 + r) * 32 + c) * 3 + ch];
                if (got !== pixel(n, ch, r, c)) expect(got).toBe(pixel(n, ch, r, c));
              }
            }
          }
        }
      }
      // The files may also sit directly in dir.
      const flat = await tempDir();
      await writeAll(flat.dir, batchFiles());
      expect((await loadSmall({ dir: flat.dir })).train.size).toBe(10);
      await flat.remove();
    } finally {
      await remove();
    }
  });

  it('names the missing files, both folders it searched and how to get them', async () => {
    const { dir, remove } = await tempDir();
    try {
      const files = batchFiles();
      delete files['data_batch_4.bin'];
      delete files['test_batch.bin'];
      await writeAll(dir, files);
      const error = await loadSmall({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `loadCifar10: missing data_batch_4.bin, test_batch.bin (looked in ${join(dir, 'cifar-10-batches-bin')} and ${dir}). ` +
          'Pass download: true (bench: --download) to fetch https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      );
      expect((error as Error).message).toContain('set dir (bench: --data-dir DIR)');
    } finally {
      await remove();
    }
  });

  it.each([
    [
      'a truncated batch',
      (f: Record<string, Uint8Array>) => {
        f['data_batch_3.bin'] = f['data_batch_3.bin']!.subarray(0, 3073 * 2 - 100);
      },
      'data_batch_3.bin is 6046 bytes, not a whole number of 3073-byte records',
    ],
    [
      'an empty file',
      (f: Record<string, Uint8Array>) => {
        f['test_batch.bin'] = new Uint8Array(0);
      },
      'test_batch.bin is 0 bytes',
    ],
    [
      'a label above 9',
      (f: Record<string, Uint8Array>) => {
        f['test_batch.bin'] = cifarFile([1, 10, 2], pixel);
      },
      'test_batch.bin record 1 has label 10, not a class in 0-9',
    ],
    [
      'a batch missing whole records',
      (f: Record<string, Uint8Array>) => {
        f['data_batch_5.bin'] = f['data_batch_5.bin']!.subarray(0, 3073);
      },
      'data_batch_5.bin holds 1 record, but the official file holds 2 (6,146 bytes); whole records are missing',
    ],
    [
      'a batch with an extra record',
      (f: Record<string, Uint8Array>) => {
        f['test_batch.bin'] = cifarFile([9, 0, 4, 1], pixel);
      },
      'test_batch.bin holds 4 records, but the official file holds 3 (9,219 bytes); whole records are extra',
    ],
  ])('turns %s into a DataError', async (_, breakFiles, message) => {
    const { dir, remove } = await tempDir();
    try {
      const files = batchFiles();
      breakFiles(files);
      await writeAll(dir, files);
      const error = await loadSmall({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(message);
    } finally {
      await remove();
    }
  });
});

describe('loadCifar10 on batches of other sizes than the official ones', () => {
  it('requires 10,000 records per file: smaller files in the binary format are errors', async () => {
    const { dir, remove } = await tempDir();
    try {
      await writeAll(dir, batchFiles());
      const error = await loadCifar10({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        'data_batch_1.bin holds 2 records, but the official file holds 10,000 (30,730,000 bytes)',
      );
    } finally {
      await remove();
    }
  });
});

describe('loadCifar10 download', () => {
  let archive: Uint8Array;
  let server: Awaited<ReturnType<typeof serveFiles>>;
  beforeAll(async () => {
    // A real cifar-10-binary.tar.gz layout, made with the same tar library, plus a stray file
    // outside the batches folder and a 16 MB file of zeros inside it (16 KB gzipped) that
    // extraction must leave alone.
    const { dir, remove } = await tempDir();
    await writeAll(join(dir, 'cifar-10-batches-bin'), batchFiles());
    await writeFile(join(dir, 'cifar-10-batches-bin', 'zeros.bin'), new Uint8Array(16 << 20));
    await writeFile(join(dir, 'stray.txt'), 'not part of the dataset');
    const file = join(dir, 'cifar-10-binary.tar.gz');
    await createTar({ gzip: true, cwd: dir, file }, ['cifar-10-batches-bin', 'stray.txt']);
    archive = await readFile(file);
    await remove();
    server = await serveFiles({ 'cifar-10-binary.tar.gz': archive });
  });
  afterAll(() => server.close());

  it('fetches the archive, checks its MD5, extracts the batches and drops the archive', async () => {
    const { dir, remove } = await tempDir();
    try {
      const checksums = { 'cifar-10-binary.tar.gz': digest('md5', archive) };
      const { train, test } = await loadSmall({
        dir,
        download: true,
        mirror: server.url,
        checksums,
      });
      expect(train.size).toBe(10);
      expect(test.images[3 * 32 + 2]).toBe(pixel(0, 2, 1, 0));
      expect(existsSync(join(dir, 'cifar-10-batches-bin', 'test_batch.bin'))).toBe(true);
      expect(existsSync(join(dir, 'cifar-10-binary.tar.gz'))).toBe(false);
      expect(existsSync(join(dir, 'stray.txt'))).toBe(false);
      expect(existsSync(join(dir, 'cifar-10-batches-bin', 'zeros.bin'))).toBe(false);
      const requested = server.requests.length;
      await loadSmall({ dir, download: true, mirror: server.url, checksums });
      expect(server.requests.length).toBe(requested);
    } finally {
      await remove();
    }
  });

  it('records the extracted batches and checks them on later loads', async () => {
    const { dir, remove } = await tempDir();
    try {
      const checksums = { 'cifar-10-binary.tar.gz': digest('md5', archive) };
      await loadSmall({ dir, download: true, mirror: server.url, checksums });
      const folder = join(dir, 'cifar-10-batches-bin');
      const sidecar = JSON.parse(await readFile(join(folder, VERIFIED_FILE), 'utf8'));
      const batch = await readFile(join(folder, 'data_batch_1.bin'));
      expect(sidecar.files['data_batch_1.bin']).toMatchObject({
        size: 6146,
        algorithm: 'sha256',
        digest: digest('sha256', batch),
      });
      expect(Object.keys(sidecar.files).sort()).toEqual(
        [...[1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), 'test_batch.bin'].sort(),
      );
      // One pixel changed on disk (a valid batch still, of the right size): caught by its digest.
      batch[100] = (batch[100]! + 1) % 256;
      await writeFile(join(folder, 'data_batch_1.bin'), batch);
      await utimes(join(folder, 'data_batch_1.bin'), new Date(), new Date(Date.now() + 5000));
      const error = await loadSmall({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        'data_batch_1.bin failed its SHA256 check: expected ' +
          `${sidecar.files['data_batch_1.bin'].digest}, recorded when it was extracted from the ` +
          `checked archive, got ${digest('sha256', batch)}`,
      );
    } finally {
      await remove();
    }
  });

  it('removes what a failed extraction had written', async () => {
    const { dir, remove } = await tempDir();
    const source = await tempDir();
    try {
      // The batches, then 17 MB of incompressible bytes (past tar's 16 MB first read, so the
      // batches are written before the cut end is reached), the archive cut short by 1 KB.
      await writeAll(join(source.dir, 'cifar-10-batches-bin'), batchFiles());
      await writeAll(join(source.dir, 'padding'), { 'noise.bin': randomBytes(17_000_000) });
      const file = join(source.dir, 'cifar-10-binary.tar.gz');
      await createTar({ gzip: { level: 1 }, cwd: source.dir, file }, [
        'cifar-10-batches-bin',
        'padding',
      ]);
      const full = await readFile(file);
      const cut = full.subarray(0, full.length - 1024);
      const other = await serveFiles({ 'cifar-10-binary.tar.gz': cut });
      try {
        const checksums = { 'cifar-10-binary.tar.gz': digest('md5', cut) };
        const error = await loadSmall({ dir, download: true, mirror: other.url, checksums }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DataError);
        expect((error as Error).message).toContain('could not extract');
        expect((error as Error).message).toContain('the files it had written were removed');
        expect(await readdir(dir)).toEqual([]);
      } finally {
        await other.close();
      }
    } finally {
      await remove();
      await source.remove();
    }
  });

  it('extracts no batch of another size than the official one', async () => {
    const { dir, remove } = await tempDir();
    const source = await tempDir();
    try {
      const files = batchFiles();
      files['data_batch_2.bin'] = cifarFile([1, 2, 3], pixel);
      await writeAll(join(source.dir, 'cifar-10-batches-bin'), files);
      const file = join(source.dir, 'cifar-10-binary.tar.gz');
      await createTar({ gzip: true, cwd: source.dir, file }, ['cifar-10-batches-bin']);
      const bytes = await readFile(file);
      const other = await serveFiles({ 'cifar-10-binary.tar.gz': bytes });
      try {
        const checksums = { 'cifar-10-binary.tar.gz': digest('md5', bytes) };
        const error = await loadSmall({ dir, download: true, mirror: other.url, checksums }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DataError);
        expect((error as Error).message).toContain(
          'is not the CIFAR-10 archive: cifar-10-batches-bin/data_batch_2.bin is 9,219 bytes, not 6,146',
        );
        expect(existsSync(join(dir, 'cifar-10-batches-bin', 'data_batch_2.bin'))).toBe(false);
      } finally {
        await other.close();
      }
    } finally {
      await remove();
      await source.remove();
    }
  });

  it('refuses an archive whose MD5 is not the official one', async () => {
    const { dir, remove } = await tempDir();
    try {
      const error = await loadSmall({ dir, download: true, mirror: server.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toContain(
        `cifar-10-binary.tar.gz failed its MD5 check: expected c32a1d4ab5d03f1284b67883e8d87530, got ${digest('md5', archive)}`,
      );
      expect(existsSync(join(dir, 'cifar-10-batches-bin'))).toBe(false);
    } finally {
      await remove();
    }
  });
});
