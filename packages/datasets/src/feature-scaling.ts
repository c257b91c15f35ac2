import { checkAllFinite, InvalidArgumentError } from '@uqjs/core';
import { ImageDataset, type ImageStorage } from './image-dataset.js';
import type { ToySet } from './toy-set.js';

/**
 * Per-feature mean and standard deviation, `[F]` (`F` = channels `C` of an image dataset,
 * dimension `D` of a toy set), in the units `toTensors` produces (uint8 pixels / 255).
 *
 * @since 0.1.0
 */
export interface Standardization {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * Per-feature minimum and maximum, `[F]`, in the units `toTensors` produces.
 *
 * @since 0.1.0
 */
export interface Normalization {
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/**
 * What the scaling helpers accept: an image dataset (features = channels) or a toy set.
 *
 * @since 0.1.0
 */
export type Scalable = ImageDataset | ToySet<Int32Array | Float32Array>;

/**
 * Standardizes each feature to mean 0 and standard deviation 1: `(v - mean_f) / std_f`, with
 * `f` the channel of an image dataset or the column of a toy set. Fit the statistics on the
 * training set and pass them for the others: `standardize(test, stats)`. The population
 * standard deviation is used; a constant feature (`std = 0`) is only centred (divided by 1).
 * Returns float32 data (4 bytes a value).
 *
 * @example
 * ```ts
 * const { data: train, stats } = standardize(cifar.train); // per-channel stats of the train set
 * const { data: test } = standardize(cifar.test, stats);
 * ```
 * @since 0.1.0
 */
export function standardize<T extends Scalable>(
  data: T,
  stats?: Standardization,
): { data: T; stats: Standardization } {
  const fn = 'standardize';
  const view = featureView(data, fn);
  const fitted = stats ?? fitStandardization(view);
  checkStats(fitted.mean, fitted.std, view.features, ['stats.mean', 'stats.std'], fn);
  fitted.std.forEach((s, f) => {
    if (s < 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `stats.std[${f}]`,
        expected: 'a number >= 0',
        given: s,
      });
    }
  });
  const scale = Array.from(fitted.std, (s) => (s > 0 ? s : 1));
  const out = affine(view, fitted.mean, scale);
  return { data: rebuild(data, out), stats: fitted };
}

/**
 * Rescales each feature to `[0, 1]`: `(v - min_f) / (max_f - min_f)` (a constant feature maps
 * to 0). Fit the range on the training set and pass it for the others; values of other sets
 * may then fall outside `[0, 1]`. Returns float32 data.
 *
 * @example
 * ```ts
 * const { data: train, range } = normalize(makeMoons({ seed: 0 }));
 * ```
 * @since 0.1.0
 */
export function normalize<T extends Scalable>(
  data: T,
  range?: Normalization,
): { data: T; range: Normalization } {
  const fn = 'normalize';
  const view = featureView(data, fn);
  const fitted = range ?? fitRange(view);
  checkStats(fitted.min, fitted.max, view.features, ['range.min', 'range.max'], fn);
  const width = Array.from(fitted.max, (hi, f) => (hi > fitted.min[f]! ? hi - fitted.min[f]! : 1));
  const out = affine(view, fitted.min, width);
  return { data: rebuild(data, out), range: fitted };
}

/** The values of a dataset with the number of features `F` (the last axis) and their unit. */
interface FeatureView {
  readonly values: ImageStorage;
  readonly features: number;
  /** Multiplier from stored values to model units: 1/255 for uint8 pixels, else 1. */
  readonly unit: number;
}

function featureView(data: Scalable, fn: string): FeatureView {
  if (data instanceof ImageDataset) {
    const unit = data.images instanceof Uint8Array ? 1 / 255 : 1;
    return { values: data.images, features: data.shape[3], unit };
  }
  if (data === null || typeof data !== 'object' || !(data.x instanceof Float32Array)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'data',
      expected: 'an ImageDataset or a toy set { x: Float32Array, y, shape: [n, D] }',
      given: data,
    });
  }
  checkAllFinite(data.x, 'data.x', fn);
  return { values: data.x, features: data.shape[1], unit: 1 };
}

function fitStandardization(view: FeatureView): Standardization {
  const { values, features, unit } = view;
  const rows = values.length / features;
  const mean = new Float64Array(features);
  const std = new Float64Array(features);
  for (let i = 0; i < values.length; i++) mean[i % features]! += values[i]! * unit;
  for (let f = 0; f < features; f++) mean[f]! /= rows;
  // Second pass over the centred values: exact enough in float64 without Welford's update.
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! * unit - mean[i % features]!;
    std[i % features]! += d * d;
  }
  for (let f = 0; f < features; f++) {
    const s = Math.sqrt(std[f]! / rows);
    // A constant feature leaves only rounding error (~1e-16 |mean|) here: call it 0.
    std[f] = s <= 1e-9 * Math.abs(mean[f]!) ? 0 : s;
  }
  return { mean, std };
}

function fitRange(view: FeatureView): Normalization {
  const { values, features, unit } = view;
  const min = new Float64Array(features).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(features).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * unit;
    const f = i % features;
    if (v < min[f]!) min[f] = v;
    if (v > max[f]!) max[f] = v;
  }
  return { min, max };
}

/** `(v * unit - shift_f) / scale_f` for every value, feature `f = i mod F`. */
function affine(
  view: FeatureView,
  shift: ArrayLike<number>,
  scale: ArrayLike<number>,
): Float32Array {
  const { values, features, unit } = view;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const f = i % features;
    out[i] = (values[i]! * unit - shift[f]!) / scale[f]!;
  }
  return out;
}

function checkStats(
  a: unknown,
  b: unknown,
  features: number,
  names: readonly [string, string],
  fn: string,
): void {
  [a, b].forEach((stat, i) => {
    const name = names[i]!;
    if (!(stat instanceof Float64Array) || stat.length !== features) {
      throw new InvalidArgumentError({
        fn,
        argument: name,
        expected: `a Float64Array of ${features} values (one per feature)`,
        given: stat,
      });
    }
    checkAllFinite(stat, name, fn);
  });
}

function rebuild<T extends Scalable>(data: T, values: Float32Array): T {
  if (data instanceof ImageDataset) return data.withImages(values) as T;
  return { ...data, x: values } as T;
}
