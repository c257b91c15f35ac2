import type { NoiseKind } from '@uqjs/noise';

/**
 * The noise of the binary latent `y* = loc + scale * u`, the difference of the two class
 * utilities (Collier et al., appendix A). With `'gumbel'` the utilities carry iid Gumbel noise,
 * so their difference `u` is standard logistic (the binary logit model); `'normal'` and
 * `'logistic'` are the latent's own noise.
 *
 * @example
 * ```ts
 * binaryLatentNoise('gumbel'); // 'logistic'
 * ```
 * @since 0.1.0
 */
export function binaryLatentNoise(kind: NoiseKind): Exclude<NoiseKind, 'gumbel'> {
  return kind === 'gumbel' ? 'logistic' : kind;
}
