import { checkPositiveInteger, checkSeed, deriveSeed, Rng } from '@uqjs/core';
import { checkOptions } from './options.js';
import { checkNonNegative, permuteRows, type ToySet } from './toy-set.js';

/**
 * Options of {@link makeMoons}.
 *
 * @since 0.1.0
 */
export interface MoonsOptions {
  /** Total number of points; `floor(n/2)` in class 0, the rest in class 1. Default `1000`. */
  readonly n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default `0.1`. */
  readonly noise?: number;
  /** Default `0`. */
  readonly seed?: number;
}

/**
 * Two interleaving half circles, as in the TensorFlow SNGP tutorial (scikit-learn's
 * `make_moons`, then shifted apart). Class 0, the upper moon: `(cos t, sin t)`; class 1, the
 * lower moon: `(1 - cos t, 0.5 - sin t)`; `t` evenly spaced over `[0, pi]`. Each coordinate
 * gets `N(0, noise^2)` noise, then class 0 moves by `(-0.1, +0.2)` and class 1 by
 * `(+0.1, -0.2)`. Points come in a seeded random order. `x` `[n, 2]`, `y` `[n]` in `{0, 1}`.
 *
 * @example
 * ```ts
 * const train = makeMoons({ n: 1000, noise: 0.1, seed: 0 }); // the tutorial's training set
 * ```
 * @since 0.1.0
 */
export function makeMoons(opts: MoonsOptions = {}): ToySet {
  const fn = 'makeMoons';
  const options = checkOptions(opts, 'opts', fn);
  const n = checkPositiveInteger(options.n ?? 1000, 'n', fn);
  const noise = checkNonNegative(options.noise ?? 0.1, 'noise', fn);
  const seed = checkSeed(options.seed ?? 0, 'seed', fn);
  const rng = new Rng(deriveSeed(seed, 'moons', 'noise'));
  const nUpper = Math.floor(n / 2);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const upper = i < nUpper;
    const count = upper ? nUpper : n - nUpper;
    const j = upper ? i : i - nUpper;
    const t = count === 1 ? 0 : (Math.PI * j) / (count - 1);
    const px = upper ? Math.cos(t) - 0.1 : 1 - Math.cos(t) + 0.1;
    const py = upper ? Math.sin(t) + 0.2 : 0.5 - Math.sin(t) - 0.2;
    x[2 * i] = px + noise * rng.normal();
    x[2 * i + 1] = py + noise * rng.normal();
    y[i] = upper ? 0 : 1;
  }
  const order = new Rng(deriveSeed(seed, 'moons', 'order')).permutation(n);
  return permuteRows({ x, y, shape: [n, 2] }, order);
}
