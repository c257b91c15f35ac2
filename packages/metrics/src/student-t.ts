/**
 * The Student t distribution's tail probabilities through the regularized incomplete beta
 * function, in float64. Internal (used by `pairedTTest`); checked against mpmath/SciPy values
 * and closed forms in `test/student-t.test.ts`.
 *
 * Math (DLMF 8.17 and 8.18; Numerical Recipes 6.4; R's `lbeta` for the large-argument log-beta):
 * - `I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) * CF(x)`, with the continued fraction
 *   `CF = 1 / (1 + d_1 / (1 + d_2 / (1 + ...)))`,
 *   `d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))`,
 *   `d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))` (DLMF 8.17.22), evaluated by the modified
 *   Lentz method. It converges fast for `x < (a + 1) / (a + b + 2)`; above, the symmetry
 *   `I_x(a, b) = 1 - I_{1-x}(b, a)` is used.
 * - `P(|T_df| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)` (Abramowitz & Stegun 26.7.1 with 26.5.27).
 */

/** Stirling-series remainder `lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2)`, for `x >= 10`. */
function lgammaCorrection(x: number): number {
  // sum_k B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..7; the next term is below 1e-16 for x >= 10.
  const coefficients = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];
  const inv2 = 1 / (x * x);
  let sum = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) sum = sum * inv2 + coefficients[k]!;
  return sum / x;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** `log Gamma(x)` for `x > 0`: Stirling with its correction, shifted up to `x >= 10` first. */
export function logGamma(x: number): number {
  let shift = 0;
  let product = 1;
  // Gamma(x) = Gamma(x + n) / (x (x + 1) ... (x + n - 1)).
  while (x + shift < 10) {
    product *= x + shift;
    shift++;
  }
  const z = x + shift;
  return (z - 0.5) * Math.log(z) - z + HALF_LOG_2PI + lgammaCorrection(z) - Math.log(product);
}

/** `log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b)`, without cancellation for large arguments. */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  const s = p + q;
  if (p >= 10) {
    const corr = lgammaCorrection(p) + lgammaCorrection(q) - lgammaCorrection(s);
    return (
      -0.5 * Math.log(q) +
      HALF_LOG_2PI +
      corr +
      (p - 0.5) * Math.log(p / s) +
      q * Math.log1p(-p / s)
    );
  }
  if (q >= 10) {
    const corr = lgammaCorrection(q) - lgammaCorrection(s);
    return logGamma(p) + corr + p - p * Math.log(s) + (q - 0.5) * Math.log1p(-p / s);
  }
  return logGamma(p) + logGamma(q) - logGamma(s);
}

const TINY = 1e-300;

/**
 * The continued fraction `CF` of the module comment, by the modified Lentz method; `y = 1 - x`
 * (given exactly by the caller).
 */
function betaContinuedFraction(x: number, y: number, a: number, b: number): number {
  // Enough terms for any (a, b): convergence takes O(sqrt(max(a, b))) terms near the switch point.
  const maxTerms = Math.max(1000, Math.ceil(50 * Math.sqrt(a + b)));
  let c = 1;
  // 1 - (a + b) x / (a + 1), written with y when x is near 1, where the subtraction would cancel.
  let d = x <= 0.5 ? 1 - ((a + b) * x) / (a + 1) : (1 - b + (a + b) * y) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxTerms; m++) {
    const m2 = 2 * m;
    // Even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step: d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return h;
}

/**
 * The regularized incomplete beta function `I_x(a, b)` for `a, b > 0`, `x` in `[0, 1]`.
 * `y = 1 - x` may be given when the caller knows it more precisely than `1 - x` rounds
 * (e.g. `x` close to 1).
 */
export function regularizedBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  // log x and log(1 - x), each from the smaller of x and y so that neither loses digits.
  const logX = x <= 0.5 ? Math.log(x) : Math.log1p(-y);
  const logY = y <= 0.5 ? Math.log(y) : Math.log1p(-x);
  const logFront = a * logX + b * logY - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    return (Math.exp(logFront) * betaContinuedFraction(x, y, a, b)) / a;
  }
  return 1 - (Math.exp(logFront) * betaContinuedFraction(y, x, b, a)) / b;
}

/**
 * The two-tailed p-value of a t statistic: `P(|T_df| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)`.
 * `t = ±Infinity` gives 0; `t = NaN` gives NaN. `df > 0` (not necessarily an integer).
 */
export function studentTTwoTailed(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  const t2 = t * t;
  if (t2 === Number.POSITIVE_INFINITY) {
    // |t| above ~1.3e154 (or infinite): the p-value is below 1e-154 * df^(df/2)-ish; compute in logs.
    if (!Number.isFinite(t)) return 0;
    // x = df / (df + t^2) ~ df / t^2, underflow-free as exp(log df - 2 log |t|).
    const logX = Math.log(df) - 2 * Math.log(Math.abs(t));
    const a = df / 2;
    const logFront = a * logX - logBeta(a, 0.5);
    return Math.exp(logFront) / a;
  }
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  return regularizedBeta(x, df / 2, 0.5, y);
}

/** The t CDF `P(T_df <= t)`. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  const tail = 0.5 * studentTTwoTailed(t, df);
  return t < 0 ? tail : 1 - tail;
}
