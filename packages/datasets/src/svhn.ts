import { DataError } from '@uqjs/core';
import { dataDirWith, findFile, missingDataError } from './data-dir.js';
import { downloadFile, joinUrl } from './download.js';
import { ImageDataset, type TrainTest } from './image-dataset.js';
import { type Inflate, type MatArray, readMatV5 } from './mat-v5.js';
import { nodeModules } from './node-modules.js';
import { checkOptions } from './options.js';
import { type FileCheck, verifyFiles } from './verified.js';

/**
 * Options of {@link loadSvhn}.
 *
 * @since 0.1.0
 */
export interface SvhnOptions {
  /** The folder holding `train_32x32.mat`, `test_32x32.mat` (and `extra_32x32.mat`). Default `<dataDir()>/svhn`. */
  readonly dir?: string;
  /** Fetch missing files into `dir`, checking their MD5. Default `false`. */
  readonly download?: boolean;
  /** Also load the 531,131 `extra` digits (a 1.3 GB file, 1.6 GB in memory). Default `false`. */
  readonly includeExtra?: boolean;
  /** Base URL of the files. Default {@link SVHN_MIRROR}. */
  readonly mirror?: string;
  /** Expected MD5 by file name, for a mirror of other bytes. Default: the official ones. */
  readonly checksums?: Readonly<Record<string, string>>;
}

/**
 * SVHN's parts.
 *
 * @since 0.1.0
 */
export interface SvhnSets extends TrainTest {
  /** The extra digits, when `includeExtra` was set. */
  readonly extra?: ImageDataset;
}

/**
 * Where `download: true` fetches SVHN format 2: the dataset's page (plain HTTP only).
 *
 * @since 0.1.0
 */
export const SVHN_MIRROR = 'http://ufldl.stanford.edu/housenumbers/';

/** The MD5s the files have been distributed with (as checked by torchvision too). */
const SVHN_MD5: Readonly<Record<string, string>> = {
  'train_32x32.mat': 'e26dedcc434d2e4c54c9b2d4a06d8373',
  'test_32x32.mat': 'eb5a983be6a315427106f1b164d9cef3',
  'extra_32x32.mat': 'a93ce644f1a588dc4d68dda5feec44a7',
};

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const SIDE = 32;
const PIXELS = SIDE * SIDE;

/**
 * Loads SVHN (Street View House Numbers) format 2: uint8 `[N, 32, 32, 3]` digits cropped to
 * 32x32, labels 0-9 (the files' label 10 stands for digit 0): train 73,257, test 26,032,
 * extra 531,131.
 *
 * Each file is a MATLAB v5 MAT-file with `X`, uint8 `32x32x3xN` in MATLAB (column-major)
 * order, and `y`, `Nx1` labels in 1-10; they are read by a small built-in MAT v5 reader (no
 * maintained npm MAT reader handles arrays this size without boxing every value). Missing
 * files are fetched with `download: true` from {@link SVHN_MIRROR}, MD5-checked; without it a
 * `DataError` names them. Files already in `dir` are MD5-checked too, once (remembered by size
 * and mtime in `.uqjs-verified.json`), and may decompress to at most what their digits fill.
 *
 * Node.js only: the Node modules it uses are imported when it runs; elsewhere it rejects with
 * a `UqjsError`.
 *
 * @example
 * ```ts
 * const { train, test } = await loadSvhn({ download: true }); // cached in ~/.cache/uqjs/svhn
 * ```
 * @since 0.1.0
 */
export function loadSvhn(opts: SvhnOptions = {}): Promise<SvhnSets> {
  return loadSvhnWith(opts, SVHN_COUNTS);
}

/** Digits per SVHN part; the tests pass small counts. */
export type SvhnCounts = Readonly<Record<'train' | 'test' | 'extra', number>>;

/** The official parts: 73,257 / 26,032 / 531,131 digits. */
export const SVHN_COUNTS: SvhnCounts = { train: 73257, test: 26032, extra: 531131 };

/**
 * Most bytes a part's file may decompress to: `X` (3072 bytes a digit), `y` (at most a
 * double a digit) and 1 MiB for the MAT headers and tags.
 */
export function svhnInflateLimit(digits: number): number {
  return digits * (3 * PIXELS + 8) + (1 << 20);
}

