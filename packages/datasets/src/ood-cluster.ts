import {
  checkFiniteNumber,
  checkPositiveInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
} from '@uqjs/core';
import { checkOptions } from './options.js';
import { checkNonNegative, type ToySet } from './toy-set.js';

/**
 * Options of {@link makeOodCluster}.
 *
 * @since 0.1.0
 */
export interface OodClusterOptions {
  /** Number of points. Default `500`. */
  readonly n?: number;
  /** Cluster centre; its length is the dimension `D`. Default `[2.5, -1.75]`. */
  readonly mean?: readonly number[];
  /** Standard deviation, one for all axes or one per axis. Default `0.1` (variance 0.01). */
  readonly std?: number | readonly number[];
  /** Default `0`. */
  readonly seed?: number;
}

/**
 * An out-of-domain Gaussian cluster `N(mean, diag(std^2))`, by default the one the SNGP
 * tutorial places beside the two moons (mean `(2.5, -1.75)`, variances `0.01`). `x` `[n, D]`;
 * `y` `[n]` is all `-1`: the points belong to no training class.
 *
 * @example
 * ```ts
 * const ood = makeOodCluster({ n: 500, seed: 1 });
 * ```
 * @since 0.1.0
 */
export function makeOodCluster(opts: OodClusterOptions = {}): ToySet {
  const fn = 'makeOodCluster';
  const options = checkOptions(opts, 'opts', fn);
  const n = checkPositiveInteger(options.n ?? 500, 'n', fn);
  const mean = options.mean ?? [2.5, -1.75];
  if (!Array.isArray(mean) || mean.length === 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'mean',
      expected: 'a non-empty array',
      given: mean,
    });
  }
  mean.forEach((m, axis) => {
    checkFiniteNumber(m, `mean[${axis}]`, fn);
  });
  const d = mean.length;
  const std = options.std ?? 0.1;
  const stds = typeof std === 'number' ? new Array<number>(d).fill(std) : [...std];
  if (stds.length !== d) {
    throw new InvalidArgumentError({
      fn,
      argument: 'std',
      expected: `a number or ${d} numbers (one per axis of mean)`,
      given: std,
    });
  }
  stds.forEach((s, axis) => {
    checkNonNegative(s, typeof std === 'number' ? 'std' : `std[${axis}]`, fn);
  });
  const rng = new Rng(deriveSeed(checkSeed(options.seed ?? 0, 'seed', fn), 'ood-cluster'));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let axis = 0; axis < d; axis++) x[i * d + axis] = mean[axis]! + stds[axis]! * rng.normal();
  }
  return { x, y: new Int32Array(n).fill(-1), shape: [n, d] };
}
