import { describe, expect, it } from 'vitest';
import { centralProbability, normalCdf, standardCdf } from '../src/predictive-distribution.js';
import { referenceNormalCdf } from './regression-reference.js';

/**
 * Mills-ratio asymptotic series of the lower tail, Phi(-x) for large x (A&S 26.2.12), ten
 * terms: the first omitted one is below 2e-16 relative at x = 15.
 */
function asymptoticLowerTail(x: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 10; n++) {
    term *= -(2 * n - 1) / (x * x);
    sum += term;
  }
  return (Math.exp(-0.5 * x * x) / (x * Math.sqrt(2 * Math.PI))) * sum;
}

describe('normalCdf', () => {
  it('agrees with quadrature of the density on [-8, 8], across the series / continued fraction switch', () => {
    // The 400-panel Simpson reference is good to ~1e-11.
    for (let z = -8; z <= 8; z += 0.0625) {
      expect(Math.abs(normalCdf(z) - referenceNormalCdf(z))).toBeLessThan(1e-10);
    }
    // Tabulated: Phi(1) = 0.8413447460685429, Phi(3) = 0.9986501019683699 (16 digits).
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 15);
    // erfc switches method at x = 2, i.e. z = 2 sqrt 2.
    const edge = 2 * Math.SQRT2;
    expect(Math.abs(normalCdf(-edge + 1e-12) - normalCdf(-edge - 1e-12))).toBeLessThan(1e-13);
  });

  it('keeps relative precision in the far lower tail (asymptotic series, 1e-12 at z <= -15)', () => {
    for (const x of [15, 20, 30, 37]) {
      const expected = asymptoticLowerTail(x);
      expect(Math.abs(normalCdf(-x) / expected - 1)).toBeLessThan(1e-12);
    }
    // Phi(-40) ~ 4e-350 is below the smallest float64.
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
  });

  it('the central probability is 2 F(|z|) - 1; the Laplace CDF is e^z / 2 below 0', () => {
    for (const z of [-3, -0.5, 0, 0.7, 2.5]) {
      expect(centralProbability('gaussian', z)).toBeCloseTo(
        2 * referenceNormalCdf(Math.abs(z)) - 1,
        10,
      );
      expect(centralProbability('laplace', z)).toBeCloseTo(
        2 * standardCdf('laplace', Math.abs(z)) - 1,
        15,
      );
    }
    expect(standardCdf('laplace', -1)).toBeCloseTo(Math.exp(-1) / 2, 15);
    expect(standardCdf('laplace', 1)).toBeCloseTo(1 - Math.exp(-1) / 2, 15);
  });
});
