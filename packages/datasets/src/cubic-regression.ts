import { checkPositiveInteger, checkSeed, deriveSeed, Rng } from '@uqjs/core';
import { checkOptions } from './options.js';
import { checkNonNegative, checkRange, type ToySet } from './toy-set.js';

/**
 * Options of {@link makeCubicRegression}.
 *
 * @since 0.1.0
 */
export interface CubicRegressionOptions {
  /** Number of points. Default `20`. */
  readonly n?: number;
  /** Interval `x` is drawn from uniformly. Default `[-4, 4]`. */
  readonly range?: readonly [number, number];
  /** Noise standard deviation. Default `3`. */
  readonly std?: number;
  /** Default `0`. */
  readonly seed?: number;
}

/**
 * The 1-D regression toy of Hernández-Lobato & Adams (2015), used by deep ensembles:
 * `x ~ U(range)`, `y = x^3 + eps`, `eps ~ N(0, std^2)`; defaults 20 points on `[-4, 4]`,
 * `std = 3`. `x` `[n, 1]`, `y` `[n]` float32.
 *
 * @example
 * ```ts
 * const { x, y } = makeCubicRegression({ n: 20, range: [-4, 4], std: 3, seed: 0 });
 * ```
 * @since 0.1.0
 */
export function makeCubicRegression(opts: CubicRegressionOptions = {}): ToySet<Float32Array> {
  const fn = 'makeCubicRegression';
  const options = checkOptions(opts, 'opts', fn);
  const n = checkPositiveInteger(options.n ?? 20, 'n', fn);
  const [lo, hi] = checkRange(options.range ?? [-4, 4], 'range', fn);
  const std = checkNonNegative(options.std ?? 3, 'std', fn);
  const seed = checkSeed(options.seed ?? 0, 'seed', fn);
  const rng = new Rng(deriveSeed(seed, 'cubic-regression'));
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Round x to float32 first, so y is the target of the stored x exactly.
    const xi = Math.fround(lo + (hi - lo) * rng.uniform());
    x[i] = xi;
    y[i] = xi ** 3 + std * rng.normal();
  }
  return { x, y, shape: [n, 1] };
}
