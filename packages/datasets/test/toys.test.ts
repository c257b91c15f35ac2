import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  makeCubicRegression,
  makeGrid,
  makeMoons,
  makeOodCluster,
  makeSpirals,
} from '../src/index.js';

function column(x: Float32Array, d: number, j: number, rows?: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length / d; i++) if (!rows || rows(i)) out.push(x[i * d + j]!);
  return out;
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(mean(v.map((a) => (a - mean(v)) ** 2)));

describe('makeMoons', () => {
  it('puts noise-free points on the two shifted half circles, evenly in angle', () => {
    const n = 201;
    const { x, y, shape } = makeMoons({ n, noise: 0, seed: 3 });
    expect(shape).toEqual([n, 2]);
    expect(y.filter((c) => c === 0).length).toBe(100);
    expect(y.filter((c) => c === 1).length).toBe(101);
    // Class 0: centre (-0.1, 0.2), upper half; class 1: centre (1.1, 0.3), lower half.
    const centres = [
      [-0.1, 0.2],
      [1.1, 0.3],
    ] as const;
    const angles: number[][] = [[], []];
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      const dx = x[2 * i]! - centres[c]![0];
      const dy = x[2 * i + 1]! - centres[c]![1];
      expect(Math.hypot(dx, dy)).toBeCloseTo(1, 5);
      expect(c === 0 ? dy : -dy).toBeGreaterThanOrEqual(-1e-6);
      const t = c === 0 ? Math.atan2(dy, dx) : Math.atan2(-dy, -dx);
      // float32 rounding can put t = pi just below the axis, where atan2 says -pi.
      angles[c]!.push(t < -Math.PI / 2 ? t + 2 * Math.PI : t);
    }
    for (const a of angles) {
      a.sort((p, q) => p - q);
      a.forEach((t, j) => {
        expect(t).toBeCloseTo((Math.PI * j) / (a.length - 1), 5);
      });
    }
    // Shuffled: labels are not in blocks.
    expect(new Set(y.subarray(0, 20)).size).toBe(2);
  });

  it('adds Gaussian noise of the given scale', () => {
    const { x, y } = makeMoons({ n: 4000, noise: 0.1, seed: 1 });
    const radial: number[] = [];
    for (let i = 0; i < 4000; i++) {
      if (y[i] !== 0) continue;
      radial.push(Math.hypot(x[2 * i]! + 0.1, x[2 * i + 1]! - 0.2) - 1);
    }
    // Radial residual ~ N(sigma^2 / 2, sigma^2 + sigma^4 / 2) to second order: sd 0.10025.
    // SE of a sample sd = sigma / sqrt(2 n) = 0.0016 (n = 2000); 5 SE = 0.008.
    expect(Math.abs(std(radial) - 0.10025)).toBeLessThan(0.008);
  });

  it('is seeded and validates', () => {
    expect(makeMoons({ seed: 5 }).x).toEqual(makeMoons({ seed: 5 }).x);
    expect(makeMoons({ seed: 5 }).x).not.toEqual(makeMoons({ seed: 6 }).x);
    expect(makeMoons().shape).toEqual([1000, 2]);
    expect(() => makeMoons({ n: 0 })).toThrow('makeMoons: n must be an integer >= 1, got 0');
    expect(() => makeMoons({ noise: -1 })).toThrow(
      'makeMoons: noise must be a number >= 0, got -1',
    );
  });
});

describe('makeOodCluster', () => {
  it('draws N(mean, std^2) points labelled -1, by default the SNGP cluster', () => {
    const { x, y, shape } = makeOodCluster({ n: 2000, seed: 2 });
    expect(shape).toEqual([2000, 2]);
    expect(y.every((v) => v === -1)).toBe(true);
    // Sample mean: SE = 0.1 / sqrt(2000) = 0.0022; sample sd: SE = 0.1 / sqrt(4000) = 0.0016.
    [2.5, -1.75].forEach((m, j) => {
      expect(Math.abs(mean(column(x, 2, j)) - m)).toBeLessThan(5 * 0.0022);
      expect(Math.abs(std(column(x, 2, j)) - 0.1)).toBeLessThan(5 * 0.0016);
    });
  });

  it('takes any dimension and per-axis std', () => {
    const { x, shape } = makeOodCluster({ n: 2000, mean: [0, 5, -5], std: [1, 0, 2], seed: 4 });
    expect(shape).toEqual([2000, 3]);
    expect(column(x, 3, 1).every((v) => v === 5)).toBe(true);
    expect(Math.abs(std(column(x, 3, 2)) - 2)).toBeLessThan(5 * (2 / Math.sqrt(4000)));
    expect(() => makeOodCluster({ mean: [0, 0], std: [1] })).toThrow(
      'makeOodCluster: std must be a number or 2 numbers (one per axis of mean)',
    );
    expect(() => makeOodCluster({ mean: [] })).toThrow(
      'makeOodCluster: mean must be a non-empty array',
    );
    expect(() => makeOodCluster({ std: [1, -1] })).toThrow(
      'makeOodCluster: std[1] must be a number >= 0',
    );
  });
});

