import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dempsterShaferScore,
  maxProbScore,
  negativeEntropyScore,
  oodMetrics,
} from '../src/index.js';

/** AUROC by counting all pairs. */
function pairwiseAuroc(a: number[], b: number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  return u / (a.length * b.length);
}

/** Average precision by sweeping every distinct threshold from the top. */
function sweepAp(pos: number[], neg: number[]): number {
  const thresholds = [...new Set([...pos, ...neg])].sort((x, y) => y - x);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    const tp = pos.filter((s) => s >= t).length;
    const fp = neg.filter((s) => s >= t).length;
    const recall = tp / pos.length;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** FPR at the largest threshold (tried over every score) with TPR >= 0.95. */
function sweepFpr95(a: number[], b: number[]): number {
  const thresholds = [...new Set([...a, ...b])].sort((x, y) => y - x);
  for (const t of thresholds) {
    if (a.filter((s) => s >= t).length >= 0.95 * a.length - 1e-9)
      return b.filter((s) => s >= t).length / b.length;
  }
  return 1;
}

describe('oodMetrics', () => {
  it('reproduces the scikit-learn documentation example (roc_auc 0.75, average precision 0.8333)', () => {
    // y_true = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] with class 1 as in-distribution.
    const r = oodMetrics([0.35, 0.8], [0.1, 0.4]);
    expect(r.auroc).toBe(0.75);
    expect(r.auprIn).toBeCloseTo(5 / 6, 15);
    // OOD positive, negated scores: -0.1 (out), -0.35 (in), -0.4 (out), -0.8: AP = 1/2 + 1/2 * 2/3.
    expect(r.auprOut).toBeCloseTo(5 / 6, 15);
    // TPR >= 0.95 needs both in-scores: threshold 0.35, and 0.4 of the two OOD scores passes it.
    expect(r.fpr95).toBe(0.5);
  });

  it('counts ties 1/2 exactly and gives 1 / 0.5 / 0 for separated, identical and reversed scores', () => {
    expect(oodMetrics([1, 1, 2], [1, 0]).auroc).toBe((1.5 + 1.5 + 2) / 6);
    expect(oodMetrics([2, 3], [0, 1])).toEqual({ auroc: 1, auprIn: 1, auprOut: 1, fpr95: 0 });
    expect(oodMetrics([1, 1], [1, 1, 1]).auroc).toBe(0.5);
    expect(oodMetrics([0, 1], [2, 3]).auroc).toBe(0);
    expect(oodMetrics([0, 1], [2, 3]).fpr95).toBe(1);
  });

  it('fpr95 uses the ceil(0.95 nIn)-th largest in-score as threshold', () => {
    // 20 in-scores 1..20: 19 must pass, so the threshold is 2; OOD scores 1.5 and 2 (>= 2) and 3.
    const inScores = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(oodMetrics(inScores, [1.5, 2, 3, 0]).fpr95).toBe(2 / 4);
    // With 0.5 added, 21 in-scores: ceil(19.95) = 20 must pass, so the threshold drops to 1.
    expect(oodMetrics([...inScores, 0.5], [1.5, 2, 3, 0]).fpr95).toBe(3 / 4);
  });

  it('agrees with pairwise and sweep computations on random tied scores', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 40 }),
        (a, b) => {
          const r = oodMetrics(a, Float32Array.from(b));
          expect(r.auroc).toBeCloseTo(pairwiseAuroc(a, b), 14);
          expect(r.auprIn).toBeCloseTo(sweepAp(a, b), 12);
          expect(r.auprOut).toBeCloseTo(
            sweepAp(
              b.map((s) => -s),
              a.map((s) => -s),
            ),
            12,
          );
          expect(r.fpr95).toBe(sweepFpr95(a, b));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('AUROC of normal scores matches the closed form Phi(d / sqrt 2) (MC tolerance)', () => {
    // in ~ N(1, 1), out ~ N(0, 1): AUROC = Phi(1 / sqrt 2) = 0.76025. With n = 3000 each the
    // Mann-Whitney SE is about 0.0066; 4 SE = 0.027.
    const rng = new Rng(9);
    const a = Array.from({ length: 3000 }, () => 1 + rng.normal());
    const b = Array.from({ length: 3000 }, () => rng.normal());
    expect(Math.abs(oodMetrics(a, b).auroc - 0.76025)).toBeLessThan(0.027);
  });

  it('rejects empty, NaN and wrong-rank scores', () => {
    expect(() => oodMetrics([], [1])).toThrow('oodMetrics: inScores must be non-empty, got [0]');
    expect(() => oodMetrics([1], [Number.NaN])).toThrow(
      'oodMetrics: outScores[0] must be finite, got NaN',
    );
    const t = tf.zeros([1, 2]);
    expect(() => oodMetrics(t, [1])).toThrow('oodMetrics: inScores must be of rank 1, got [1, 2]');
    t.dispose();
  });
});

describe('scores', () => {
  it('max probability and negative entropy', () => {
    expect(
      Array.from(
        maxProbScore([
          [0.7, 0.3],
          [0.5, 0.5],
        ]),
      ),
    ).toEqual([0.7, 0.5]);
    expect(Array.from(maxProbScore([0.2, 0.9]))).toEqual([0.8, 0.9]);
    const s = negativeEntropyScore([
      [1, 0, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    expect(s[0]).toBe(-0);
    expect(s[1]).toBeCloseTo(-Math.log(3), 15);
  });

  it('Dempster-Shafer: 1 - K / (K + sum exp z), stable for large and small logits', () => {
    const z = [
      [1, -2, 0.5],
      [0, 0, 0],
    ];
    const s = dempsterShaferScore(z);
    z.forEach((row, i) => {
      const sum = row.reduce((a, v) => a + Math.exp(v), 0);
      expect(s[i]).toBeCloseTo(1 - 3 / (3 + sum), 15);
    });
    const extreme = dempsterShaferScore([
      [1000, 0],
      [-1000, -1000],
    ]);
    expect(extreme[0]).toBe(1);
    // 2 exp(-1000) / 2 underflows in the naive form; sigmoid(logsumexp - log K) keeps it: exp(-1000) ~ 0 but finite.
    expect(extreme[1]).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(extreme[1]!)).toBe(true);
    expect(dempsterShaferScore([[-700, -700]])[0]).toBeCloseTo(Math.exp(-700), 310);
    expect(() => dempsterShaferScore([[0, Number.NaN]])).toThrow(
      'dempsterShaferScore: logits[1] must be finite, got NaN',
    );
  });

  it('scores feed oodMetrics: confident in-distribution beats flat OOD predictions', () => {
    const inProbs = [
      [0.9, 0.1],
      [0.8, 0.2],
      [0.95, 0.05],
    ];
    const outProbs = [
      [0.55, 0.45],
      [0.5, 0.5],
    ];
    expect(oodMetrics(maxProbScore(inProbs), maxProbScore(outProbs)).auroc).toBe(1);
    expect(oodMetrics(negativeEntropyScore(inProbs), negativeEntropyScore(outProbs)).auroc).toBe(1);
  });
});
