import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logGamma, regularizedBeta, studentTCdf, studentTTwoTailed } from '../src/student-t.js';

/**
 * Reference values from mpmath 1.3.0 at 50 significant digits (`mp.mp.dps = 50`), printed as the
 * nearest float64: `mp.betainc(a, b, 0, x, regularized=True)` with `a, b, x` the float64 values
 * below, and for the t rows `mp.betainc(df/2, 1/2, 0, df/(df + t^2), regularized=True)`, the
 * two-tailed p-value (A&S 26.7.1). SciPy 1.17.1 (`scipy.special.betainc`,
 * `2 * scipy.stats.t.sf(|t|, df)`) agrees with every row to its own ~1e-13 accuracy, except
 * the two deepest tails where SciPy loses digits. Generated on the dev machine on 2026-12-02
 * (python3 with scipy 1.17.1 and mpmath 1.3.0 installed).
 */
const betaReference: readonly [a: number, b: number, x: number, value: number][] = [
  [0.5, 0.5, 0.3, 0.36901011956554536],
  [2, 3, 0.4, 0.5248],
  [10, 0.5, 0.9, 0.15164090963470997],
  [100, 0.5, 0.99, 0.15677586542444077],
  [0.1, 10, 0.01, 0.8244896709066988],
  [30, 40, 0.45, 0.6447480085585681],
  [1000, 1000, 0.5, 0.5],
  [1000, 1000, 0.48, 0.03677948327863957],
  [2.5, 7.5, 0.9, 0.999999464476822],
  [4.5, 0.5, 0.001, 8.18384284904472e-15],
  [50, 0.5, 0.2, 9.994267861336983e-37],
  [0.5, 50, 0.2, 0.9999975498265865],
  [0.001, 0.001, 0.7, 0.5004230378603235],
  [500000, 0.5, 0.99999, 0.0015653640065981889],
];

const tReference: readonly [t: number, df: number, pValue: number][] = [
  [2.0, 1, 0.2951672353008665],
  [-4.0621, 9, 0.0028330078403901583],
  [0.001, 3, 0.9992648949694609],
  [50, 5, 6.047757626601225e-8],
  [1000, 2, 9.999985000025e-7],
  [100000, 30, 2.072906840146629e-129],
  [-2.5, 7.3, 0.03965023466560047],
  [8, 100, 2.2728648077280807e-12],
  [3.0, 0.5, 0.36730815598594346],
  [40, 60, 5.755480486627383e-45],
  [1e155, 1, 6.366197723675813e-156],
  [1.96, 1000, 0.050273184955748715],
  [1.7, 100000, 0.08913403524866291],
  [1.96, 1000000, 0.04999606758526979],
  [0.5, 100000000.0, 0.6170750785521779],
  [6.0, 1000000.0, 1.9738498123544347e-9],
];

/**
 * For the t rows, the prefactor `exp(L)` adds a relative error of about `|L| eps`, where
 * `L ≈ log p` (296 at p = 2e-129).
 */
const tTolerance = (df: number, p: number) =>
  tolerance(df / 2, 0.5) + 2e-16 * Math.abs(Math.log(p));

/**
 * Relative accuracy asked of the float64 continued fraction: a few hundred ulps, growing with
 * max(a, b) because the fraction's sensitivity to rounding of its coefficients near its switch
 * point `x = (a + 1) / (a + b + 2)` grows like max(a, b) (measured: 4e-11 at a = 5e5).
 */
const tolerance = (a: number, b: number) => 2e-16 * (200 + Math.max(a, b));

