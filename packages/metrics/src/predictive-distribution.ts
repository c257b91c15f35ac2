import { checkOneOf, InvalidArgumentError } from '@uqjs/core';
import type { VectorInput } from './inputs.js';
import { checkLength, readVector } from './inputs.js';

/**
 * Location-scale predictive distributions of a regressor, on the JS side in float64. Internal
 * to the regression metrics.
 *
 * - `'gaussian'`: location the mean, scale the standard deviation.
 * - `'laplace'`: location the median, scale `b` (standard deviation `sqrt(2) b`).
 */

/**
 * A regressor's predictive distribution family.
 *
 * @since 0.1.0
 */
export type PredictiveDistribution = 'gaussian' | 'laplace';

/** The families' names, for option checks. */
export const PREDICTIVE_DISTRIBUTIONS: readonly PredictiveDistribution[] = ['gaussian', 'laplace'];

/** Checks `opts.distribution` (default `'gaussian'`). */
export function readDistribution(value: unknown, fn: string): PredictiveDistribution {
  return value === undefined
    ? 'gaussian'
    : checkOneOf(value, PREDICTIVE_DISTRIBUTIONS, 'opts.distribution', fn);
}

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * `erfc(x)` for `x >= 0`, to ~1e-15 relative error. Below 2: `1 - erf(x)` with the series
 * `erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1 * 3 * ... * (2n + 1))` (positive terms,
 * no cancellation). From 2 on: the continued fraction
 * `erfc(x) = e^{-x^2}/sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))`, by the
 * modified Lentz method (Abramowitz & Stegun 7.1.14), accurate in the far tail.
 */
function erfcNonNegative(x: number): number {
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** The standard normal CDF `Phi(z)`, accurate in both tails. */
export function normalCdf(z: number): number {
  const half = erfcNonNegative(Math.abs(z) / Math.SQRT2) / 2;
  return z < 0 ? half : 1 - half;
}

/** The standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** The CDF of the standardized family at `z = (y - loc) / scale`. */
export function standardCdf(distribution: PredictiveDistribution, z: number): number {
  if (distribution === 'gaussian') return normalCdf(z);
  return z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z);
}

/**
 * The probability of the central interval `[-|z|, |z|]` of the standardized family:
 * `2 F(|z|) - 1` (`erf(|z| / sqrt 2)` for the Gaussian, `1 - e^{-|z|}` for the Laplace).
 */
export function centralProbability(distribution: PredictiveDistribution, z: number): number {
  const a = Math.abs(z);
  if (distribution === 'gaussian') return 1 - erfcNonNegative(a / Math.SQRT2);
  return -Math.expm1(-a);
}

/** Predictive locations, scales and targets, read and checked. Internal. */
export interface RegressionInputs {
  readonly loc: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
  readonly targets: ArrayLike<number>;
}

/**
 * Reads `[N]` locations (finite), scales (finite, > 0) and targets (finite) of equal length,
 * naming the arguments `locName`, `scaleName` and `targets`.
 */
export function readRegressionInputs(
  loc: VectorInput,
  scale: VectorInput,
  targets: VectorInput,
  locName: string,
  scaleName: string,
  fn: string,
): RegressionInputs {
  const l = readFinite(loc, locName, fn);
  const s = readFinite(scale, scaleName, fn);
  const y = readFinite(targets, 'targets', fn);
  checkLength(s, l.length, scaleName, fn, `one per entry of ${locName}`);
  checkLength(y, l.length, 'targets', fn, `one per entry of ${locName}`);
  for (let i = 0; i < s.length; i++) {
    if (!(s[i]! > 0)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${scaleName}[${i}]`,
        expected: 'a finite number > 0',
        given: s[i],
      });
    }
  }
  return { loc: l, scale: s, targets: y };
}

/** Reads a non-empty `[N]` vector of finite numbers (strings refused, not coerced). */
export function readFinite(input: VectorInput, argument: string, fn: string): ArrayLike<number> {
  const v = readVector(input, argument, fn);
  if (v.length === 0) {
    throw new InvalidArgumentError({ fn, argument, expected: 'a non-empty vector', given: v });
  }
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}[${i}]`,
        expected: 'a finite number',
        given: x,
      });
    }
  }
  return v;
}
