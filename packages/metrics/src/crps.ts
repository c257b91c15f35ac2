import type { VectorInput } from './inputs.js';
import { normalCdf, normalPdf, readRegressionInputs } from './predictive-distribution.js';

/**
 * The continuous ranked probability score of a predictive distribution `F` at a target `y`,
 * `CRPS(F, y) = ∫ (F(x) - 1{x >= y})^2 dx` (lower is better; in the units of `y`), in closed
 * form for location-scale families (Gneiting & Raftery 2007).
 */

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * Mean CRPS of Gaussian predictives `N(mean_i, std_i^2)`:
 * `std [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]`, `z = (y - mean) / std`.
 *
 * @param mean predictive means `[N]`.
 * @param std predictive standard deviations `[N]`, each > 0.
 * @param targets observed targets `[N]`.
 * @example
 * ```ts
 * crpsGaussian([0], [1], [0]); // (2 - sqrt 2) / sqrt(2 pi) ≈ 0.2337
 * ```
 * @since 0.1.0
 */
export function crpsGaussian(mean: VectorInput, std: VectorInput, targets: VectorInput): number {
  const {
    loc,
    scale,
    targets: y,
  } = readRegressionInputs(mean, std, targets, 'mean', 'std', 'crpsGaussian');
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const s = scale[i]!;
    const z = (y[i]! - loc[i]!) / s;
    sum += s * (z * (2 * normalCdf(z) - 1) + 2 * normalPdf(z) - INV_SQRT_PI);
  }
  return sum / y.length;
}

/**
 * Mean CRPS of Laplace predictives with location `loc_i` and scale `b_i` (density
 * `e^{-|x - loc| / b} / (2 b)`): `|y - loc| + b e^{-|y - loc| / b} - 3 b / 4`
 * (`E|X - y| - E|X - X'| / 2`, with `E|X - X'| = 3 b / 2`).
 *
 * @param loc predictive locations (medians) `[N]`.
 * @param scale predictive scales `b` `[N]`, each > 0 (standard deviation `sqrt(2) b`).
 * @param targets observed targets `[N]`.
 * @since 0.1.0
 */
export function crpsLaplace(loc: VectorInput, scale: VectorInput, targets: VectorInput): number {
  const r = readRegressionInputs(loc, scale, targets, 'loc', 'scale', 'crpsLaplace');
  let sum = 0;
  for (let i = 0; i < r.targets.length; i++) {
    const b = r.scale[i]!;
    const d = Math.abs(r.targets[i]! - r.loc[i]!);
    sum += d + b * Math.exp(-d / b) - 0.75 * b;
  }
  return sum / r.targets.length;
}
