import type { Tensor } from '@tensorflow/tfjs-core';
import { checkInRange, DataError, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { readValues, type Values, type VectorInput, writeLike } from './inputs.js';
import { fitIsotonicKnots, interpolate, type Knots } from './isotonic-regression.js';
import { normalCdf, normalQuantile } from './normal.js';
import { jsonNumbers } from './one-vs-rest.js';

/**
 * What the methods of {@link RegressionRecalibration} return for a `mean` of type `T`: a new
 * float32 tensor `[N]` for a tensor (the caller disposes it), else a `Float64Array`.
 *
 * @since 0.1.0
 */
export type VectorLike<T> = T extends Tensor ? Tensor : Float64Array;

/**
 * Stored form of a {@link RegressionRecalibration} fit: the knots of the map `R` on `[0, 1]`.
 *
 * @since 0.1.0
 */
export interface RegressionRecalibrationJson {
  readonly kind: 'regression-recalibration';
  readonly x: readonly number[];
  readonly y: readonly number[];
}

interface Gaussian {
  readonly mean: Values;
  readonly std: Float64Array;
}

/** Reads `mean` and `std` `[N]` (std > 0) of a Gaussian predictive. */
async function readGaussian(mean: unknown, std: unknown, fn: string): Promise<Gaussian> {
  const mu = await readValues(mean, 'mean', fn, 'vector');
  const sigma = await readValues(std, 'std', fn, 'vector');
  if (sigma.rows !== mu.rows) {
    throw new ShapeError({
      fn,
      argument: 'std',
      expected: `of shape [${mu.rows}] (one per mean)`,
      given: sigma.shape,
    });
  }
  sigma.data.forEach((s, i) => {
    if (!(s > 0)) {
      throw new InvalidArgumentError({
        fn,
        argument: `std[${i}]`,
        expected: 'a standard deviation > 0',
        given: s,
      });
    }
  });
  return { mean: mu, std: sigma.data };
}

/**
 * Reads a Gaussian predictive and its targets `[N]` and returns the probability integral
 * transforms `u_i = Phi((y_i - mean_i) / std_i)` `[N]` with the read `mean` (whose form a
 * result takes).
 */
async function readPit(
  mean: unknown,
  std: unknown,
  targets: unknown,
  fn: string,
): Promise<{ readonly u: Float64Array; readonly mean: Values }> {
  const g = await readGaussian(mean, std, fn);
  const y = await readValues(targets, 'targets', fn, 'vector');
  if (y.rows !== g.mean.rows) {
    throw new ShapeError({
      fn,
      argument: 'targets',
      expected: `of shape [${g.mean.rows}] (one per mean)`,
      given: y.shape,
    });
  }
  const u = y.data.map((t, i) => normalCdf((t - g.mean.data[i]!) / g.std[i]!));
  return { u, mean: g.mean };
}

/** Checks a level strictly inside `(0, 1)`. */
function readLevel(value: unknown, argument: string, fn: string): number {
  const v = checkInRange(value, argument, fn, 0, 1);
  if (v === 0 || v === 1) {
    throw new InvalidArgumentError({ fn, argument, expected: 'strictly inside (0, 1)', given: v });
  }
  return v;
}

/** The smallest `p` with `R(p) >= level` for the piecewise-linear non-decreasing `R`. */
function inverse(knots: Knots, level: number): number {
  const { x, y } = knots;
  let j = 0;
  while (j < y.length && y[j]! < level) j++;
  if (j === 0) return x[0]!;
  if (j === y.length) return x[x.length - 1]!;
  const t = (level - y[j - 1]!) / (y[j]! - y[j - 1]!);
  return x[j - 1]! + t * (x[j]! - x[j - 1]!);
}

/**
 * Recalibration of a regressor's Gaussian predictive (Kuleshov, Fenner & Ermon 2018): on
 * held-out data, the probability integral transforms `u_i = Phi((y_i - mean_i) / std_i)` are
 * mapped to their empirical CDF by isotonic regression, `R(u) ≈ P(U <= u)`, through `(0, 0)`
 * and `(1, 1)`. The recalibrated CDF is `R(F(y))`, and the recalibrated `level`-quantile is
 * `mean + std Phi^-1(R^-1(level))`, so that a calibrated fraction of targets falls below it.
 *
 * @example
 * ```ts
 * const recal = await RegressionRecalibration.fit(valMean, valStd, valTargets);
 * const { lower, upper } = await recal.interval(testMean, testStd, 0.9); // 90% intervals
 * ```
 * @since 0.1.0
 */
export class RegressionRecalibration {
  static readonly kind = 'regression-recalibration';

  private constructor(private readonly knots: Knots) {}

  /**
   * @param mean `[N]` predictive means of held-out examples.
   * @param std `[N]` predictive standard deviations, each `> 0`.
   * @param targets `[N]` observed targets.
   */
  static async fit(
    mean: VectorInput,
    std: VectorInput,
    targets: VectorInput,
  ): Promise<RegressionRecalibration> {
    const fn = 'RegressionRecalibration.fit';
    const { u } = await readPit(mean, std, targets, fn);
    const n = u.length;
    // Empirical CDF of the PIT values at each of them: #{j : u_j <= u_i} / n (ties share the
    // count of the last of them).
    const sorted = Float64Array.from(u).sort();
    const ecdf = u.map((v) => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo / n;
    });
    const fitted = fitIsotonicKnots(u, ecdf, new Float64Array(n).fill(1));
    const x = Array.from(fitted.x);
    const r = Array.from(fitted.y);
    if (x[0]! > 0) {
      x.unshift(0);
      r.unshift(0);
    }
    if (x[x.length - 1]! < 1) {
      x.push(1);
      r.push(1);
    }
    return new RegressionRecalibration({ x: Float64Array.from(x), y: Float64Array.from(r) });
  }

  /** Rebuilds a fit stored with {@link RegressionRecalibration.toJSON}; a `DataError` if corrupt. */
  static fromJSON(json: unknown): RegressionRecalibration {
    const fn = 'RegressionRecalibration.fromJSON';
    const j = (json ?? {}) as Partial<RegressionRecalibrationJson>;
    if (j.kind !== RegressionRecalibration.kind) {
      throw new DataError(`${fn}: json is not a stored ${RegressionRecalibration.kind} fit`);
    }
    const x = jsonNumbers(j.x, 'x', fn);
    const y = jsonNumbers(j.y, 'y', fn, x.length);
    const ok =
      x.length >= 2 &&
      x.every((v, i) => v >= 0 && v <= 1 && (i === 0 || (v > x[i - 1]! && y[i]! >= y[i - 1]!))) &&
      y.every((v) => v >= 0 && v <= 1);
    if (!ok) {
      throw new DataError(
        `${fn}: json x must increase strictly in [0, 1] and y be non-decreasing in [0, 1]`,
      );
    }
    return new RegressionRecalibration({ x, y });
  }

  /**
   * The recalibrated CDF at `targets`: `R(Phi((y - mean) / std))`, `[N]`.
   */
  async cdf<T extends VectorInput>(
    mean: T,
    std: VectorInput,
    targets: VectorInput,
  ): Promise<VectorLike<T>> {
    const fn = 'RegressionRecalibration.cdf';
    const pit = await readPit(mean, std, targets, fn);
    const out = pit.u.map((v) => interpolate(this.knots, v));
    return writeLike(out, pit.mean) as VectorLike<T>;
  }

  /**
   * Recalibrated quantiles at `level` in `(0, 1)`: `mean + std Phi^-1(R^-1(level))`, `[N]`
   * (`±Infinity` where the level lies beyond what the fitting data covered).
   */
  async quantile<T extends VectorInput>(
    mean: T,
    std: VectorInput,
    level: number,
  ): Promise<VectorLike<T>> {
    const fn = 'RegressionRecalibration.quantile';
    const q = normalQuantile(inverse(this.knots, readLevel(level, 'level', fn)));
    const g = await readGaussian(mean, std, fn);
    const out = g.mean.data.map((m, i) => m + g.std[i]! * q);
    return writeLike(out, g.mean) as VectorLike<T>;
  }

  /**
   * Central recalibrated intervals of probability `confidence` (default 0.9): the quantiles at
   * `(1 - confidence) / 2` and `(1 + confidence) / 2`, each `[N]`.
   */
  async interval<T extends VectorInput>(
    mean: T,
    std: VectorInput,
    confidence = 0.9,
  ): Promise<{ lower: VectorLike<T>; upper: VectorLike<T> }> {
    const c = readLevel(confidence, 'confidence', 'RegressionRecalibration.interval');
    return {
      lower: await this.quantile(mean, std, (1 - c) / 2),
      upper: await this.quantile(mean, std, (1 + c) / 2),
    };
  }

  toJSON(): RegressionRecalibrationJson {
    return {
      kind: RegressionRecalibration.kind,
      x: Array.from(this.knots.x),
      y: Array.from(this.knots.y),
    };
  }
}
