/**
 * Independent float64 references for the tests: series and continued fractions, not the
 * approximations the package uses.
 */

/** erf(z) by its Maclaurin series (exact to ~1e-15 for |z| < 3). */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** log erfc(z) for z >= 2 by the continued fraction erfc(z) = e^{-z^2} / (sqrt(pi) K(z)). */
function logErfcContinuedFraction(z: number): number {
  let k = z;
  for (let n = 200; n >= 1; n--) k = z + n / 2 / k;
  return -z * z - Math.log(Math.sqrt(Math.PI) * k);
}

/** log Phi(x) of the standard normal. */
export function normalLogCdf64(x: number): number {
  const z = x / Math.SQRT2;
  if (Math.abs(z) < 2) return Math.log(0.5 * (1 + erfSeries(z)));
  const logUpper = Math.log(0.5) + logErfcContinuedFraction(Math.abs(z)); // log Phi(-|x|)
  return x < 0 ? logUpper : Math.log1p(-Math.exp(logUpper));
}

export function normalCdf64(x: number): number {
  return Math.exp(normalLogCdf64(x));
}

export function logisticCdf64(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function gumbelCdf64(x: number): number {
  return Math.exp(-Math.exp(-x));
}

export const CDF64 = { normal: normalCdf64, logistic: logisticCdf64, gumbel: gumbelCdf64 };

/** Closed-form log densities. */
export const LOG_PDF64 = {
  normal: (x: number) => -0.5 * x * x - 0.5 * Math.log(2 * Math.PI),
  logistic: (x: number) => -x - 2 * Math.log1p(Math.exp(-x)),
  gumbel: (x: number) => -x - Math.exp(-x),
};

/** Fourth central moments over variance^2 (kurtosis): normal 3, logistic 4.2, gumbel 5.4. */
export const KURTOSIS = { normal: 3, logistic: 4.2, gumbel: 5.4 };

/** Kolmogorov-Smirnov statistic sup |F_n - F| of `sample` against `cdf`. */
export function ksStatistic(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** The standard normal quantile by bisection on the float64 log-CDF. */
export function normalQuantile64(p: number): number {
  let lo = -40;
  let hi = 40;
  const target = Math.log(p);
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalLogCdf64(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
