import * as tf from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkInteger,
  checkLabels,
  checkPositiveInteger,
  checkSeed,
  InvalidArgumentError,
  Rng,
  ShapeError,
} from '@uqjs/core';
import { checkOptions } from './options.js';

/**
 * Pixel storage of an {@link ImageDataset}: `Uint8Array` pixels in `0..255` (what every loader
 * returns: 1 byte a pixel, scaled to `[0, 1]` per batch), or `Float32Array` values that are
 * used as they are (what {@link standardize} and {@link normalize} return).
 *
 * @since 0.1.0
 */
export type ImageStorage = Uint8Array | Float32Array;

/**
 * `[N, H, W, C]`: examples, height, width, channels (channels last, as tfjs convolutions).
 *
 * @since 0.1.0
 */
export type ImageShape = readonly [number, number, number, number];

/**
 * What an {@link ImageDataset} is made of.
 *
 * @since 0.1.0
 */
export interface ImageDatasetInit {
  /** Row-major `[N, H, W, C]` pixels. */
  readonly images: ImageStorage;
  /** `[N, H, W, C]`. */
  readonly shape: ImageShape;
  /** `[N]` class labels in `[0, K)`. */
  readonly labels: Int32Array;
  /** `K`, the number of classes. */
  readonly numClasses: number;
  /** `K` human-readable class names; default `['0', '1', ..., 'K-1']`. */
  readonly classNames?: readonly string[];
}

/**
 * Options of {@link ImageDataset.toTensors}.
 *
 * @since 0.1.0
 */
export interface TensorOptions {
  /** Return `x` as `[N, H*W*C]` (for dense models) instead of `[N, H, W, C]`. Default `false`. */
  readonly flatten?: boolean;
}

/**
 * Options of {@link ImageDataset.batches} and {@link ImageDataset.arrayBatches}.
 *
 * @since 0.1.0
 */
export interface BatchOptions extends TensorOptions {
  /** Examples per batch, `B`. */
  readonly batchSize: number;
  /** Visit the examples in a seeded random order. Default `false` (dataset order). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle; default `0`. Pass e.g. `deriveSeed(seed, 'epoch', epoch)` per epoch. */
  readonly seed?: number;
  /** Skip the last batch when it has fewer than `batchSize` examples. Default `false`. */
  readonly dropLast?: boolean;
}

/**
 * One batch as typed arrays.
 *
 * @since 0.1.0
 */
export interface ArrayBatch {
  /** `[B, H, W, C]` (or `[B, H*W*C]` flattened) float32 values, row-major. */
  readonly x: Float32Array;
  /** `[B]` labels. */
  readonly y: Int32Array;
  /** `[B]` positions of the batch's examples in the dataset. */
  readonly indices: Int32Array;
  /** The shape of `x`. */
  readonly shape: number[];
}

/**
 * One batch as tensors; the caller owns them and disposes them.
 *
 * @since 0.1.0
 */
export interface TensorBatch {
  /** `[B, H, W, C]` (or `[B, H*W*C]` flattened) float32. */
  readonly x: tf.Tensor;
  /** `[B]` int32 labels. */
  readonly y: tf.Tensor1D;
}

/** `PIXEL_SCALE[v] = v / 255` rounded to float32: one table, so every path scales identically. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * A labelled image classification set kept compact in memory: uint8 pixels (a quarter of
 * float32) that are scaled to float32 `[0, 1]` one batch at a time.
 *
 * Legend: `N` examples, `H` height, `W` width, `C` channels, `K` classes, `B` batch.
 *
 * Datasets are immutable: `subset` and `withLabels` return new datasets (`withLabels` shares
 * the pixel buffer, which is never written to).
 *
 * @example
 * ```ts
 * const { train } = await loadMnist();
 * const { x, y } = train.toTensors(); // x [8000, 28, 28, 1] in [0, 1], y [8000] int32
 * for (const batch of train.batches({ batchSize: 128, shuffle: true, seed: 1 })) {
 *   // ... model.trainOnBatch(batch.x, batch.y) ...
 *   tf.dispose([batch.x, batch.y]); // the caller owns every batch's tensors
 * }
 * ```
 * @since 0.1.0
 */
export class ImageDataset {
  /** Row-major `[N, H, W, C]` pixels: uint8 `0..255`, or float32 values used as they are. */
  readonly images: ImageStorage;
  /** `[N, H, W, C]`. */
  readonly shape: ImageShape;
  /** `[N]` class labels in `[0, K)`. */
  readonly labels: Int32Array;
  /** `K`. */
  readonly numClasses: number;
  /** `K` class names. */
  readonly classNames: readonly string[];

