import { DataError } from '@uqjs/core';
import { dataDirWith, findFile, missingDataError } from './data-dir.js';
import { downloadFile, joinUrl } from './download.js';
import { ImageDataset, type TrainTest } from './image-dataset.js';
import { importTar, type NodeModules, nodeModules } from './node-modules.js';
import { checkOptions } from './options.js';
import { verifyFiles } from './verified.js';

/**
 * Options of {@link loadCifar10}.
 *
 * @since 0.1.0
 */
export interface Cifar10Options {
  /**
   * The folder holding `data_batch_1.bin` ... `data_batch_5.bin` and `test_batch.bin`,
   * directly or in its `cifar-10-batches-bin/` sub-folder (what the archive extracts to).
   * Default `<dataDir()>/cifar10`.
   */
  readonly dir?: string;
  /**
   * Fetch `cifar-10-binary.tar.gz` (162 MB) when files are missing, check its MD5, extract it
   * into `dir` and delete the archive. Default `false`.
   */
  readonly download?: boolean;
  /** Base URL of the archive. Default {@link CIFAR10_MIRROR}. */
  readonly mirror?: string;
  /** Expected MD5 by file name (`'cifar-10-binary.tar.gz'`), for a mirror of other bytes. */
  readonly checksums?: Readonly<Record<string, string>>;
}

/**
 * Where `download: true` fetches the CIFAR-10 binary version: the dataset authors' page.
 *
 * @since 0.1.0
 */
export const CIFAR10_MIRROR = 'https://www.cs.toronto.edu/~kriz/';

/**
 * The CIFAR-10 class names, by label.
 *
 * @since 0.1.0
 */
export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

const ARCHIVE = 'cifar-10-binary.tar.gz';
/** The MD5 the dataset page publishes for the binary version (170,052,171 bytes). */
const ARCHIVE_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const FOLDER = 'cifar-10-batches-bin';
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
/** Tar entry types of regular files (`0`, the pre-POSIX `\0`, and `7`). */
const REGULAR_FILE_TYPES: readonly string[] = ['File', 'OldFile', 'ContiguousFile'];
const SIDE = 32;
const PLANE = SIDE * SIDE;
/** One record: a label byte, then the red, green and blue 32x32 planes. */
const RECORD = 1 + 3 * PLANE;

/**
 * Loads CIFAR-10 from its binary version: uint8 `[50000, 32, 32, 3]` train and
 * `[10000, 32, 32, 3]` test images, labels 0-9 ({@link CIFAR10_CLASS_NAMES}).
 *
 * Each `.bin` file is a run of 3073-byte records: one label byte and 3072 pixel bytes, the red
 * plane, then green, then blue, each 32x32 row-major. Each file must hold exactly the
 * official 10,000 records (30,730,000 bytes): a cut or padded file, or a label above 9, gives
 * a `DataError`. Missing files are fetched with `download: true` (MD5-checked archive from
 * {@link CIFAR10_MIRROR}; only the six batches, at their official size, are extracted with the
 * `tar` package, and a failed extraction removes what it wrote); without it a `DataError`
 * names them. The SHA-256 of each extracted batch is recorded next to it
 * (`.uqjs-verified.json`) and checked on later loads when the file's size or mtime changed.
 *
 * Node.js only: the Node modules and `tar` are imported when it runs; elsewhere it rejects
 * with a `UqjsError`.
 *
 * @example
 * ```ts
 * const { train, test } = await loadCifar10({ download: true }); // cached in ~/.cache/uqjs/cifar10
 * ```
 * @since 0.1.0
 */
export function loadCifar10(opts: Cifar10Options = {}): Promise<TrainTest> {
  return loadCifar10With(opts, CIFAR10_LAYOUT);
}

/** Records per file of the official batches (checked exactly); the tests pass small ones. */
export interface Cifar10Layout {
  /** Records in each of the five training batches. */
  readonly trainRecords: number;
  /** Records in the test batch. */
  readonly testRecords: number;
}

/** CIFAR-10 as distributed: five training batches and a test batch of 10,000 records each. */
export const CIFAR10_LAYOUT: Cifar10Layout = { trainRecords: 10000, testRecords: 10000 };

/** {@link loadCifar10} for batches of the given sizes (the tests' small files in the real format). */
export async function loadCifar10With(
  options: Cifar10Options,
  layout: Cifar10Layout,
): Promise<TrainTest> {
  const fn = 'loadCifar10';
  const opts = checkOptions(options, 'opts', fn);
  const node = await nodeModules(fn);
  const { join } = node.path;
  const dir = opts.dir ?? join(dataDirWith(node), 'cifar10');
  const folders = [join(dir, FOLDER), dir];
  const wanted = [...TRAIN_FILES, TEST_FILE];
  const locate = () => Promise.all(wanted.map((name) => findFile(node, folders, [name])));
  let paths = await locate();
  const fetched = paths.includes(undefined) && opts.download === true;
  if (fetched) {
    await fetchArchive(node, dir, opts, layout, fn);
    paths = await locate();
  }
  const missing = wanted.filter((_, i) => paths[i] === undefined);
  if (missing.length > 0) {
    throw missingDataError({
      fn,
      missing,
      lookedIn: folders,
      urls: [joinUrl(opts.mirror ?? CIFAR10_MIRROR, ARCHIVE)],
      dirOption: 'dir',
    });
  }
  const records = (i: number) =>
    i < TRAIN_FILES.length ? layout.trainRecords : layout.testRecords;
  // Sizes first (from the file system, in order), so a wrong file is refused before any is read.
  for (const [i, path] of (paths as string[]).entries()) {
    checkSize((await node.fsPromises.stat(path)).size, records(i), path, fn);
  }
  // No digests of the batches are published (only of the archive): the SHA-256s of batches
  // just extracted from the checked archive are recorded, and checked on later loads.
  await verifyFiles(
    node,
    (paths as string[]).map((file) => ({ file, learn: fetched })),
    fn,
  );
  const files = await Promise.all(
    (paths as string[]).map(async (path, i) => {
      const bytes = await node.fsPromises.readFile(path);
      checkSize(bytes.length, records(i), path, fn);
      return { path, bytes };
    }),
  );
  return {
    train: decodeRecords(files.slice(0, TRAIN_FILES.length), fn),
    test: decodeRecords(files.slice(-1), fn),
  };
}