function relativeError(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

describe('regularizedBeta', () => {
  it.each(betaReference)('I_x(%s, %s) at x = %s matches mpmath', (a, b, x, value) => {
    expect(relativeError(regularizedBeta(x, a, b), value)).toBeLessThan(tolerance(a, b));
  });

  it('closed forms I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.99, noNaN: true }),
        fc.double({ min: 0.05, max: 100, noNaN: true }),
        (x, s) => {
          const xa = x ** s;
          const oneMinus = -Math.expm1(s * Math.log1p(-x));
          return (
            relativeError(regularizedBeta(x, s, 1), xa) < 1e-12 &&
            relativeError(regularizedBeta(x, 1, s), oneMinus) < 1e-12
          );
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) and the ends 0 and 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (x, a, b) => Math.abs(regularizedBeta(x, a, b) + regularizedBeta(1 - x, b, a) - 1) < 1e-13,
      ),
      { seed: 8, numRuns: 300 },
    );
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
  });

  it('logGamma against Gamma at integers and half-integers', () => {
    // Gamma(n) = (n - 1)!, Gamma(1/2) = sqrt(pi), Gamma(n + 1/2) = (2n)! sqrt(pi) / (4^n n!).
    let factorial = 1;
    for (let n = 1; n <= 30; n++) {
      factorial *= n;
      const want = Math.log(factorial);
      expect(Math.abs(logGamma(n + 1) - want)).toBeLessThan(1e-14 * Math.max(1, want));
    }
    // Below 10, logGamma(x) = logGamma(x + n) - log(x ... (x + n - 1)): a difference of two
    // numbers near 14, so a few ulps of 14 (2e-15) absolute.
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(5e-15);
    expect(Math.abs(logGamma(1)) + Math.abs(logGamma(2))).toBeLessThan(5e-15);
    expect(relativeError(logGamma(5.5), Math.log((945 / 32) * Math.sqrt(Math.PI)))).toBeLessThan(
      1e-14,
    );
  });
});

describe('the t distribution', () => {
  it.each(tReference)('two-tailed p at t = %s, df = %s matches mpmath', (t, df, p) => {
    expect(relativeError(studentTTwoTailed(t, df), p)).toBeLessThan(tTolerance(df, p));
  });

  it('closed forms: df = 1 (Cauchy), df = 2 and df = 4', () => {
    for (const t of [-30, -4.2, -1, -0.3, 0, 1e-9, 0.7, 2.5, 12, 1e6, 1e200]) {
      const u = Math.abs(t);
      // df = 1: P(|T| >= u) = 2 atan(1 / u) / pi (the form without cancellation at large u).
      expect(relativeError(studentTTwoTailed(t, 1), (2 * Math.atan(1 / u)) / Math.PI)).toBeLessThan(
        1e-13,
      );
      // df = 2: 1 - u / sqrt(2 + u^2) = 2 / ((sqrt(2 + u^2) + u) sqrt(2 + u^2)).
      const r = Math.sqrt(2 + u * u);
      const p2 = u > 1e150 ? 1 / (u * u) : 2 / ((r + u) * r);
      if (p2 === 0)
        expect(studentTTwoTailed(t, 2)).toBe(0); // 1e-400 underflows
      else expect(relativeError(studentTTwoTailed(t, 2), p2)).toBeLessThan(1e-13);
      // CDF at df = 4, s = t / sqrt(4 + t^2): F(t) = 1/2 + (3/4) s (1 - s^2 / 3).
      if (u < 1e100) {
        const s = t / Math.sqrt(4 + t * t);
        expect(Math.abs(studentTCdf(t, 4) - (0.5 + 0.75 * s * (1 - (s * s) / 3)))).toBeLessThan(
          1e-14,
        );
      }
    }
  });

  it('ends: t = 0 gives 1, infinite t gives 0, NaN gives NaN, deep tails underflow to 0', () => {
    expect(studentTTwoTailed(0, 5)).toBe(1);
    expect(studentTTwoTailed(Number.POSITIVE_INFINITY, 5)).toBe(0);
    expect(studentTTwoTailed(Number.NEGATIVE_INFINITY, 5)).toBe(0);
    expect(Number.isNaN(studentTTwoTailed(Number.NaN, 5))).toBe(true);
    // mpmath: 2.2e-480 at t = 1e160, df = 3 (below the smallest float64).
    expect(studentTTwoTailed(1e160, 3)).toBe(0);
    expect(studentTCdf(-1e300, 10)).toBe(0);
    expect(studentTCdf(1e300, 10)).toBe(1);
  });

  it('the CDF is increasing and symmetric', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        (t, step, df) =>
          studentTCdf(t + step, df) >= studentTCdf(t, df) &&
          Math.abs(studentTCdf(t, df) + studentTCdf(-t, df) - 1) < 1e-14,
      ),
      { seed: 9, numRuns: 300 },
    );
  });
});
