import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { corruptLabels, flipProbabilities, type LabelNoiseScheme } from '../src/index.js';

/** `perClass` examples of each of `k` classes, interleaved. */
function balanced(k: number, perClass: number): Int32Array {
  return Int32Array.from({ length: k * perClass }, (_, i) => i % k);
}

/**
 * Checks per-class flip rates against `probs`: a class with `n` examples flips
 * Binomial(n, p) of them, so the rate's standard error is sqrt(p (1 - p) / n); we allow 5 SE
 * (a false alarm about 6e-7 per class). Classes with p = 0 must be untouched exactly, and a
 * flipped label never equals the original.
 */
function expectFlipRates(
  original: Int32Array,
  scheme: LabelNoiseScheme,
  probs: readonly number[],
  seed: number,
) {
  const k = probs.length;
  const { labels, flipped } = corruptLabels(original, scheme, seed, { numClasses: k });
  const counts = new Float64Array(k);
  const flips = new Float64Array(k);
  let maskErrors = 0;
  for (let i = 0; i < original.length; i++) {
    const c = original[i]!;
    counts[c]! += 1;
    if ((flipped[i] === 1) !== (labels[i] !== c)) maskErrors += 1;
    if (flipped[i]) flips[c]! += 1;
  }
  expect(maskErrors).toBe(0);
  probs.forEach((p, c) => {
    if (p === 0) {
      expect(flips[c]).toBe(0);
      return;
    }
    const se = Math.sqrt((p * (1 - p)) / counts[c]!);
    expect(Math.abs(flips[c]! / counts[c]! - p)).toBeLessThanOrEqual(5 * se);
  });
  return { labels, flipped };
}

describe('corruptLabels', () => {
  it("'collier2020': classes 0-4 untouched, 5-9 flipped at 0.2-0.6 to other classes uniformly", () => {
    const original = balanced(10, 20_000);
    const probs = [0, 0, 0, 0, 0, 0.2, 0.3, 0.4, 0.5, 0.6];
    const { labels } = expectFlipRates(original, 'collier2020', probs, 11);
    expect(original.filter((c, i) => c < 5 && labels[i] !== c).length).toBe(0);
    // Targets of class 9's flips: each other class gets Binomial(m, 1/9); 5 SE again.
    const targets = new Float64Array(10);
    let m = 0;
    for (let i = 0; i < original.length; i++) {
      if (original[i] === 9 && labels[i] !== 9) {
        targets[labels[i]!]! += 1;
        m += 1;
      }
    }
    expect(targets[9]).toBe(0);
    const se = Math.sqrt(m * (1 / 9) * (8 / 9));
    for (let c = 0; c < 9; c++) expect(Math.abs(targets[c]! - m / 9)).toBeLessThan(5 * se);
  });

  it("'collier2020-text': the lower half untouched, the upper half ramping 0.25 -> 0.5", () => {
    const k = 20;
    const expected = Array.from({ length: k }, (_, c) =>
      c < 10 ? 0 : 0.25 + (0.25 * (c - 10)) / 9,
    );
    const probs = flipProbabilities('collier2020-text', k);
    expected.forEach((p, c) => {
      expect(probs[c]).toBeCloseTo(p, 12);
    });
    expect(probs[10]).toBe(0.25);
    expect(probs[19]).toBe(0.5);
    // Odd K: floor(K/2) = 2 untouched, then 0.25, 0.375, 0.5.
    expect(Array.from(flipProbabilities('collier2020-text', 5))).toEqual([0, 0, 0.25, 0.375, 0.5]);
    expectFlipRates(balanced(4, 20_000), 'collier2020-text', [0, 0, 0.25, 0.5], 3);
  });

  it('applies { flipProbs } and { symmetric } per class', () => {
    expectFlipRates(balanced(4, 20_000), { flipProbs: [0.05, 0, 0.9, 1] }, [0.05, 0, 0.9, 1], 5);
    expectFlipRates(balanced(5, 20_000), { symmetric: 0.3 }, [0.3, 0.3, 0.3, 0.3, 0.3], 6);
    const none = corruptLabels(balanced(3, 100), { symmetric: 0 }, 1);
    expect(Array.from(none.labels)).toEqual(Array.from(balanced(3, 100)));
  });

  it('is seeded', () => {
    const original = balanced(10, 500);
    const a = corruptLabels(original, 'collier2020', 42);
    const b = corruptLabels(original, 'collier2020', 42);
    const c = corruptLabels(original, 'collier2020', 43);
    expect(b.labels).toEqual(a.labels);
    expect(b.flipped).toEqual(a.flipped);
    expect(c.labels).not.toEqual(a.labels);
    expect(Array.from(original)).toEqual(Array.from(balanced(10, 500))); // input untouched
  });

  it('infers K: 10 for collier2020, max label + 1 otherwise, flipProbs.length for flipProbs', () => {
    const fives = new Int32Array(4000).fill(5);
    const seen = new Set(corruptLabels(fives, 'collier2020', 1).labels);
    // 800 expected flips spread over 9 classes: all of 0-9 appear (P(miss one) < 9 (8/9)^700).
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const small = Int32Array.from({ length: 3000 }, (_, i) => i % 3);
    expect(Math.max(...corruptLabels(small, { symmetric: 0.5 }, 1).labels)).toBe(2);
    expect(Math.max(...corruptLabels(small, { symmetric: 0.5 }, 1, { numClasses: 6 }).labels)).toBe(
      5,
    );
    expect(
      Math.max(...corruptLabels(small, { flipProbs: [0, 0, 1, 0, 0] }, 1).labels),
    ).toBeGreaterThan(2);
  });

  it.each([
    [
      () => corruptLabels([0, 1], 'collier2020', 1, { numClasses: 5 }),
      "corruptLabels: numClasses must be at least 10 for 'collier2020'",
    ],
    [
      () => corruptLabels([0, 1], { flipProbs: [0.1] }, 1, { numClasses: 2 }),
      'corruptLabels: scheme.flipProbs must be 2 probabilities (one per class)',
    ],
    [
      () => corruptLabels([0, 1], { flipProbs: [0.1, 1.5] }, 1),
      'corruptLabels: scheme.flipProbs[1] must be a number in [0, 1], got 1.5',
    ],
    [
      () => corruptLabels([0, 1], { symmetric: Number.NaN }, 1),
      'scheme.symmetric must be a number in [0, 1], got NaN',
    ],
    [
      () => corruptLabels([0, 3], { symmetric: 0.1 }, 1, { numClasses: 3 }),
      'corruptLabels: labels[1] must be an integer class label in [0, 2], got 3',
    ],
    [
      () => corruptLabels([0, 0.5], { symmetric: 0.1 }, 1),
      'corruptLabels: labels[1] must be an integer class label',
    ],
    [
      () => corruptLabels([0, 1], 'uniform' as never, 1),
      "scheme must be 'collier2020', 'collier2020-text'",
    ],
    [() => corruptLabels([0, 1], 'collier2020', -1), 'corruptLabels: seed must be an integer seed'],
    [
      () => corruptLabels([0, 0], { symmetric: 0.2 }, 1),
      'numClasses must be at least 2 to flip labels',
    ],
    [
      () => corruptLabels(null as never, 'collier2020', 1),
      'corruptLabels: labels must be an array of labels',
    ],
  ])('rejects bad input (%#)', (call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });
});
