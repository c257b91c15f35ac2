import { ShapeError } from '@uqjs/core';
import type { VectorInput } from './inputs.js';
import { checkLength, readVector } from './inputs.js';

/**
 * Intervals to score: lower and upper ends `[N]` each (arrays, typed arrays or rank-1 tensors).
 *
 * @since 0.1.0
 */
export interface IntervalsInput {
  readonly lower: VectorInput;
  readonly upper: VectorInput;
}

async function readIntervals(
  intervals: IntervalsInput,
  fn: string,
): Promise<{ lower: ArrayLike<number>; upper: ArrayLike<number> }> {
  if (intervals === null || typeof intervals !== 'object') {
    throw new ShapeError({
      fn,
      argument: 'intervals',
      expected: 'an object { lower, upper }',
      given: intervals,
    });
  }
  const lower = await readVector(intervals.lower, 'intervals.lower', fn);
  const upper = await readVector(intervals.upper, 'intervals.upper', fn);
  checkLength(upper, lower.length, 'intervals.upper', fn, 'one per entry of intervals.lower');
  return { lower, upper };
}

/**
 * Empirical coverage of intervals: the fraction of targets with `lower <= y <= upper`.
 *
 * @param intervals `{ lower, upper }`, `[N]` each.
 * @param targets `[N]`.
 * @since 0.1.0
 */
export async function intervalCoverage(
  intervals: IntervalsInput,
  targets: VectorInput,
): Promise<number> {
  const fn = 'intervalCoverage';
  const { lower, upper } = await readIntervals(intervals, fn);
  const y = await readVector(targets, 'targets', fn);
  checkLength(y, lower.length, 'targets', fn, 'one per interval');
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (lower[i]! <= y[i]! && y[i]! <= upper[i]!) hits++;
  return hits / y.length;
}

/**
 * The mean width `upper - lower` of intervals (an empty interval, `upper < lower`, counts 0).
 *
 * @param intervals `{ lower, upper }`, `[N]` each.
 * @since 0.1.0
 */
export async function meanIntervalWidth(intervals: IntervalsInput): Promise<number> {
  const { lower, upper } = await readIntervals(intervals, 'meanIntervalWidth');
  let total = 0;
  for (let i = 0; i < lower.length; i++) total += Math.max(0, upper[i]! - lower[i]!);
  return total / lower.length;
}