describe('makeSpirals', () => {
  it('places noise-free points at radius i/(P-1) and angle 4k + 4r', () => {
    const perClass = 50;
    const { x, y, shape } = makeSpirals({ perClass, numClasses: 4, noise: 0, seed: 1 });
    expect(shape).toEqual([200, 2]);
    for (let k = 0; k < 4; k++) expect(y.filter((c) => c === k).length).toBe(perClass);
    const radii: number[][] = [[], [], [], []];
    for (let i = 0; i < 200; i++) {
      const r = Math.hypot(x[2 * i]!, x[2 * i + 1]!);
      radii[y[i]!]!.push(r);
      if (r < 1e-6) continue;
      const t = 4 * y[i]! + 4 * r;
      // (r sin t, r cos t): the point's angle from the y axis is t modulo 2 pi.
      const diff = Math.atan2(x[2 * i]!, x[2 * i + 1]!) - t;
      expect(Math.abs(Math.atan2(Math.sin(diff), Math.cos(diff)))).toBeLessThan(1e-5);
    }
    for (const r of radii) {
      r.sort((a, b) => a - b);
      r.forEach((v, i) => {
        expect(v).toBeCloseTo(i / (perClass - 1), 5);
      });
    }
  });

  it('is seeded and validates', () => {
    expect(makeSpirals({ seed: 3 }).x).toEqual(makeSpirals({ seed: 3 }).x);
    expect(makeSpirals({ seed: 3 }).x).not.toEqual(makeSpirals({ seed: 4 }).x);
    expect(makeSpirals().shape).toEqual([300, 2]);
    expect(() => makeSpirals({ numClasses: 0 })).toThrow(
      'makeSpirals: numClasses must be an integer >= 1',
    );
  });
});

describe('makeCubicRegression', () => {
  it('draws x uniformly in range and y = x^3 + N(0, std^2)', () => {
    const n = 4000;
    const { x, y, shape } = makeCubicRegression({ n, seed: 9 });
    expect(shape).toEqual([n, 1]);
    expect(y).toBeInstanceOf(Float32Array);
    expect(x.every((v) => v >= -4 && v <= 4)).toBe(true);
    // U(-4, 4): mean 0, sd 8 / sqrt(12) = 2.309; SE of the mean 2.309 / sqrt(n) = 0.0365.
    expect(Math.abs(mean([...x]))).toBeLessThan(5 * 0.0365);
    const residuals = [...y].map((v, i) => v - x[i]! ** 3);
    // Residual mean: SE = 3 / sqrt(n) = 0.047; residual sd: SE = 3 / sqrt(2n) = 0.034.
    expect(Math.abs(mean(residuals))).toBeLessThan(5 * 0.047);
    expect(Math.abs(std(residuals) - 3)).toBeLessThan(5 * 0.034);
    const exact = makeCubicRegression({ n: 10, std: 0, range: [1, 2], seed: 1 });
    exact.x.forEach((v, i) => {
      expect(exact.y[i]).toBe(Math.fround(v ** 3));
    });
  });

  it('is seeded and validates', () => {
    expect(makeCubicRegression({ seed: 1 }).y).toEqual(makeCubicRegression({ seed: 1 }).y);
    expect(makeCubicRegression().shape).toEqual([20, 1]);
    expect(() => makeCubicRegression({ range: [2, 1] })).toThrow(
      'makeCubicRegression: range must be a pair [lo, hi] with lo < hi, got [2, 1]',
    );
    expect(() => makeCubicRegression({ std: Number.NaN })).toThrow(InvalidArgumentError);
  });
});

describe('makeGrid', () => {
  it('spans the ranges with x varying fastest', () => {
    const grid = makeGrid([-1, 1], [0, 4], 5);
    expect(grid.shape).toEqual([25, 2]);
    expect(Array.from(grid.xs)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(grid.ys)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(grid.x.subarray(0, 4))).toEqual([-1, 0, -0.5, 0]);
    expect(Array.from(grid.x.subarray(2 * 5, 2 * 5 + 2))).toEqual([-1, 1]);
    expect(Array.from(grid.x.subarray(48))).toEqual([1, 4]);
    const tutorial = makeGrid();
    expect(tutorial.shape).toEqual([10_000, 2]);
    expect([tutorial.xs[0], tutorial.xs[99], tutorial.ys[0], tutorial.ys[99]]).toEqual([
      -3.5, 3.5, -2.5, 2.5,
    ]);
    expect(() => makeGrid([0, 1], [0, 1], 1)).toThrow('makeGrid: n must be an integer >= 2, got 1');
    expect(() => makeGrid([0, 0], [0, 1], 3)).toThrow(
      'makeGrid: xRange must be a pair [lo, hi] with lo < hi',
    );
  });
});
