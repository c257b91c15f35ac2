import { checkSeed, deriveSeed, InvalidArgumentError, Rng } from '@uqjs/core';
import { ImageDataset } from './image-dataset.js';
import { checkOptions } from './options.js';

/**
 * Options of {@link split}.
 *
 * @since 0.1.0
 */
export interface SplitOptions {
  /**
   * The held-out part: a fraction in `(0, 1)` of the examples, or a count (an integer >= 1).
   * Fractions are rounded to the nearest count.
   */
  readonly validation: number;
  /** Keep each class's share the same in both parts. Default `true`. */
  readonly stratified?: boolean;
  /** Seed of the choice of examples. Default `0`. */
  readonly seed?: number;
}

/**
 * The two parts of a {@link split}.
 *
 * @since 0.1.0
 */
export interface SplitResult {
  readonly train: ImageDataset;
  readonly validation: ImageDataset;
}

/**
 * Splits a dataset into train and validation parts, seeded. Stratified (the default), class
 * `k` with `n_k` of the `N` examples gives its largest-remainder share of `n_k * v / N`
 * examples to validation (`v` the validation count): the per-class counts sum exactly to `v`
 * and differ from the exact proportion by less than 1. Both parts keep the examples in
 * their original relative order; shuffle with {@link ImageDataset.batches}.
 *
 * @example
 * ```ts
 * const { train, validation } = split(dataset, { validation: 0.1, seed: 0 });
 * ```
 * @since 0.1.0
 */
export function split(dataset: ImageDataset, opts: SplitOptions): SplitResult {
  const fn = 'split';
  if (!(dataset instanceof ImageDataset)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'dataset',
      expected: 'an ImageDataset',
      given: dataset,
    });
  }
  const options = checkOptions(opts, 'opts', fn, 'an options object { validation, ... }');
  const count = validationCount(options.validation, dataset.size, fn);
  const seed = checkSeed(options.seed ?? 0, 'seed', fn);
  const stratified = options.stratified ?? true;
  const held = partition(dataset.labels, dataset.numClasses, count, stratified, seed);
  return { train: dataset.subset(held.rest), validation: dataset.subset(held.picked) };
}

/** Turns `validation` (fraction or count) into a count in `[1, n - 1]`. */
export function validationCount(validation: unknown, n: number, fn: string): number {
  let count = Number.NaN;
  if (typeof validation === 'number' && validation > 0 && validation < 1) {
    count = Math.round(validation * n);
  } else if (typeof validation === 'number' && Number.isInteger(validation)) {
    count = validation;
  }
  if (!(count >= 1 && count <= n - 1)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'validation',
      expected: `a fraction in (0, 1) or a count in [1, ${n - 1}] that leaves both parts non-empty (N = ${n})`,
      given: validation,
    });
  }
  return count;
}

/** Sorted indices of the picked examples and of the rest. */
export interface Partition {
  readonly picked: Int32Array;
  readonly rest: Int32Array;
}

/**
 * Picks `count` of the examples, seeded: per class by largest-remainder shares when
 * `stratified`, else uniformly. Both index lists come back sorted.
 */
export function partition(
  labels: Int32Array,
  numClasses: number,
  count: number,
  stratified: boolean,
  seed: number,
): Partition {
  const chosen = new Uint8Array(labels.length);
  if (!stratified) {
    const order = new Rng(deriveSeed(seed, 'split')).permutation(labels.length);
    for (let i = 0; i < count; i++) chosen[order[i]!] = 1;
  } else {
    const members = classMembers(labels, numClasses);
    const shares = largestRemainder(
      members.map((m) => m.length),
      count,
    );
    members.forEach((m, k) => {
      const order = new Rng(deriveSeed(seed, 'split', k)).permutation(m.length);
      for (let i = 0; i < shares[k]!; i++) chosen[m[order[i]!]!] = 1;
    });
  }
  const picked = new Int32Array(count);
  const rest = new Int32Array(labels.length - count);
  let p = 0;
  let r = 0;
  for (let i = 0; i < labels.length; i++) {
    if (chosen[i]) picked[p++] = i;
    else rest[r++] = i;
  }
  return { picked, rest };
}

/** Indices of each class's examples, in order. */
function classMembers(labels: Int32Array, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (const y of labels) counts[y]! += 1;
  const members = Array.from(counts, (c) => new Int32Array(c));
  const filled = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    members[y]![filled[y]!++] = i;
  }
  return members;
}

/**
 * Splits `total` into integer shares proportional to `sizes` (Hamilton's method): floors of
 * the exact quotas, then one more to the largest remainders (ties to the lower index).
 */
export function largestRemainder(sizes: readonly number[], total: number): Int32Array {
  const n = sizes.reduce((a, b) => a + b, 0);
  const quotas = sizes.map((s) => (s * total) / n);
  const shares = Int32Array.from(quotas, Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = quotas
    .map((q, k) => ({ k, r: q - Math.floor(q) }))
    .sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { k } of byRemainder) {
    if (left === 0) break;
    shares[k]! += 1;
    left -= 1;
  }
  return shares;
}