  constructor(init: ImageDatasetInit) {
    const fn = 'ImageDataset';
    if (init === null || typeof init !== 'object' || Array.isArray(init)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'init',
        expected: 'an object { images, shape, labels, numClasses, classNames? }',
        given: init,
      });
    }
    const shape = checkImageShape(init.shape, 'shape', fn);
    const [n, h, w, c] = shape;
    if (!(init.images instanceof Uint8Array || init.images instanceof Float32Array)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'images',
        expected: 'a Uint8Array or Float32Array',
        given: init.images,
      });
    }
    if (init.images.length !== n * h * w * c) {
      throw new ShapeError({
        fn,
        argument: 'images.length',
        expected: `N*H*W*C = ${n * h * w * c} for shape [${shape.join(', ')}]`,
        given: init.images.length,
      });
    }
    if (init.images instanceof Float32Array) checkAllFinite(init.images, 'images', fn);
    if (!(init.labels instanceof Int32Array) || init.labels.length !== n) {
      throw new ShapeError({
        fn,
        argument: 'labels',
        expected: `an Int32Array of length N = ${n}`,
        given: init.labels,
      });
    }
    checkPositiveInteger(init.numClasses, 'numClasses', fn);
    checkLabels(init.labels, init.numClasses, 'labels', fn);
    const names = init.classNames ?? Array.from({ length: init.numClasses }, (_, k) => String(k));
    if (names.length !== init.numClasses) {
      throw new InvalidArgumentError({
        fn,
        argument: 'classNames',
        expected: `${init.numClasses} names (one per class)`,
        given: names,
      });
    }
    this.images = init.images;
    this.shape = shape;
    this.labels = init.labels;
    this.numClasses = init.numClasses;
    this.classNames = Object.freeze([...names]);
  }

  /** `N`, the number of examples. */
  get size(): number {
    return this.shape[0];
  }

  /** `H*W*C`, the number of values per image. */
  get valuesPerImage(): number {
    return this.shape[1] * this.shape[2] * this.shape[3];
  }

  /**
   * Examples per class, `[K]`.
   *
   * @since 0.1.0
   */
  classCounts(): Int32Array {
    const counts = new Int32Array(this.numClasses);
    for (const y of this.labels) counts[y]! += 1;
    return counts;
  }

  /**
   * The whole dataset as tensors: `x` float32 `[N, H, W, C]` (or `[N, H*W*C]` with
   * `flatten`), uint8 pixels scaled by `1/255` to `[0, 1]` and float storage as it is; `y`
   * int32 `[N]`. The caller owns both tensors. For large sets prefer {@link batches}: `x` takes
   * 4 bytes a value (600 MB for CIFAR-10's training set).
   *
   * @since 0.1.0
   */
  toTensors(opts: TensorOptions = {}): TensorBatch {
    const options = checkOptions(opts, 'opts', 'ImageDataset.toTensors');
    const batch = this.gather(identity(this.size), options.flatten ?? false);
    return {
      x: tf.tensor(batch.x, batch.shape, 'float32'),
      y: tf.tensor1d(batch.y, 'int32'),
    };
  }

  /**
   * Iterates over batches as typed arrays (no tensors): each `x` is a fresh float32 array
   * `[B, H, W, C]` (or `[B, H*W*C]`), scaled like {@link toTensors}. Every example appears
   * once per pass; with `shuffle` the order is a seeded permutation.
   *
   * @since 0.1.0
   */
  arrayBatches(opts: BatchOptions): Generator<ArrayBatch, void, undefined> {
    return this.plan(opts, 'ImageDataset.arrayBatches');
  }

  /**
   * Iterates over batches as tensors `{ x, y }` (see {@link arrayBatches} for the options and
   * values). **The caller owns each batch's tensors** and disposes them
   * (`tf.dispose([x, y])`) when done; the iterator never keeps them.
   *
   * @example
   * ```ts
   * for (const { x, y } of train.batches({ batchSize: 64, shuffle: true, seed: epoch })) {
   *   const target = tf.oneHot(y, 10);
   *   await model.trainOnBatch(x, target);
   *   tf.dispose([x, y, target]);
   * }
   * ```
   * @since 0.1.0
   */
  batches(opts: BatchOptions): Generator<TensorBatch, void, undefined> {
    return asTensors(this.plan(opts, 'ImageDataset.batches'));
  }

  /** Checks the options at the call (not at the first `next()`) and returns the iterator. */
  private plan(opts: BatchOptions, fn: string): Generator<ArrayBatch, void, undefined> {
    const options = checkOptions(opts, 'opts', fn, 'an options object { batchSize, ... }');
    const batchSize = checkPositiveInteger(options.batchSize, 'batchSize', fn);
    const seed = checkSeed(options.seed ?? 0, 'seed', fn);
    const order = options.shuffle ? new Rng(seed).permutation(this.size) : identity(this.size);
    return this.batchesInOrder(
      order,
      batchSize,
      options.dropLast ?? false,
      options.flatten ?? false,
    );
  }

  /**
   * A new dataset of the examples at `indices` (in that order; repeats allowed), with its own
   * copy of their pixels.
   *
   * @since 0.1.0
   */
  subset(indices: ArrayLike<number>): ImageDataset {
    const fn = 'ImageDataset.subset';
    if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
      throw new InvalidArgumentError({
        fn,
        argument: 'indices',
        expected: 'an array of example indices',
        given: indices,
      });
    }
    const picked = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      if (!Number.isInteger(index) || index < 0 || index >= this.size) {
        throw new InvalidArgumentError({
          fn,
          argument: `indices[${i}]`,
          expected: `an integer in [0, ${this.size - 1}]`,
          given: index,
        });
      }
      picked[i] = index;
    }
    const per = this.valuesPerImage;
    const images =
      this.images instanceof Uint8Array
        ? new Uint8Array(picked.length * per)
        : new Float32Array(picked.length * per);
    const labels = new Int32Array(picked.length);
    for (let i = 0; i < picked.length; i++) {
      const from = picked[i]! * per;
      images.set(this.images.subarray(from, from + per), i * per);
      labels[i] = this.labels[picked[i]!]!;
    }
    return this.derive({ images, labels, count: picked.length });
  }

  /**
   * The same images with other labels, e.g. from {@link corruptLabels}. Shares the pixel
   * buffer (no copy).
   *
   * @since 0.1.0
   */
  withLabels(labels: Int32Array): ImageDataset {
    const fn = 'ImageDataset.withLabels';
    if (!(labels instanceof Int32Array) || labels.length !== this.size) {
      throw new ShapeError({
        fn,
        argument: 'labels',
        expected: `an Int32Array of length N = ${this.size}`,
        given: labels,
      });
    }
    checkLabels(labels, this.numClasses, 'labels', fn);
    return this.derive({ images: this.images, labels, count: this.size });
  }

  /**
   * The same labels with other pixels of the same `[H, W, C]` (used by {@link standardize}).
   *
   * @since 0.1.0
   */
  withImages(images: ImageStorage): ImageDataset {
    const fn = 'ImageDataset.withImages';
    const length = this.size * this.valuesPerImage;
    if (!(images instanceof Uint8Array || images instanceof Float32Array)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'images',
        expected: `a Uint8Array or Float32Array of N*H*W*C = ${length} values`,
        given: images,
      });
    }
    if (images.length !== length) {
      throw new ShapeError({
        fn,
        argument: 'images.length',
        expected: `N*H*W*C = ${length} for shape [${this.shape.join(', ')}]`,
        given: images.length,
      });
    }
    return this.derive({ images, labels: this.labels, count: this.size });
  }

  private derive(parts: { images: ImageStorage; labels: Int32Array; count: number }) {
    const [, h, w, c] = this.shape;
    return new ImageDataset({
      images: parts.images,
      shape: [parts.count, h, w, c],
      labels: parts.labels,
      numClasses: this.numClasses,
      classNames: this.classNames,
    });
  }

  private *batchesInOrder(
    order: Int32Array,
    batchSize: number,
    dropLast: boolean,
    flatten: boolean,
  ): Generator<ArrayBatch, void, undefined> {
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(start + batchSize, order.length);
      if (dropLast && end - start < batchSize) return;
      yield this.gather(order.subarray(start, end), flatten);
    }
  }

  /** Copies the examples at `indices` into a fresh float32 batch. */
  private gather(indices: Int32Array, flatten: boolean): ArrayBatch {
    const per = this.valuesPerImage;
    const x = new Float32Array(indices.length * per);
    const y = new Int32Array(indices.length);
    const src = this.images;
    for (let i = 0; i < indices.length; i++) {
      const from = indices[i]! * per;
      const to = i * per;
      if (src instanceof Uint8Array) {
        for (let k = 0; k < per; k++) x[to + k] = PIXEL_SCALE[src[from + k]!]!;
      } else {
        x.set(src.subarray(from, from + per), to);
      }
      y[i] = this.labels[indices[i]!]!;
    }
    const [, h, w, c] = this.shape;
    // [B, H, W, C] is stored row-major, so flattening is a relabelling of the same buffer.
    const shape = flatten ? [indices.length, per] : [indices.length, h, w, c];
    return { x, y, indices: Int32Array.from(indices), shape };
  }
}

/**
 * A train and a test set, as the loaders return them.
 *
 * @since 0.1.0
 */
export interface TrainTest {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

function* asTensors(batches: Iterable<ArrayBatch>): Generator<TensorBatch, void, undefined> {
  for (const batch of batches) {
    yield { x: tf.tensor(batch.x, batch.shape, 'float32'), y: tf.tensor1d(batch.y, 'int32') };
  }
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function checkImageShape(shape: unknown, argument: string, fn: string): ImageShape {
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new ShapeError({ fn, argument, expected: 'a shape [N, H, W, C]', given: shape });
  }
  checkInteger(shape[0], `${argument}[0]`, fn);
  for (let axis = 1; axis < 4; axis++)
    checkPositiveInteger(shape[axis], `${argument}[${axis}]`, fn);
  return [shape[0], shape[1], shape[2], shape[3]];
}
