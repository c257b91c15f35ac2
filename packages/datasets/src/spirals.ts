import { checkPositiveInteger, checkSeed, deriveSeed, Rng } from '@uqjs/core';
import { checkOptions } from './options.js';
import { checkNonNegative, permuteRows, type ToySet } from './toy-set.js';

/**
 * Options of {@link makeSpirals}.
 *
 * @since 0.1.0
 */
export interface SpiralsOptions {
  /** Points per class. Default `100`. */
  readonly perClass?: number;
  /** Number of arms (classes) `K`. Default `3`. */
  readonly numClasses?: number;
  /** Standard deviation of the Gaussian noise on the angle, in radians. Default `0.2`. */
  readonly noise?: number;
  /** Default `0`. */
  readonly seed?: number;
}

/**
 * Interleaved spiral arms, the radius/angle construction used in deep-ensembles practicals
 * (after CS231n): point `i` of class `k` has radius `r = i / (perClass - 1)` and angle
 * `t = 4k + 4r + noise * N(0, 1)`, at `(r sin t, r cos t)`. Points come in a seeded random
 * order. `x` `[perClass * K, 2]`, `y` in `[0, K)`.
 *
 * @example
 * ```ts
 * const spirals = makeSpirals({ perClass: 100, numClasses: 3, noise: 0.2, seed: 0 });
 * ```
 * @since 0.1.0
 */
export function makeSpirals(opts: SpiralsOptions = {}): ToySet {
  const fn = 'makeSpirals';
  const options = checkOptions(opts, 'opts', fn);
  const perClass = checkPositiveInteger(options.perClass ?? 100, 'perClass', fn);
  const numClasses = checkPositiveInteger(options.numClasses ?? 3, 'numClasses', fn);
  const noise = checkNonNegative(options.noise ?? 0.2, 'noise', fn);
  const seed = checkSeed(options.seed ?? 0, 'seed', fn);
  const rng = new Rng(deriveSeed(seed, 'spirals', 'noise'));
  const n = perClass * numClasses;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let k = 0; k < numClasses; k++) {
    for (let i = 0; i < perClass; i++) {
      const at = k * perClass + i;
      const r = perClass === 1 ? 0 : i / (perClass - 1);
      const t = 4 * k + 4 * r + noise * rng.normal();
      x[2 * at] = r * Math.sin(t);
      x[2 * at + 1] = r * Math.cos(t);
      y[at] = k;
    }
  }
  const order = new Rng(deriveSeed(seed, 'spirals', 'order')).permutation(n);
  return permuteRows({ x, y, shape: [n, 2] }, order);
}
