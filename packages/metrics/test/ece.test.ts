import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, brier, ece, mce, nll, reliabilityDiagram } from '../src/index.js';
import { naiveEce, randomProbs, sampleLabels } from './helpers.js';

describe('hand-computed cases', () => {
  it('perfect one-hot predictions: ECE = MCE = Brier = NLL = 0, accuracy 1', () => {
    const probs = [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ];
    const labels = [0, 2, 1];
    expect(ece(probs, labels)).toBe(0);
    expect(mce(probs, labels)).toBe(0);
    expect(brier(probs, labels)).toBe(0);
    expect(nll(probs, labels)).toBe(0);
    expect(accuracy(probs, labels)).toBe(1);
    expect(ece(probs, labels, { scope: 'classwise' })).toBe(0);
    expect(ece(probs, labels, { binning: 'equal-mass' })).toBe(0);
  });

  it('a constant predictor: ECE = |accuracy - confidence|', () => {
    // Always [0.6, 0.3, 0.1]: every example in the bin (8/15, 9/15]; class 0 is predicted and is
    // the label of 2 of the 5 examples: ECE = |2/5 - 0.6| = 0.2.
    const probs = Array.from({ length: 5 }, () => [0.6, 0.3, 0.1]);
    const labels = [0, 1, 0, 2, 1];
    expect(ece(probs, labels)).toBeCloseTo(0.2, 15);
    expect(mce(probs, labels)).toBeCloseTo(0.2, 15);
    // Brier: 2 rows (0.4^2 + 0.3^2 + 0.1^2), 2 rows (0.6^2 + 0.7^2 + 0.1^2), 1 row (0.6^2 + 0.3^2 + 0.9^2).
    expect(brier(probs, labels)).toBeCloseTo((2 * 0.26 + 2 * 0.86 + 1.26) / 5, 15);
    expect(nll(probs, labels)).toBeCloseTo(
      -(2 * Math.log(0.6) + 2 * Math.log(0.3) + Math.log(0.1)) / 5,
      15,
    );
    expect(accuracy(probs, labels)).toBe(0.4);
  });

  it('a confidence of exactly 1 goes in the last bin, 0 in the first, edges are (lo, hi]', () => {
    const diagram = reliabilityDiagram([1, 0, 0.6, 0.5], [1, 0, 1, 1], { bins: 5 });
    // Top-label confidences 1, 1, 0.6, 0.5 (p = 0.5 predicts class 0).
    expect(diagram.map((b) => b.count)).toEqual([0, 0, 2, 0, 2]);
    expect(diagram[4]).toEqual({ lower: 0.8, upper: 1, count: 2, confidence: 1, accuracy: 1 });
    // 0.6 and 0.5 both lie in (0.4, 0.6]: 0.6 sits on an upper edge and belongs to the lower bin.
    expect(diagram[2]).toMatchObject({ count: 2, confidence: 0.55, accuracy: 0.5 });
    expect(Number.isNaN(diagram[0]!.confidence) && Number.isNaN(diagram[0]!.accuracy)).toBe(true);
    // Classwise bins see probability 0 of the other class: it goes in the first bin [0, 0.2].
    const cw = ece([[1, 0]], [0], { bins: 5, scope: 'classwise' });
    expect(cw).toBe(0);
  });

  it('a confidence on an edge that m/B rounds across stays in the stated bin', () => {
    // 0.28 * 25 = 7.000000000000001 in floating point, yet 0.28 === 7 / 25: it belongs to bin 6.
    const d = reliabilityDiagram([[0.28, 0.24, 0.24, 0.24]], [0], { bins: 25 });
    expect(d.findIndex((b) => b.count === 1)).toBe(6);
    expect(d[6]!.upper).toBe(0.28);
  });

  it('classwise ECE averages the per-class errors', () => {
    const probs = [
      [0.8, 0.2],
      [0.6, 0.4],
    ];
    const labels = [0, 1];
    // bins of width 0.5. Class 0: scores 0.8 (hit), 0.6 (miss) in (0.5, 1]: |1 - 1.4| / 2 = 0.2.
    // Class 1: scores 0.2 (miss), 0.4 (hit) in [0, 0.5]: |1 - 0.6| / 2 = 0.2. Mean 0.2.
    expect(ece(probs, labels, { bins: 2, scope: 'classwise' })).toBeCloseTo(0.2, 15);
    // MCE classwise: per-bin gaps |0.5 - 0.7| = 0.2 and |0.5 - 0.3| = 0.2.
    expect(mce(probs, labels, { bins: 2, scope: 'classwise' })).toBeCloseTo(0.2, 15);
  });

  it('equal-mass bins hold N / B examples each and keep ties together', () => {
    const probs = [0.95, 0.9, 0.8, 0.7, 0.65, 0.6].map((p) => [1 - p, p]);
    const labels = [1, 1, 0, 1, 0, 1];
    const d = reliabilityDiagram(probs, labels, { bins: 3, binning: 'equal-mass' });
    // Sorted confidences 0.6 0.65 | 0.7 0.8 | 0.9 0.95: edges 0, 0.65, 0.8, 1.
    expect(d.map((b) => [b.lower, b.upper, b.count])).toEqual([
      [0, 0.65, 2],
      [0.65, 0.8, 2],
      [0.8, 1, 2],
    ]);
    // ECE = (|1 - 1.25| + |1 - 1.5| + |2 - 1.85|) / 6.
    expect(ece(probs, labels, { bins: 3, binning: 'equal-mass' })).toBeCloseTo(
      (0.25 + 0.5 + 0.15) / 6,
      14,
    );
    // Four equal confidences cannot be split: edges 0, 0.7, 0.7, 1 leave the middle bin empty.
    const tied = [0.7, 0.7, 0.7, 0.7, 0.9, 0.95].map((p) => [1 - p, p]);
    const dt = reliabilityDiagram(tied, labels, { bins: 3, binning: 'equal-mass' });
    expect(dt.map((b) => b.count)).toEqual([4, 0, 2]);
  });

  it('nll floors the probability of the label at eps (default 1e-12)', () => {
    expect(nll([[1, 0]], [1])).toBeCloseTo(-Math.log(1e-12), 12);
    expect(nll([[1, 0]], [1], { eps: 1e-3 })).toBeCloseTo(-Math.log(1e-3), 12);
    expect(nll([[1, 0]], [1], { eps: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('public reference values', () => {
  it('robustness_metrics uncertainty_test: binary ECE with 10 bins', () => {
    // test_binary_classification: probabilities of class 1, and the per-bin counts, hits and
    // confidence sums that test states; the ECE follows from them by the definition.
    const p = [0.51, 0.45, 0.39, 0.66, 0.68, 0.29, 0.81, 0.85];
    const y = [0, 0, 0, 1, 0, 1, 1, 1];
    const counts = [0, 0, 0, 0, 0, 2, 3, 1, 2, 0];
    const hits = [0, 0, 0, 0, 0, 1, 2, 0, 2, 0];
    const confSums = [0, 0, 0, 0, 0, 0.51 + 0.55, 0.61 + 0.66 + 0.68, 0.71, 0.81 + 0.85, 0];
    const d = reliabilityDiagram(p, y, { bins: 10 });
    expect(d.map((b) => b.count)).toEqual(counts);
    d.forEach((b, m) => {
      if (b.count > 0) {
        expect(b.accuracy * b.count).toBeCloseTo(hits[m]!, 12);
        expect(b.confidence * b.count).toBeCloseTo(confSums[m]!, 12);
      }
    });
    const expected = counts.reduce(
      (a, c, m) => (c > 0 ? a + (c / 8) * Math.abs(hits[m]! / c - confSums[m]! / c) : a),
      0,
    );
    expect(ece(p, y, { bins: 10 })).toBeCloseTo(expected, 12);
  });

  it('robustness_metrics uncertainty_test: multiclass ECE with 10 bins', () => {
    const probs = [
      [0.31, 0.32, 0.27],
      [0.37, 0.33, 0.3],
      [0.3, 0.31, 0.39],
      [0.61, 0.38, 0.01],
      [0.1, 0.65, 0.25],
      [0.91, 0.05, 0.04],
    ];
    const labels = [1, 0, 0, 1, 0, 0];
    // That test's first row sums to 0.9: the default row-sum check rejects it, a wider tolerance lets it through.
    expect(() => ece(probs, labels)).toThrow(
      'ece: probs[0] must be a row summing to 1 (tolerance 0.001), got 0.9',
    );
    const opts = { bins: 10, tolerance: 0.11 };
    const d = reliabilityDiagram(probs, labels, opts);
    expect(d.map((b) => b.count)).toEqual([0, 0, 0, 3, 0, 0, 2, 0, 0, 1]);
    const expected =
      (3 / 6) * Math.abs(2 / 3 - (0.32 + 0.37 + 0.39) / 3) +
      (2 / 6) * Math.abs(0 - 0.63) +
      (1 / 6) * Math.abs(1 - 0.91);
    expect(ece(probs, labels, opts)).toBeCloseTo(expected, 12);
  });

  it('robustness_metrics uncertainty_test: ECE 0.45, 0.575 and the NLL and Brier of the same cases', () => {
    // test_binary_predictions_on_different_predictions (15 bins).
    const a = [
      [0.2, 0.8],
      [0.3, 0.7],
    ];
    expect(ece(a, [1, 0])).toBeCloseTo(0.45, 12);
    expect(nll(a, [1, 0])).toBeCloseTo(0.5 * (-Math.log(0.8) - Math.log(0.3)), 12);
    expect(brier(a, [1, 0])).toBeCloseTo(0.5 * (0.2 ** 2 + 0.2 ** 2 + 0.7 ** 2 + 0.7 ** 2), 12);
    // test_tertiary_prediction: the two predictions of element 1 averaged, then element 2.
    const b = [
      [0.35, 0.35, 0.3],
      [0.8, 0.15, 0.05],
    ];
    expect(ece(b, [2, 1])).toBeCloseTo(0.575, 12);
    expect(nll(b, [2, 1])).toBeCloseTo(-0.5 * (Math.log(0.3) + Math.log(0.15)), 12);
    // test_add_batch_nll.
    expect(
      nll(
        [
          [0.2, 0.8],
          [0.7, 0.3],
          [0.4, 0.6],
        ],
        [1, 0, 0],
      ),
    ).toBeCloseTo((-1 / 3) * (Math.log(0.8) + Math.log(0.7) + Math.log(0.4)), 12);
  });

  it('torchmetrics docstrings: MulticlassCalibrationError 0.2000 / max 0.2333, BinaryCalibrationError 0.2900', () => {
    const probs = [
      [0.25, 0.2, 0.55],
      [0.55, 0.05, 0.4],
      [0.1, 0.3, 0.6],
      [0.9, 0.05, 0.05],
    ];
    const labels = [0, 1, 2, 0];
    expect(ece(probs, labels, { bins: 3 })).toBeCloseTo(0.2, 12);
    expect(mce(probs, labels, { bins: 3 })).toBeCloseTo(0.7 / 3, 12);
    // torchmetrics' binary version bins p itself (not max(p, 1 - p)); on this example both give
    // 0.29 (every prediction here is right under the top-label reading: mean(1 - conf) = 0.29).
    expect(ece([0.25, 0.25, 0.55, 0.75, 0.75], [0, 0, 1, 1, 1], { bins: 2 })).toBeCloseTo(0.29, 12);
  });
});

const probsArb = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 2, max: 5 }), seed: fc.nat() })
  .map(({ n, k, seed }) => {
    const probs = randomProbs(seed, n, k, 3);
    // Make a few rows exactly one-hot so that confidences of exactly 1 are exercised.
    for (let i = 0; i < n; i += 7) probs[i] = probs[i]!.map((_, j) => (j === i % k ? 1 : 0));
    return { probs, labels: sampleLabels(seed + 1, probs) };
  });

describe('properties', () => {
  it('ECE equals the by-definition value, lies in [0, 1], MCE >= ECE', () => {
    fc.assert(
      fc.property(probsArb, fc.integer({ min: 1, max: 20 }), ({ probs, labels }, bins) => {
        const e = ece(probs, labels, { bins });
        expect(e).toBeCloseTo(naiveEce(probs, labels, bins), 12);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(1);
        expect(mce(probs, labels, { bins })).toBeGreaterThanOrEqual(e - 1e-15);
        for (const binning of ['equal-width', 'equal-mass'] as const) {
          for (const scope of ['top-label', 'classwise'] as const) {
            const v = ece(probs, labels, { bins, binning, scope });
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('every metric is invariant to the order of examples', () => {
    fc.assert(
      fc.property(probsArb, fc.nat(), ({ probs, labels }, seed) => {
        const order = probs
          .map((_, i) => i)
          .sort((a, b) => ((a * 2654435761 + seed) % 97) - ((b * 2654435761 + seed) % 97));
        const p2 = order.map((i) => probs[i]!);
        const y2 = order.map((i) => labels[i]!);
        for (const binning of ['equal-width', 'equal-mass'] as const) {
          for (const scope of ['top-label', 'classwise'] as const) {
            const opts = { bins: 7, binning, scope };
            // Sums in another order differ by rounding only (~1e-16 per term).
            expect(ece(p2, y2, opts)).toBeCloseTo(ece(probs, labels, opts), 12);
            expect(mce(p2, y2, opts)).toBeCloseTo(mce(probs, labels, opts), 12);
          }
        }
        expect(nll(p2, y2)).toBeCloseTo(nll(probs, labels), 12);
        expect(brier(p2, y2)).toBeCloseTo(brier(probs, labels), 12);
        expect(accuracy(p2, y2)).toBe(accuracy(probs, labels));
      }),
      { numRuns: 60 },
    );
  });

  it('the diagram adds up: counts sum to N, sum count |acc - conf| / N = ECE', () => {
    fc.assert(
      fc.property(
        probsArb,
        fc.constantFrom('equal-width' as const, 'equal-mass' as const),
        ({ probs, labels }, binning) => {
          const d = reliabilityDiagram(probs, labels, { bins: 6, binning });
          expect(d.reduce((a, b) => a + b.count, 0)).toBe(probs.length);
          const fromDiagram = d.reduce(
            (a, b) =>
              b.count > 0 ? a + (b.count / probs.length) * Math.abs(b.accuracy - b.confidence) : a,
            0,
          );
          expect(fromDiagram).toBeCloseTo(ece(probs, labels, { bins: 6, binning }), 12);
          expect(d[0]!.lower).toBe(0);
          expect(d[d.length - 1]!.upper).toBe(1);
          for (let m = 1; m < d.length; m++) expect(d[m]!.lower).toBe(d[m - 1]!.upper);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a calibrated predictor has a small ECE (MC tolerance)', () => {
    // Labels drawn from the predictions: E[ECE] comes from sampling noise alone, about
    // sum_m sqrt(acc(1 - acc) |B_m|) / N <= sqrt(B / N) / 2 = 0.03 for B = 15, N = 4000.
    const probs = randomProbs(3, 4000, 4, 2);
    const labels = sampleLabels(4, probs);
    expect(ece(probs, labels)).toBeLessThan(0.03);
    // A predictor twice as confident in logit space is miscalibrated far beyond that noise.
    const sharpened = probs.map((row) => {
      const s = row.reduce((a, p) => a + p * p, 0);
      return row.map((p) => (p * p) / s);
    });
    expect(ece(sharpened, labels)).toBeGreaterThan(0.1);
  });
});