async function fetchArchive(
  node: NodeModules,
  dir: string,
  opts: Cifar10Options,
  layout: Cifar10Layout,
  fn: string,
): Promise<void> {
  const archive = node.path.join(dir, ARCHIVE);
  const digest = opts.checksums?.[ARCHIVE] ?? ARCHIVE_MD5;
  await downloadFile(
    joinUrl(opts.mirror ?? CIFAR10_MIRROR, ARCHIVE),
    archive,
    {
      algorithm: 'md5',
      digest,
    },
    fn,
  );
  // Only the six batches, as regular files of exactly their official size: what extraction
  // writes is bounded by the 184 MB the format promises, however the gzip stream expands.
  const sizes = new Map([
    ...TRAIN_FILES.map((name) => [name, layout.trainRecords * RECORD] as const),
    [TEST_FILE, layout.testRecords * RECORD] as const,
  ]);
  const refused: string[] = [];
  // What extraction writes, so that a failure removes it (and the folder, if it made it).
  const folder = node.path.join(dir, FOLDER);
  const folderExisted = await node.fsPromises.stat(folder).then(
    () => true,
    () => false,
  );
  const written: string[] = [];
  let failure: DataError | undefined;
  try {
    const tar = await importTar(fn);
    await tar.x({
      file: archive,
      cwd: dir,
      strict: true,
      // Tar itself refuses absolute and `..` paths.
      filter: (path, entry) => {
        const inFolder = path.replace(/^\.\//, '');
        const size = sizes.get(inFolder.slice(FOLDER.length + 1));
        if (!inFolder.startsWith(`${FOLDER}/`) || size === undefined) return false;
        if ('type' in entry && !REGULAR_FILE_TYPES.includes(entry.type)) return false;
        if (entry.size === size) {
          written.push(node.path.join(dir, inFolder));
          return true;
        }
        refused.push(
          `${inFolder} is ${entry.size.toLocaleString('en-US')} bytes, not ` +
            `${size.toLocaleString('en-US')}`,
        );
        return false;
      },
    });
  } catch (error) {
    failure = new DataError(
      `${fn}: could not extract ${archive}: ${(error as Error).message}; the files it had ` +
        'written were removed',
    );
  } finally {
    await node.fsPromises.rm(archive, { force: true });
  }
  if (failure === undefined && refused.length > 0) {
    failure = new DataError(
      `${fn}: ${archive} is not the CIFAR-10 archive: ${refused.join('; ')} (the official ` +
        'batches hold 10,000 records each); nothing of it was kept',
    );
  }
  if (failure !== undefined) {
    for (const file of written) await node.fsPromises.rm(file, { force: true });
    if (!folderExisted) await node.fsPromises.rm(folder, { recursive: true, force: true });
    throw failure;
  }
}

/** A batch must be exactly `records` records long: cut or padded files are errors. */
function checkSize(size: number, records: number, file: string, fn: string): void {
  if (size === records * RECORD) return;
  if (size === 0 || size % RECORD !== 0) {
    throw new DataError(
      `${fn}: ${file} is ${size} bytes, not a whole number of ${RECORD}-byte records ` +
        '(a label byte and 3x32x32 pixel bytes); the file is truncated or corrupt',
    );
  }
  const count = size / RECORD;
  throw new DataError(
    `${fn}: ${file} holds ${count.toLocaleString('en-US')} record${count === 1 ? '' : 's'}, ` +
      `but the official file holds ${records.toLocaleString('en-US')} ` +
      `(${(records * RECORD).toLocaleString('en-US')} bytes); whole records are ` +
      `${count < records ? 'missing' : 'extra'}, so the file is truncated or not a CIFAR-10 batch`,
  );
}

/** Concatenates the records of `files` into one uint8 `[N, 32, 32, 3]` dataset. */
function decodeRecords(files: { path: string; bytes: Uint8Array }[], fn: string): ImageDataset {
  const total = files.reduce((n, f) => n + f.bytes.length / RECORD, 0);
  const images = new Uint8Array(total * 3 * PLANE);
  const labels = new Int32Array(total);
  let n = 0;
  for (const { path, bytes } of files) {
    for (let at = 0; at < bytes.length; at += RECORD, n++) {
      const label = bytes[at]!;
      if (label > 9) {
        throw new DataError(
          `${fn}: ${path} record ${at / RECORD} has label ${label}, not a class in 0-9; the file is corrupt`,
        );
      }
      labels[n] = label;
      // Planes [C, H, W] -> pixels [H, W, C]: value p of plane c goes to 3 * p + c.
      const src = at + 1;
      const dst = n * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        images[dst + 3 * p] = bytes[src + p]!;
        images[dst + 3 * p + 1] = bytes[src + PLANE + p]!;
        images[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p]!;
      }
    }
  }
  return new ImageDataset({
    images,
    shape: [total, SIDE, SIDE, 3],
    labels,
    numClasses: 10,
    classNames: CIFAR10_CLASS_NAMES,
  });
}
