/**
 * The standard normal CDF and quantile in float64, for the Gaussian predictive of regression
 * recalibration. Internal.
 *
 * `Phi(x)` for `|x| < 2.5` by Marsaglia's (2004) series
 * `Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3*5) + ...)`, whose terms are all positive (no
 * cancellation; absolute error ~1e-16); for `x <= -2.5` by Laplace's continued fraction of the
 * Mills ratio, `Phi(x) = phi(x) / (t + 1/(t + 2/(t + 3/(t + ...))))`, `t = -x` (100 terms:
 * relative error ~1e-15 from `t = 2.5` on, so the lower tail keeps its relative accuracy);
 * `x >= 2.5` by symmetry.
 *
 * `Phi^-1(p)` starts from Abramowitz & Stegun 26.2.23 (error < 4.5e-4) and takes Halley steps
 * on `Phi(x) - p` until they stop changing `x`.
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The standard normal density. */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** `Phi(x)` for `x <= -2.5`: Laplace's continued fraction, evaluated from the tail up. */
function lowerTail(x: number): number {
  const t = -x;
  let f = t;
  for (let k = 100; k >= 1; k--) f = t + k / f;
  return normalPdf(x) / f;
}

/** The standard normal CDF. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= -2.5) return lowerTail(x);
  if (x >= 2.5) return 1 - lowerTail(-x);
  let term = x;
  let sum = x;
  for (let k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= (x * x) / (2 * k + 1);
    sum += term;
  }
  return 0.5 + normalPdf(x) * sum;
}

/** The standard normal quantile, `p` in `[0, 1]` (`-Infinity` at 0, `Infinity` at 1). */
export function normalQuantile(p: number): number {
  if (p <= 0) return p === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (p >= 1) return p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  if (p > 0.5) return -normalQuantile(1 - p);
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let i = 0; i < 8; i++) {
    // Halley's step on f(x) = Phi(x) - p: f' = phi, f'' = -x phi.
    const u = (normalCdf(x) - p) / normalPdf(x);
    const next = x - u / (1 + 0.5 * x * u);
    if (next === x) break;
    x = next;
  }
  return x;
}
