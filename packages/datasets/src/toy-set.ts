import { checkFiniteNumber, InvalidArgumentError } from '@uqjs/core';

/**
 * A toy dataset: `n` points of dimension `D` and their targets.
 *
 * @since 0.1.0
 */
export interface ToySet<Y extends Int32Array | Float32Array = Int32Array> {
  /** `[n, D]` row-major features. */
  readonly x: Float32Array;
  /** `[n]` class labels (`Int32Array`) or regression targets (`Float32Array`). */
  readonly y: Y;
  /** `[n, D]`. */
  readonly shape: readonly [number, number];
}

/** Checks an `[lo, hi]` pair of finite numbers with `lo < hi`. */
export function checkRange(
  range: unknown,
  argument: string,
  fn: string,
): readonly [number, number] {
  if (!Array.isArray(range) || range.length !== 2) {
    throw new InvalidArgumentError({ fn, argument, expected: 'a pair [lo, hi]', given: range });
  }
  const lo = checkFiniteNumber(range[0], `${argument}[0]`, fn);
  const hi = checkFiniteNumber(range[1], `${argument}[1]`, fn);
  if (!(lo < hi)) {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'a pair [lo, hi] with lo < hi',
      given: range,
    });
  }
  return [lo, hi];
}

/** Checks a noise scale: a finite number >= 0. */
export function checkNonNegative(value: unknown, argument: string, fn: string): number {
  const v = checkFiniteNumber(value, argument, fn);
  if (v < 0) throw new InvalidArgumentError({ fn, argument, expected: 'a number >= 0', given: v });
  return v;
}

/** Reorders the rows of a toy set by `order` (a permutation of `0..n-1`). */
export function permuteRows<Y extends Int32Array | Float32Array>(
  set: ToySet<Y>,
  order: Int32Array,
): ToySet<Y> {
  const [n, d] = set.shape;
  const x = new Float32Array(set.x.length);
  const y = set.y.slice() as Y;
  for (let i = 0; i < n; i++) {
    const from = order[i]!;
    x.set(set.x.subarray(from * d, from * d + d), i * d);
    y[i] = set.y[from]!;
  }
  return { x, y, shape: set.shape };
}
