// summarizeSegmentation: tau* on validation mIoU and NLL, paired tests on test mIoU and NLL
// (checked against a t statistic computed here by hand), Holm adjustment, means over seeds.
import { describe, expect, it } from 'vitest';
import type { Cell } from '../src/grid.js';
import { type SegmentationRunRecord, summarizeSegmentation } from '../src/segmentation/analysis.js';
import type { SegmentationScores } from '../src/segmentation/evaluate.js';

function scores(meanIoU: number, nll: number): SegmentationScores {
  return {
    meanIoU,
    pixelAccuracy: meanIoU,
    nll,
    ece: 0.1,
    uncertainty: { total: 0.5, aleatoric: 0.4, epistemic: 0.1 },
    ood: null,
  };
}

function record(
  cell: Cell,
  validation: [number, number],
  test: [number, number],
): SegmentationRunRecord {
  return {
    key: 'k',
    cell,
    validation: scores(...validation),
    test: scores(...test),
    bestEpoch: 1,
    epochs: 1,
    history: { trainLoss: [1], validationNll: [1] },
    picture: null,
    seconds: 2,
    backend: 'cpu',
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

const homo = (seed: number): Cell => ({
  method: 'homoscedastic',
  temperature: null,
  trainSamples: null,
  seed,
});
const het = (tau: number, seed: number): Cell => ({
  method: 'heteroscedastic',
  temperature: tau,
  trainSamples: 16,
  seed,
});
const grid = {
  methods: ['homoscedastic', 'heteroscedastic'] as const,
  temperatures: [1, 2, 4],
  trainSamples: [16],
  seeds: [0, 1, 2],
};

// Validation: tau = 2 has the highest mIoU, tau = 4 the lowest NLL. Test mIoU per seed:
// homoscedastic 0.50, 0.52, 0.55; heteroscedastic at 2: 0.53, 0.56, 0.57.
const records = [0, 1, 2].flatMap((s) => [
  record(homo(s), [0.5, 0.6], [[0.5, 0.52, 0.55][s]!, 0.6]),
  record(het(1, s), [0.5, 0.58], [0.5, 0.58]),
  record(het(2, s), [0.6, 0.55], [[0.53, 0.56, 0.57][s]!, [0.5, 0.52, 0.5][s]!]),
  record(het(4, s), [0.55, 0.5], [0.52, 0.49]),
]);

describe('summarizeSegmentation', () => {
  const summary = summarizeSegmentation(records, grid);

  it('picks tau* by validation mIoU (highest) and by validation NLL (lowest)', () => {
    const by = Object.fromEntries(summary.selections.map((s) => [s.criterion, s]));
    expect(by.meanIoU?.tauStar).toBe(2);
    expect(by.nll?.tauStar).toBe(4);
    expect(by.nll?.edge).toBe('largest');
    expect(by.meanIoU?.edge).toBeNull();
    expect(by.meanIoU?.seeds).toEqual([0, 1, 2]);
  });

  it('tests heteroscedastic at tau* against the homoscedastic model with a paired t-test', () => {
    const c = summary.comparisons.find(
      (x) => x.a === 'heteroscedastic/tau=2/S=16' && x.b === 'homoscedastic',
    );
    expect(c?.n).toBe(3);
    // Differences 0.03, 0.04, 0.02: mean 0.03, sd 0.01, t = 0.03 / (0.01 / sqrt 3) = 5.196.
    const t = c?.tests.meanIoU;
    expect(t?.meanDifference).toBeCloseTo(0.03, 12);
    expect(t?.t).toBeCloseTo(0.03 / (0.01 / Math.sqrt(3)), 6);
    expect(t?.df).toBe(2);
    expect(t?.wins).toBe(3);
    // Two-tailed p of t = 3 sqrt 3 with 2 df: 1 - t / sqrt(t^2 + 2) (closed form for df = 2).
    const tv = 3 * Math.sqrt(3);
    expect(t?.pValue).toBeCloseTo(1 - tv / Math.sqrt(tv * tv + 2), 8);
  });

  it('Holm-adjusts each tested metric over all comparisons', () => {
    // Comparisons: tau*=2 vs homo, tau*=2 vs tau=1, tau*=4 vs homo, tau*=4 vs tau=1.
    expect(summary.comparisons).toHaveLength(4);
    const p = summary.comparisons.map((c) => c.tests.meanIoU?.pValue ?? Number.NaN);
    const finite = p.filter(Number.isFinite);
    const smallest = Math.min(...finite);
    const at = p.indexOf(smallest);
    expect(summary.comparisons[at]?.tests.meanIoU?.pAdjusted).toBeCloseTo(
      Math.min(1, finite.length * smallest),
      12,
    );
  });

  it('averages scores over seeds per arm', () => {
    const arm = summary.arms.find((a) => a.key === 'homoscedastic');
    expect(arm?.test.meanIoU.mean).toBeCloseTo((0.5 + 0.52 + 0.55) / 3, 12);
    expect(summary.arms[0]?.method).toBe('homoscedastic');
    expect(summary.computeSeconds).toBe(24);
  });
});
