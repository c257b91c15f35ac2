import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import type { CalibrateOptions } from '../src/index.js';
import {
  calibrate,
  calibrateCqr,
  calibrateResidual,
  conformalRank,
  coverage,
  intervalCoverage,
} from '../src/index.js';
import { classificationData, coverageTolerance, regressionData } from './helpers.js';

/**
 * The split-conformal guarantee checked by simulation: over many independent calibration/test
 * splits of iid data, the mean test coverage E[cov] lies in [1 - alpha, 1 - alpha + 1/(n + 1)],
 * and for continuous scores equals k / (n + 1) with k = ceil((n + 1)(1 - alpha)). Tolerances are
 * four standard errors from {@link coverageTolerance}.
 */

const N_CAL = 100;
const N_TEST = 200;
const REPS = 1000;
const ALPHA = 0.1;
const K = 5;
const EXACT = conformalRank(N_CAL, ALPHA) / (N_CAL + 1); // 91 / 101
const TOL = coverageTolerance(N_CAL, conformalRank(N_CAL, ALPHA), N_TEST, REPS);

/** The same REPS calibration/test splits for every method (independent splits across reps). */
const splits = (() => {
  const rng = new Rng(1234);
  return Array.from({ length: REPS }, () => ({
    cal: classificationData(rng, N_CAL, K),
    test: classificationData(rng, N_TEST, K),
  }));
})();

async function meanSetCoverage(opts: CalibrateOptions): Promise<number> {
  let total = 0;
  for (const [r, { cal, test }] of splits.entries()) {
    const cp = await calibrate(cal.probs, cal.labels, { ...opts, seed: r });
    total += await coverage(await cp.predictSets(test.probs), test.labels);
  }
  return total / REPS;
}

describe('classification sets: coverage over random splits', () => {
  it('the band and the tolerance separate the right quantile from ceil(n (1 - alpha)) / n', () => {
    expect(EXACT).toBeCloseTo(91 / 101, 15);
    // The quantile without the finite-sample correction (k = 90) would cover 90 / 101.
    expect(EXACT - 90 / 101).toBeGreaterThan(2 * TOL);
  });

  const methods: [string, CalibrateOptions][] = [
    ['lac', { alpha: ALPHA, method: 'lac' }],
    ['aps randomized', { alpha: ALPHA, method: 'aps' }],
    ['aps non-randomized', { alpha: ALPHA, method: 'aps', randomized: false }],
    [
      'raps randomized (lambda 0.1, kReg 2)',
      { alpha: ALPHA, method: 'raps', lambda: 0.1, kReg: 2 },
    ],
  ];
  for (const [name, opts] of methods) {
    it(`${name}: 1 - alpha <= E[cov] <= 1 - alpha + 1/(n+1), = k/(n+1) for continuous scores`, async () => {
      const mean = await meanSetCoverage(opts);
      expect(mean).toBeGreaterThanOrEqual(1 - ALPHA - TOL);
      expect(mean).toBeLessThanOrEqual(1 - ALPHA + 1 / (N_CAL + 1) + TOL);
      expect(Math.abs(mean - EXACT)).toBeLessThanOrEqual(TOL);
    });
  }

  it('discrete probabilities: randomized APS stays exact, non-randomized APS over-covers', async () => {
    // Every example has the same probabilities, so the non-randomized score takes only 3 values
    // (0.6, 0.9, 1) and its coverage jumps between them; the randomized score is continuous.
    const p = [0.6, 0.3, 0.1];
    const alpha = 0.2;
    const n = 50;
    const nTest = 200;
    const reps = 400;
    const rng = new Rng(77);
    const draw = (m: number) =>
      Array.from({ length: m }, () => {
        const u = rng.uniform();
        return u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
      });
    const probs = (m: number) => Array.from({ length: m }, () => p);
    let randomized = 0;
    let plain = 0;
    for (let r = 0; r < reps; r++) {
      const yCal = draw(n);
      const yTest = draw(nTest);
      const a = await calibrate(probs(n), yCal, { alpha, method: 'aps', seed: r });
      const b = await calibrate(probs(n), yCal, { alpha, method: 'aps', randomized: false });
      randomized += await coverage(await a.predictSets(probs(nTest)), yTest);
      plain += await coverage(await b.predictSets(probs(nTest)), yTest);
    }
    const k = conformalRank(n, alpha);
    const tol = coverageTolerance(n, k, nTest, reps);
    expect(Math.abs(randomized / reps - k / (n + 1))).toBeLessThanOrEqual(tol);
    // Sets {0, 1} (coverage 0.9) or {0, 1, 2} (1): far above 1 - alpha = 0.8.
    expect(plain / reps).toBeGreaterThan(0.89);
  });
});

describe('regression intervals: coverage over random splits', () => {
  it('absolute residual and CQR: within the band, = k/(n+1)', async () => {
    const rng = new Rng(99);
    let residual = 0;
    let cqr = 0;
    for (let r = 0; r < REPS; r++) {
      const cal = regressionData(rng, N_CAL);
      const test = regressionData(rng, N_TEST);
      const a = await calibrateResidual(cal.mu, cal.y, { alpha: ALPHA });
      const b = await calibrateCqr(cal.lower, cal.upper, cal.y, { alpha: ALPHA });
      residual += await intervalCoverage(await a.predictIntervals(test.mu), test.y);
      cqr += await intervalCoverage(await b.predictIntervals(test.lower, test.upper), test.y);
    }
    for (const mean of [residual / REPS, cqr / REPS]) {
      expect(mean).toBeGreaterThanOrEqual(1 - ALPHA - TOL);
      expect(mean).toBeLessThanOrEqual(1 - ALPHA + 1 / (N_CAL + 1) + TOL);
      expect(Math.abs(mean - EXACT)).toBeLessThanOrEqual(TOL);
    }
  });
});
