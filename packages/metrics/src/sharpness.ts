import { checkOneOf, InvalidArgumentError } from '@uqjs/core';
import type { VectorInput } from './inputs.js';
import { readOptions } from './options.js';
import { readFinite } from './predictive-distribution.js';

/**
 * Options of {@link sharpness}.
 *
 * @since 0.1.0
 */
export interface SharpnessOptions {
  /**
   * `'rms'` (default): `sqrt(mean_i std_i^2)`, the root mean predictive variance (as Uncertainty
   * Toolbox reports it); `'mean'`: `mean_i std_i`.
   */
  readonly reduction?: 'rms' | 'mean';
}

/**
 * Sharpness of predictive distributions: how concentrated they are, whatever the targets
 * (smaller is sharper; only meaningful next to a calibration measure).
 *
 * @param std predictive standard deviations `[N]`, each >= 0.
 * @example
 * ```ts
 * sharpness([1, 3]); // sqrt((1 + 9) / 2) ≈ 2.2361
 * sharpness([1, 3], { reduction: 'mean' }); // 2
 * ```
 * @since 0.1.0
 */
export function sharpness(std: VectorInput, opts: SharpnessOptions = {}): number {
  const fn = 'sharpness';
  const options = readOptions(opts, fn);
  const reduction =
    options.reduction === undefined
      ? 'rms'
      : checkOneOf(options.reduction, ['rms', 'mean'], 'opts.reduction', fn);
  const s = readFinite(std, 'std', fn);
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (v < 0) {
      throw new InvalidArgumentError({
        fn,
        argument: `std[${i}]`,
        expected: 'a finite number >= 0',
        given: v,
      });
    }
    max = Math.max(max, v);
  }
  if (max === 0) return 0;
  // Sums of std / max: neither the squares of huge stds overflow nor the mean of huge ones.
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]! / max;
    sum += reduction === 'rms' ? v * v : v;
  }
  return max * (reduction === 'rms' ? Math.sqrt(sum / s.length) : sum / s.length);
}
