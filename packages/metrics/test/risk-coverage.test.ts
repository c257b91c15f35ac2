import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aurc, riskCoverage } from '../src/index.js';

/** Every ordering of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/**
 * AURC averaged over every ordering of the examples that sorts the scores in decreasing order
 * (so over every way to break ties): `mean_n errors(first n) / n` for each such ordering.
 */
function aurcOverTieOrders(scores: number[], errors: number[]): number {
  let sum = 0;
  let count = 0;
  for (const order of permutations(scores.length)) {
    if (order.some((i, j) => j > 0 && scores[order[j - 1]!]! < scores[i]!)) continue;
    let wrong = 0;
    let area = 0;
    order.forEach((i, j) => {
      wrong += errors[i]!;
      area += wrong / (j + 1);
    });
    sum += area / scores.length;
    count++;
  }
  return sum / count;
}

describe('riskCoverage and aurc', () => {
  it('hand-computed curve and area', () => {
    const probs = [
      [0.9, 0.1],
      [0.3, 0.7],
      [0.6, 0.4],
      [0.2, 0.8],
    ];
    const labels = [0, 0, 0, 1];
    // Confidences 0.9 (right), 0.7 (wrong), 0.6 (right), 0.8 (right); kept in order 0.9, 0.8, 0.7, 0.6.
    const curve = riskCoverage(probs, labels);
    expect(Array.from(curve.threshold)).toEqual([0.9, 0.8, 0.7, 0.6]);
    expect(Array.from(curve.coverage)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Array.from(curve.risk)).toEqual([0, 0, 1 / 3, 1 / 4]);
    expect(aurc(probs, labels)).toBeCloseTo((0 + 0 + 1 / 3 + 1 / 4) / 4, 15);
  });

  it('ranks by custom scores when given', () => {
    const probs = [
      [0.9, 0.1],
      [0.6, 0.4],
    ];
    // Rank the wrong prediction (row 1) first: risk 1 at coverage 1/2, then 1/2.
    const curve = riskCoverage(probs, [0, 1], { scores: [0.1, 0.2] });
    expect(Array.from(curve.risk)).toEqual([1, 0.5]);
    expect(aurc(probs, [0, 1], { scores: [0.1, 0.2] })).toBe(0.75);
    expect(() => aurc(probs, [0, 1], { scores: [1] })).toThrow(
      'aurc: opts.scores must be of shape [2] (one per row of probs), got [1]',
    );
  });

  it('ties: AURC is the mean over every order of tied examples, and the curve keeps ties together', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 1, max: 3 }), right: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
        (rows) => {
          // Binary probs whose top-label confidence is 0.5 + score / 10 and whose label makes it right or wrong.
          const probs = rows.map((r) => 0.5 + r.score / 10);
          const labels = rows.map((r) => (r.right ? 1 : 0));
          const scores = probs;
          const errors = rows.map((r) => (r.right ? 0 : 1));
          expect(aurc(probs, labels)).toBeCloseTo(aurcOverTieOrders(scores, errors), 13);
          const curve = riskCoverage(probs, labels);
          expect(curve.threshold.length).toBe(new Set(scores).size);
          expect(curve.coverage[curve.coverage.length - 1]).toBe(1);
        },
      ),
      { numRuns: 80 },
    );
  });
});
