import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { IsotonicCalibration, isotonicRegression } from '../src/index.js';
import { overconfidentMulticlass } from './helpers.js';

/**
 * Brute force: the isotonic fit is constant on contiguous blocks, each at its weighted mean, so
 * the optimum is the best monotone block-mean fit over all 2^(n-1) contiguous partitions.
 */
function bruteForce(y: readonly number[], w: readonly number[]): { fit: number[]; sse: number } {
  const n = y.length;
  let best = { fit: [] as number[], sse: Number.POSITIVE_INFINITY };
  for (let mask = 0; mask < 2 ** (n - 1); mask++) {
    const fit: number[] = [];
    let start = 0;
    let ok = true;
    let previous = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n && ok; i++) {
      if (i === n - 1 || (mask >> i) & 1) {
        let sw = 0;
        let swy = 0;
        for (let j = start; j <= i; j++) {
          sw += w[j]!;
          swy += w[j]! * y[j]!;
        }
        const mean = swy / sw;
        if (mean < previous - 1e-12) ok = false;
        previous = mean;
        for (let j = start; j <= i; j++) fit.push(mean);
        start = i + 1;
      }
    }
    if (!ok) continue;
    const sse = fit.reduce((s, f, i) => s + w[i]! * (y[i]! - f) ** 2, 0);
    if (sse < best.sse) best = { fit, sse };
  }
  return best;
}

describe('isotonicRegression (PAV)', () => {
  it('matches the brute-force optimum over contiguous partitions, with weights and ties', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + rng.int(9);
      // Values on a coarse grid, so equal values (ties) occur.
      const y = Array.from({ length: n }, () => rng.int(5) - 2);
      const w = Array.from({ length: n }, () => 0.25 + rng.int(4));
      const fit = isotonicRegression(y, { weights: w });
      const reference = bruteForce(y, w);
      const sse = Array.from(fit).reduce((s, f, i) => s + w[i]! * (y[i]! - f) ** 2, 0);
      expect(sse).toBeCloseTo(reference.sse, 10);
      fit.forEach((f, i) => {
        expect(f).toBeCloseTo(reference.fit[i]!, 10);
      });
    }
  });

  it('meets the optimality conditions of weighted isotonic least squares', () => {
    // For the non-decreasing fit f: the cumulative residuals R_j = sum_{i<=j} w_i (y_i - f_i) are
    // >= 0 (the cumulative sums of the fit are the greatest convex minorant of those of y, so
    // they lie below), = 0 where a block ends, and sum_i w_i (y_i - f_i) f_i = 0.
    const rng = new Rng(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50;
      const y = Array.from({ length: n }, (_, i) => i / n + rng.normal());
      const w = Array.from({ length: n }, () => 0.1 + rng.uniform());
      const f = isotonicRegression(y, { weights: w });
      let cumulative = 0;
      let orthogonal = 0;
      for (let i = 0; i < n; i++) {
        if (i > 0) expect(f[i]!).toBeGreaterThanOrEqual(f[i - 1]!);
        cumulative += w[i]! * (y[i]! - f[i]!);
        orthogonal += w[i]! * (y[i]! - f[i]!) * f[i]!;
        expect(cumulative).toBeGreaterThanOrEqual(-1e-9);
        if (i === n - 1 || f[i + 1]! > f[i]!) expect(Math.abs(cumulative)).toBeLessThan(1e-9);
      }
      expect(Math.abs(orthogonal)).toBeLessThan(1e-9);
    }
  });

  it('returns a non-decreasing input unchanged', () => {
    expect(Array.from(isotonicRegression([0, 0.5, 0.5, 2]))).toEqual([0, 0.5, 0.5, 2]);
  });
});

describe('IsotonicCalibration', () => {
  it('pools tied scores into their mean label and interpolates between fitted scores', async () => {
    // Scores 0.2 (labels 0, 1, 1) and 0.6 (labels 0, 0) violate: pooled to 2/5 over both.
    const iso = await IsotonicCalibration.fit([0.2, 0.2, 0.2, 0.6, 0.6, 0.9], [0, 1, 1, 0, 0, 1]);
    expect(iso.maps[0]!.x).toEqual([0.2, 0.6, 0.9]);
    expect(iso.maps[0]!.y.map((v) => Number(v.toFixed(12)))).toEqual([0.4, 0.4, 1]);
    const out = await iso.apply([0.1, 0.4, 0.75, 1]);
    expect(Array.from(out)).toEqual([0.4, 0.4, expect.closeTo(0.7, 12), 1]);
  });

  it('weights count as repeated examples', async () => {
    const weighted = await IsotonicCalibration.fit([0.1, 0.5, 0.9], [1, 0, 1], {
      weights: [3, 1, 2],
    });
    const repeated = await IsotonicCalibration.fit(
      [0.1, 0.1, 0.1, 0.5, 0.9, 0.9],
      [1, 1, 1, 0, 1, 1],
    );
    expect(weighted.maps).toEqual(repeated.maps);
  });

  it('calibrates [N, K] one-vs-rest and renormalizes the rows', async () => {
    const { probs, labels } = overconfidentMulticlass(3, 300, 3);
    const iso = await IsotonicCalibration.fit(probs, labels);
    const test = overconfidentMulticlass(4, 20, 3).probs;
    const out = await iso.apply(test);
    // Independently: each class's binary isotonic fit on its column, then renormalized.
    const perClass = await Promise.all(
      [0, 1, 2].map((k) =>
        IsotonicCalibration.fit(
          probs.map((r) => r[k]!),
          labels.map((y) => (y === k ? 1 : 0)),
        ),
      ),
    );
    const columns = await Promise.all(perClass.map((c, k) => c.apply(test.map((r) => r[k]!))));
    test.forEach((_, i) => {
      const raw = columns.map((c) => c[i]!);
      const sum = raw.reduce((a, b) => a + b, 0);
      raw.forEach((v, k) => {
        expect(out[i]![k]!).toBeCloseTo(v / sum, 12);
      });
    });
  });

  it('takes tensors (read asynchronously), returns a tensor, and leaks none', async () => {
    const { probs, labels } = overconfidentMulticlass(7, 100, 3);
    const p = tf.tensor2d(probs);
    const y = tf.tensor1d(labels, 'int32');
    const fromTensors = await IsotonicCalibration.fit(p, y);
    // The tensor holds float32 values: the same fit as the float32-rounded arrays.
    const rounded = probs.map((r) => r.map(Math.fround));
    const fromArrays = await IsotonicCalibration.fit(rounded, labels);
    expect(fromTensors.maps).toEqual(fromArrays.maps);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) {
      const out = await fromTensors.apply(p);
      expect(out.shape).toEqual([100, 3]);
      const values = await out.data();
      const expected = (await fromArrays.apply(rounded)).flat();
      values.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 6);
      });
      out.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, y]);
  });

  it('round-trips through JSON', async () => {
    const { probs, labels } = overconfidentMulticlass(8, 80, 4);
    const iso = await IsotonicCalibration.fit(probs, labels);
    const back = IsotonicCalibration.fromJSON(JSON.parse(JSON.stringify(iso)));
    expect(await back.apply(probs)).toEqual(await iso.apply(probs));
  });
});
