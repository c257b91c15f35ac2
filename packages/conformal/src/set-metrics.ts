import { checkInteger, InvalidArgumentError } from '@uqjs/core';
import { checkAlpha } from './conformal-quantile.js';
import type { VectorInput } from './inputs.js';
import { checkLength, readOptions, readVector } from './inputs.js';

/**
 * Prediction sets `[N]`: for each example, the class indices it contains (as returned by
 * `predictSets`).
 *
 * @since 0.1.0
 */
export type PredictionSets = readonly (readonly number[])[];

/**
 * Coverage of the sets of one size.
 *
 * @since 0.1.0
 */
export interface SizeStratum {
  /** The set size. */
  readonly size: number;
  /** How many examples got a set of this size. */
  readonly count: number;
  /** The fraction of those whose set holds the label. */
  readonly coverage: number;
}

/**
 * Result of {@link sizeStratifiedCoverage}.
 *
 * @since 0.1.0
 */
export interface SizeStratifiedCoverage {
  /** One stratum per set size that occurs, by increasing size. */
  readonly strata: SizeStratum[];
  /**
   * With `opts.alpha`: the size-stratified coverage violation (Angelopoulos et al. 2021),
   * `max_s |coverage_s - (1 - alpha)|` over the strata; `null` without it.
   */
  readonly violation: number | null;
}

/** Checks the sets (integers >= 0 in each) and returns how many there are. */
function checkSets(sets: unknown, fn: string): PredictionSets {
  if (!Array.isArray(sets) || sets.length === 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'sets',
      expected: 'a non-empty array of sets (number[][])',
      given: sets,
    });
  }
  sets.forEach((set: unknown, i) => {
    if (!Array.isArray(set)) {
      throw new InvalidArgumentError({
        fn,
        argument: `sets[${i}]`,
        expected: 'an array of class indices',
        given: set,
      });
    }
    set.forEach((k: unknown, j) => {
      checkInteger(k, `sets[${i}][${j}]`, fn);
    });
  });
  return sets as PredictionSets;
}

async function readSetLabels(
  sets: PredictionSets,
  labels: VectorInput,
  fn: string,
): Promise<ArrayLike<number>> {
  const y = await readVector(labels, 'labels', fn);
  checkLength(y, sets.length, 'labels', fn, 'one per set');
  for (let i = 0; i < y.length; i++) checkInteger(y[i], `labels[${i}]`, fn);
  return y;
}

/**
 * Empirical coverage: the fraction of examples whose set contains the label.
 *
 * @param sets prediction sets `[N]`.
 * @param labels labels `[N]` (integers >= 0).
 * @since 0.1.0
 */
export async function coverage(sets: PredictionSets, labels: VectorInput): Promise<number> {
  const fn = 'coverage';
  const s = checkSets(sets, fn);
  const y = await readSetLabels(s, labels, fn);
  let hits = 0;
  for (let i = 0; i < s.length; i++) if (s[i]!.includes(y[i]!)) hits++;
  return hits / s.length;
}

/**
 * The mean number of classes per set.
 *
 * @param sets prediction sets `[N]`.
 * @since 0.1.0
 */
export function meanSetSize(sets: PredictionSets): number {
  const s = checkSets(sets, 'meanSetSize');
  let total = 0;
  for (const set of s) total += set.length;
  return total / s.length;
}

/**
 * Coverage per set size: how well the sets of each size cover (a conditional-coverage
 * diagnostic; marginal coverage can hide small sets that under-cover).
 *
 * @param sets prediction sets `[N]`.
 * @param labels labels `[N]`.
 * @param opts `alpha`: the target miscoverage, to report the largest deviation from `1 - alpha`.
 * @since 0.1.0
 */
export async function sizeStratifiedCoverage(
  sets: PredictionSets,
  labels: VectorInput,
  opts?: { readonly alpha?: number },
): Promise<SizeStratifiedCoverage> {
  const fn = 'sizeStratifiedCoverage';
  const o = readOptions<{ alpha: number }>(opts, 'opts', fn);
  const alpha = o.alpha === undefined ? null : checkAlpha(o.alpha, fn);
  const s = checkSets(sets, fn);
  const y = await readSetLabels(s, labels, fn);
  const bySize = new Map<number, { count: number; hits: number }>();
  for (let i = 0; i < s.length; i++) {
    const size = s[i]!.length;
    const stratum = bySize.get(size) ?? { count: 0, hits: 0 };
    stratum.count++;
    if (s[i]!.includes(y[i]!)) stratum.hits++;
    bySize.set(size, stratum);
  }
  const strata = [...bySize.entries()]
    .sort(([a], [b]) => a - b)
    .map(([size, { count, hits }]) => ({ size, count, coverage: hits / count }));
  const violation =
    alpha === null ? null : Math.max(...strata.map((t) => Math.abs(t.coverage - (1 - alpha))));
  return { strata, violation };
}
