import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BetaCalibration, isotonicRegression, PlattScaling } from '../src/index.js';

/**
 * Reference values from SciPy (independent implementations: scipy.optimize.isotonic_regression,
 * and the logistic likelihood minimized by BFGS / L-BFGS-B with bounds a, b >= 0); the fixture's
 * `how` field gives the command that wrote it. Optimizer tolerances (gtol 1e-12) make the
 * references exact to ~1e-6 in the coefficients.
 */
const reference = JSON.parse(
  readFileSync(new URL('./fixtures/scipy-reference.json', import.meta.url), 'utf8'),
) as {
  isotonic: { y: number[]; weights: number[]; fit: number[] };
  bound: { probs: number[]; labels: number[]; beta: [number, number, number] };
  overconfident: {
    probs: number[];
    labels: number[];
    platt: [number, number];
    beta: [number, number, number];
  };
};

describe('agreement with SciPy', () => {
  it('isotonic regression equals scipy.optimize.isotonic_regression', () => {
    const { y, weights, fit } = reference.isotonic;
    const ours = isotonicRegression(y, { weights });
    fit.forEach((v, i) => {
      expect(ours[i]).toBeCloseTo(v, 12);
    });
  });

  it('Platt scaling equals the BFGS logistic MLE', async () => {
    const { probs, labels, platt } = reference.overconfident;
    const ours = await PlattScaling.fit(probs, labels);
    expect(ours.maps[0]!.a).toBeCloseTo(platt[0], 6);
    expect(ours.maps[0]!.b).toBeCloseTo(platt[1], 6);
  });

  it('beta calibration equals the L-BFGS-B fit with bounds a, b >= 0', async () => {
    for (const { probs, labels, beta } of [reference.bound, reference.overconfident]) {
      const ours = await BetaCalibration.fit(probs, labels);
      const { a, b, c } = ours.maps[0]!;
      expect(a).toBeCloseTo(beta[0], 6);
      expect(b).toBeCloseTo(beta[1], 6);
      expect(c).toBeCloseTo(beta[2], 6);
    }
  });
});