/** {@link loadSvhn} for parts of the given sizes (the tests' small files in the real format). */
export async function loadSvhnWith(options: SvhnOptions, counts: SvhnCounts): Promise<SvhnSets> {
  const fn = 'loadSvhn';
  const opts = checkOptions(options, 'opts', fn);
  const node = await nodeModules(fn);
  const dir = opts.dir ?? node.path.join(dataDirWith(node), 'svhn');
  const mirror = opts.mirror ?? SVHN_MIRROR;
  const parts = (opts.includeExtra ? ['train', 'test', 'extra'] : ['train', 'test']) as (
    | 'train'
    | 'test'
    | 'extra'
  )[];
  const names = parts.map((part) => `${part}_32x32.mat`);
  const paths: (string | undefined)[] = [];
  const checks: FileCheck[] = [];
  for (const name of names) {
    let path = await findFile(node, [dir], [name]);
    const checksum = {
      algorithm: 'md5',
      digest: opts.checksums?.[name] ?? SVHN_MD5[name]!,
    } as const;
    const fresh = path === undefined && opts.download === true;
    if (fresh) {
      path = node.path.join(dir, name);
      await downloadFile(joinUrl(mirror, name), path, checksum, fn);
    }
    if (path !== undefined) checks.push({ file: path, checksum, fresh });
    paths.push(path);
  }
  const missing = names.filter((_, i) => paths[i] === undefined);
  if (missing.length > 0) {
    throw missingDataError({
      fn,
      missing,
      lookedIn: [dir],
      urls: missing.map((name) => joinUrl(mirror, name)),
      dirOption: 'dir',
    });
  }
  // A part's file, compressed or not, is never larger than what its digits fill: a larger one
  // is refused before it is read or hashed.
  for (const [i, path] of (paths as string[]).entries()) {
    const limit = svhnInflateLimit(counts[parts[i]!]);
    const { size } = await node.fsPromises.stat(path);
    if (size > limit) {
      throw new DataError(
        `${fn}: ${path} is ${size.toLocaleString('en-US')} bytes, more than a file of ` +
          `${counts[parts[i]!].toLocaleString('en-US')} digits can take ` +
          `(${limit.toLocaleString('en-US')}); it is not that file`,
      );
    }
  }
  await verifyFiles(node, checks, fn);
  // One file at a time: the extra set alone takes 1.3 GB on disk and 1.6 GB decoded.
  // Compressed parts may not decompress past the size of the part's data (zlib's
  // maxOutputLength stops a decompression bomb there).
  const inflate = (data: Uint8Array, maxOutputLength: number) =>
    node.zlib.inflateSync(data, { maxOutputLength });
  const sets: ImageDataset[] = [];
  for (const [i, path] of (paths as string[]).entries()) {
    const limit = svhnInflateLimit(counts[parts[i]!]);
    sets.push(decodeSvhn(await node.fsPromises.readFile(path), inflate, limit, path, fn));
  }
  return { train: sets[0]!, test: sets[1]!, ...(sets[2] ? { extra: sets[2] } : {}) };
}

/**
 * Builds a dataset from the bytes of one format-2 MAT-file (zlib parts undone by `inflate`,
 * to at most `maxInflated` bytes).
 */
export function decodeSvhn(
  bytes: Uint8Array,
  inflate: Inflate,
  maxInflated: number,
  file: string,
  fn: string,
): ImageDataset {
  const vars = readMatV5(bytes, ['X', 'y'], inflate, maxInflated, file, fn);
  const x = vars.get('X')!;
  const y = vars.get('y')!;
  const [h, w, c, n = 1] = x.dims;
  if (x.className !== 'uint8' || x.dims.length > 4 || h !== SIDE || w !== SIDE || c !== 3) {
    throw new DataError(
      `${fn}: ${file}: X is ${x.className} [${x.dims.join(', ')}], expected uint8 [32, 32, 3, N]`,
    );
  }
  return new ImageDataset({
    images: columnMajorToNhwc(x.data as Uint8Array, n),
    shape: [n, SIDE, SIDE, 3],
    labels: digitLabels(y, n, file, fn),
    numClasses: 10,
    classNames: DIGIT_NAMES,
  });
}

/**
 * MATLAB `X(r, c, ch, n)` sits at `r + 32 c + 1024 ch + 3072 n` (column-major `32x32x3xN`);
 * row-major `[N, 32, 32, 3]` puts it at `3072 n + 3 (32 r + c) + ch`.
 */
function columnMajorToNhwc(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(src.length);
  let from = 0;
  for (let i = 0; i < n; i++) {
    const base = i * 3 * PIXELS;
    for (let ch = 0; ch < 3; ch++) {
      for (let col = 0; col < SIDE; col++) {
        for (let row = 0; row < SIDE; row++) out[base + 3 * (SIDE * row + col) + ch] = src[from++]!;
      }
    }
  }
  return out;
}

/** `y` (`Nx1`, values 1-10) as labels 0-9: label 10 is the digit 0. */
function digitLabels(y: MatArray, n: number, file: string, fn: string): Int32Array {
  if (y.data.length !== n || y.dims.filter((d) => d !== 1).length > 1) {
    throw new DataError(`${fn}: ${file}: y is [${y.dims.join(', ')}], expected [${n}, 1]`);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i]!;
    if (!Number.isInteger(v) || v < 1 || v > 10) {
      throw new DataError(`${fn}: ${file}: y(${i + 1}) is ${v}, not a label in 1-10`);
    }
    labels[i] = v % 10;
  }
  return labels;
}
