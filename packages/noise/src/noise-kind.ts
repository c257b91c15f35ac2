import { checkOneOf } from '@uqjs/core';

/**
 * The standard noise families, by name: `'normal'`, `'logistic'` and `'gumbel'` (the
 * max-Gumbel, whose iid noise on class utilities gives the multinomial logit / softmax).
 *
 * @example
 * ```ts
 * import { NOISE_KINDS } from '@uqjs/noise';
 * console.log(NOISE_KINDS); // ['normal', 'logistic', 'gumbel']
 * ```
 * @since 0.1.0
 */
export const NOISE_KINDS = ['normal', 'logistic', 'gumbel'] as const;

/**
 * A noise family name; configs store it as this string, never as a class.
 *
 * @since 0.1.0
 */
export type NoiseKind = (typeof NOISE_KINDS)[number];

/**
 * Checks that `value` is a {@link NoiseKind}; the error names `argument` and `fn`.
 *
 * @example
 * ```ts
 * checkNoiseKind('cauchy', 'opts.noise', 'mcSoftmax');
 * // throws: mcSoftmax: opts.noise must be one of 'normal', 'logistic', 'gumbel', got "cauchy"
 * ```
 * @since 0.1.0
 */
export function checkNoiseKind(value: unknown, argument: string, fn: string): NoiseKind {
  return checkOneOf(value, NOISE_KINDS, argument, fn);
}
