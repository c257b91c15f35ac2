import { describe, expect, it } from 'vitest';
import {
  crossValidateCalibration,
  type DenseMatrix,
  HistogramBinning,
  IsotonicCalibration,
  PlattScaling,
} from '../src/index.js';
import { overconfidentBinary, overconfidentMulticlass } from './helpers.js';

describe('crossValidateCalibration', () => {
  it('fits on one half, scores the other, swaps, and repeats (each example scored once per repeat)', async () => {
    // Probabilities encode the row index, so the fitter and apply can tell which rows they got.
    const n = 41;
    const probs = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const labels = probs.map((_, i) => i % 2);
    const rowOf = (p: number) => Math.round(p * n - 0.5);
    const fitted: number[][] = [];
    const scored: number[][] = [];
    const identity = async (p: Float64Array | DenseMatrix) => {
      fitted.push(Array.from(p as Float64Array, rowOf));
      return {
        apply: async (q: Float64Array | DenseMatrix) => {
          scored.push(Array.from(q as Float64Array, rowOf));
          return q;
        },
      };
    };
    const cv = await crossValidateCalibration(identity, probs, labels, { repeats: 3, seed: 9 });
    expect(cv.folds).toBe(6);
    for (let f = 0; f < 6; f++) {
      const all = [...fitted[f]!, ...scored[f]!].sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: n }, (_, i) => i)); // disjoint halves covering all
      expect(fitted[f]!.length).toBe(f % 2 === 0 ? 20 : 21);
    }
    for (let r = 0; r < 3; r++) {
      expect(fitted[2 * r + 1]).toEqual(scored[2 * r]); // the swap
      expect(scored[2 * r + 1]).toEqual(fitted[2 * r]);
    }
    expect(fitted[0]).not.toEqual(fitted[2]); // a new split per repeat
    // The identity calibrator changes nothing.
    cv.perFold.forEach((f) => {
      expect(f.after).toEqual(f.before);
    });
    expect(cv.after).toEqual(cv.before);
  });

  it('is deterministic in the seed and reports mean ± std over folds', async () => {
    const { probs, labels } = overconfidentBinary(1, 400);
    const fit = (p: Float64Array | DenseMatrix, y: Int32Array) => PlattScaling.fit(p, y);
    const a = await crossValidateCalibration(fit, probs, labels, { repeats: 4, seed: 3 });
    const b = await crossValidateCalibration(fit, probs, labels, { repeats: 4, seed: 3 });
    const c = await crossValidateCalibration(fit, probs, labels, { repeats: 4, seed: 4 });
    expect(a).toEqual(b);
    expect(c.after.nll.mean).not.toBe(a.after.nll.mean);
    const eces = a.perFold.map((f) => f.after.ece);
    const mean = eces.reduce((s, v) => s + v, 0) / eces.length;
    const std = Math.sqrt(eces.reduce((s, v) => s + (v - mean) ** 2, 0) / (eces.length - 1));
    expect(a.after.ece.mean).toBeCloseTo(mean, 14);
    expect(a.after.ece.std).toBeCloseTo(std, 14);
  });

  it('shows the calibrators fixing an overconfident model (binary and multiclass)', async () => {
    const binary = overconfidentBinary(2, 1000);
    for (const fit of [
      (p: Float64Array | DenseMatrix, y: Int32Array) => PlattScaling.fit(p, y),
      (p: Float64Array | DenseMatrix, y: Int32Array) => IsotonicCalibration.fit(p, y),
      (p: Float64Array | DenseMatrix, y: Int32Array) => HistogramBinning.fit(p, y, { bins: 10 }),
    ]) {
      const cv = await crossValidateCalibration(fit, binary.probs, binary.labels, { seed: 1 });
      expect(cv.after.ece.mean).toBeLessThan(0.5 * cv.before.ece.mean);
      expect(cv.after.nll.mean).toBeLessThan(cv.before.nll.mean);
    }
    const multi = overconfidentMulticlass(3, 1000, 3);
    const cv = await crossValidateCalibration(
      (p, y) => PlattScaling.fit(p, y),
      multi.probs,
      multi.labels,
      { seed: 2, repeats: 2 },
    );
    expect(cv.after.ece.mean).toBeLessThan(0.5 * cv.before.ece.mean);
    expect(cv.after.brier.mean).toBeLessThan(cv.before.brier.mean);
  });
});
