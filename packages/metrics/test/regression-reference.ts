import { Rng } from '@uqjs/core';

/**
 * Independent references for the regression metrics: the normal CDF by quadrature of the
 * density (not the erfc series / continued fraction the package uses), composite Simpson
 * integration, and seeded simulated data.
 */

/** Composite Simpson's rule for `∫_a^b f` with `panels` (even) panels. */
export function simpson(f: (x: number) => number, a: number, b: number, panels: number): number {
  const h = (b - a) / panels;
  let sum = f(a) + f(b);
  for (let i = 1; i < panels; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * `Phi(x) = 1/2 + ∫_0^x phi`, Simpson with 400 panels (error about 1e-11 for |x| <= 12:
 * `(h^4 / 180) x max|phi''''|` with `h = |x| / 400` and `max|phi''''| = 3 / sqrt(2 pi)`).
 */
export function referenceNormalCdf(x: number): number {
  if (x === 0) return 0.5;
  const a = Math.min(Math.abs(x), 12);
  const half = simpson(normalDensity, 0, a, 400);
  return x > 0 ? 0.5 + half : 0.5 - half;
}

/** `n` Gaussian targets `y_i ~ N(mean_i, std_i^2)` with varied means and stds. */
export function gaussianData(
  seed: number,
  n: number,
): { mean: Float64Array; std: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mean[i] = 3 * rng.normal();
    std[i] = 0.1 + 2 * rng.uniform();
    y[i] = mean[i]! + std[i]! * rng.normal();
  }
  return { mean, std, y };
}
