import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { fitMatrixScaling, fitTemperature, fitVectorScaling } from '../src/index.js';
import { meanCrossEntropy, softmax } from './helpers.js';

interface Scenario {
  /** True logits: labels are drawn from softmax(truth). */
  truth: number[][];
  /** Miscalibrated logits a model would report. */
  logits: number[][];
  labels: number[];
}

/** Labels from softmax(truth), and observed logits `distort(truth row)`. */
function scenario(
  seed: number,
  n: number,
  k: number,
  distort: (t: number[]) => number[],
): Scenario {
  const rng = new Rng(seed);
  const truth = Array.from({ length: n }, () =>
    Array.from({ length: k }, () => 1.5 * rng.normal()),
  );
  const labels = truth.map((t) => {
    const p = softmax(t);
    let u = rng.uniform();
    for (let c = 0; c < k; c++) {
      u -= p[c]!;
      if (u < 0) return c;
    }
    return k - 1;
  });
  return { truth, logits: truth.map(distort), labels };
}

function split(s: Scenario, at: number): [Scenario, Scenario] {
  const part = (a: number, b: number) => ({
    truth: s.truth.slice(a, b),
    logits: s.logits.slice(a, b),
    labels: s.labels.slice(a, b),
  });
  return [part(0, at), part(at, s.labels.length)];
}

/** Minimizes a unimodal function of one variable on [lo, hi] by golden-section search. */
function goldenSection(f: (u: number) => number, lo: number, hi: number, tol: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  while (b - a > tol) {
    const c = b - r * (b - a);
    const d = a + r * (b - a);
    if (f(c) < f(d)) b = d;
    else a = c;
  }
  return (a + b) / 2;
}

const scale = (z: number[][], s: number) => z.map((row) => row.map((v) => v * s));

describe('fitTemperature', () => {
  const overconfident = scenario(1, 1000, 5, (t) => t.map((v) => 2 * v));

  it('finds the NLL optimum to 1e-4 in log T (independent golden-section search)', () => {
    const { logits, labels } = overconfident;
    const fit = fitTemperature(logits, labels);
    const objective = (u: number) => meanCrossEntropy(scale(logits, Math.exp(-u)), labels);
    const reference = goldenSection(objective, Math.log(0.01), Math.log(100), 1e-9);
    expect(Math.abs(Math.log(fit.temperature) - reference)).toBeLessThan(1e-4);
    expect(fit.hitBound).toBeNull();
    expect(fit.nllBefore).toBeCloseTo(meanCrossEntropy(logits, labels), 12);
    expect(fit.nllAfter).toBeCloseTo(objective(reference), 10);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
  });

  it('recovers the temperature that made the logits overconfident (MC tolerance)', () => {
    // Logits are 2x the true ones, so T = 2 is the population optimum. The MLE of u = log T has
    // SE ~ 1 / sqrt(N f''(u)), f'' the curvature of the mean NLL in u (finite differences).
    const { logits, labels } = overconfident;
    const fit = fitTemperature(logits, labels);
    const f = (u: number) => meanCrossEntropy(scale(logits, Math.exp(-u)), labels);
    const u = Math.log(fit.temperature);
    const h = 1e-3;
    const curvature = (f(u + h) - 2 * f(u) + f(u - h)) / (h * h);
    const se = 1 / Math.sqrt(labels.length * curvature);
    expect(Math.abs(u - Math.log(2))).toBeLessThan(5 * se);
  });

  it('improves held-out NLL, and apply keeps the input form', async () => {
    const [val, test] = split(overconfident, 500);
    const fit = fitTemperature(val.logits, val.labels);
    const calibrated = fit.apply(test.logits);
    expect(meanCrossEntropy(calibrated, test.labels)).toBeLessThan(
      meanCrossEntropy(test.logits, test.labels),
    );
    expect(calibrated[0]![2]).toBe(test.logits[0]![2]! / fit.temperature);
    const dense = fit.apply({ data: Float64Array.from(test.logits.flat()), numClasses: 5 });
    expect(dense.numClasses).toBe(5);
    expect(dense.data[7]).toBe(calibrated[1]![2]);
    const before = tf.memory().numTensors;
    const t = tf.tensor2d(test.logits.slice(0, 3));
    const out = fit.apply(t);
    expect(out.shape).toEqual([3, 5]);
    expect(out.dtype).toBe('float32');
    // The tensor holds float32 logits; each is divided by T and rounded to float32 again.
    const expected = test.logits
      .slice(0, 3)
      .flat()
      .map((v) => Math.fround(Math.fround(v) / fit.temperature));
    expect(Array.from(await out.data())).toEqual(expected);
    tf.dispose([t, out]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => fit.apply([[1, 2]])).toThrow(
      'TemperatureFit.apply: logits must be of shape [N, 5] (the classes it was fitted on), got [1, 2]',
    );
  });

  it('reports the bound it hits: separable data (T -> 0) and always-wrong logits (T -> infinity)', () => {
    const separable = fitTemperature(
      [
        [3, 0],
        [0, 2],
        [4, 1],
      ],
      [0, 1, 0],
    );
    expect(separable).toMatchObject({ temperature: 0.01, hitBound: 'lower', iterations: 0 });
    const wrong = fitTemperature(
      [
        [3, 0],
        [0, 2],
      ],
      [1, 0],
      { maxTemperature: 50 },
    );
    expect(wrong.hitBound).toBe('upper');
    expect(wrong.temperature).toBe(50);
    // Inside wide bounds, a mildly separable set still has its optimum at the bound it reports.
    const narrow = fitTemperature(overconfident.logits, overconfident.labels, {
      minTemperature: 3,
      maxTemperature: 10,
    });
    expect(narrow).toMatchObject({ temperature: 3, hitBound: 'lower' });
  });

  it('is deterministic and checks its arguments', () => {
    const { logits, labels } = overconfident;
    expect(fitTemperature(logits, labels).temperature).toBe(
      fitTemperature(logits, labels).temperature,
    );
    expect(() => fitTemperature(logits, labels, { minTemperature: 2, maxTemperature: 1 })).toThrow(
      'fitTemperature: opts.maxTemperature must be greater than opts.minTemperature (2), got 1',
    );
    expect(() => fitTemperature([[0, Number.NaN]], [0])).toThrow(
      'fitTemperature: logits[1] must be finite, got NaN',
    );
    expect(() => fitTemperature([[0, 1]], [2])).toThrow(
      'fitTemperature: labels[0] must be an integer class label in [0, 1], got 2',
    );
    expect(() => fitTemperature([[0], [1]], [0, 0])).toThrow(
      'fitTemperature: logits must be of shape [N, K] with K >= 2, got [2, 1]',
    );
  });
});

/** The penalized objective written from its definition, for finite-difference gradients. */
function penalized(
  kind: 'vector' | 'matrix',
  weights: number[][] | number[],
  b: number[],
  s: Scenario,
  l2: number,
  l2Bias: number,
): number {
  const k = b.length;
  const transformed = s.logits.map((z) =>
    z.map((_, c) =>
      kind === 'matrix'
        ? (weights as number[][])[c]!.reduce((a, w, j) => a + w * z[j]!, b[c]!)
        : (weights as number[])[c]! * z[c]! + b[c]!,
    ),
  );
  let penalty = 0;
  for (let c = 0; c < k; c++) {
    if (kind === 'matrix')
      for (let j = 0; j < k; j++)
        penalty += l2 * ((weights as number[][])[c]![j]! - (c === j ? 1 : 0)) ** 2;
    else penalty += l2 * ((weights as number[])[c]! - 1) ** 2;
    penalty += l2Bias * b[c]! ** 2;
  }
  return meanCrossEntropy(transformed, s.labels) + penalty;
}

describe('fitVectorScaling', () => {
  // Per-class scale and shift: z_k = (t_k - c_k) / a_k. Vector scaling can undo it exactly.
  const a = [0.5, 1, 2, 1.5];
  const c = [1, -1, 0.5, 0];
  const data = scenario(2, 4000, 4, (t) => t.map((v, k) => (v - c[k]!) / a[k]!));

  it('is a stationary point of the penalized NLL (finite differences)', () => {
    const [val] = split(data, 600);
    const l2 = 1e-3;
    const l2Bias = 1e-3;
    const fit = fitVectorScaling(val.logits, val.labels, { l2, l2Bias });
    expect(fit.converged).toBe(true);
    const h = 1e-5;
    for (const [name, vec] of [
      ['w', fit.w],
      ['b', fit.b],
    ] as const) {
      for (let j = 0; j < 4; j++) {
        const plus = vec.slice();
        const minus = vec.slice();
        plus[j]! += h;
        minus[j]! -= h;
        const f = (v: number[]) =>
          name === 'w'
            ? penalized('vector', v, fit.b, val, l2, l2Bias)
            : penalized('vector', fit.w, v, val, l2, l2Bias);
        // Central differences: error O(h^2) ~ 1e-10 plus rounding ~ 1e-16 / h = 1e-11.
        expect(Math.abs((f(plus) - f(minus)) / (2 * h))).toBeLessThan(1e-6);
      }
    }
  });

  it('brings held-out NLL down to that of the true logits', () => {
    const [val, test] = split(data, 2000);
    const fit = fitVectorScaling(val.logits, val.labels);
    const after = meanCrossEntropy(fit.apply(test.logits), test.labels);
    const before = meanCrossEntropy(test.logits, test.labels);
    const oracle = meanCrossEntropy(test.truth, test.labels);
    expect(after).toBeLessThan(before);
    // Fitting 8 parameters on 2000 examples costs about p / (2N) = 0.002 nats of held-out NLL in
    // expectation over the oracle; 0.02 leaves room for sampling noise of the difference.
    expect(after - oracle).toBeLessThan(0.02);
    expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
  });

  it('a large l2 keeps the identity map; fits are deterministic', () => {
    const [val] = split(data, 300);
    const fit = fitVectorScaling(val.logits, val.labels, { l2: 1e6, l2Bias: 1e6 });
    for (const w of fit.w) expect(Math.abs(w - 1)).toBeLessThan(1e-4);
    for (const b of fit.b) expect(Math.abs(b)).toBeLessThan(1e-4);
    const again = fitVectorScaling(val.logits, val.labels);
    expect(fitVectorScaling(val.logits, val.labels).w).toEqual(again.w);
    expect(() => fitVectorScaling(val.logits, val.labels, { l2: -1 })).toThrow(
      'fitVectorScaling: opts.l2 must be a finite number >= 0, got -1',
    );
  });
});

describe('fitMatrixScaling', () => {
  // Observed logits mix the true ones across classes: z = M t with M not diagonal.
  const mix = [
    [1.6, 0.5, 0],
    [0, 0.7, -0.4],
    [0.3, 0, 1.2],
  ];
  const data = scenario(3, 4000, 3, (t) =>
    mix.map((row) => row.reduce((acc, m, j) => acc + m * t[j]!, 0)),
  );

  it('is a stationary point of the penalized NLL (finite differences)', () => {
    const [val] = split(data, 600);
    const l2 = 1e-3;
    const l2Bias = 1e-2;
    const fit = fitMatrixScaling(val.logits, val.labels, { l2, l2Bias });
    expect(fit.converged).toBe(true);
    const h = 1e-5;
    for (let r = 0; r < 3; r++) {
      for (let j = 0; j < 3; j++) {
        const plus = fit.W.map((row) => row.slice());
        const minus = fit.W.map((row) => row.slice());
        plus[r]![j]! += h;
        minus[r]![j]! -= h;
        const g =
          (penalized('matrix', plus, fit.b, val, l2, l2Bias) -
            penalized('matrix', minus, fit.b, val, l2, l2Bias)) /
          (2 * h);
        expect(Math.abs(g)).toBeLessThan(1e-6);
      }
    }
  });

  it('improves held-out NLL beyond what vector scaling can do on mixed logits', () => {
    const [val, test] = split(data, 2000);
    const before = meanCrossEntropy(test.logits, test.labels);
    const oracle = meanCrossEntropy(test.truth, test.labels);
    const matrix = fitMatrixScaling(val.logits, val.labels);
    const vector = fitVectorScaling(val.logits, val.labels);
    const afterMatrix = meanCrossEntropy(matrix.apply(test.logits), test.labels);
    const afterVector = meanCrossEntropy(vector.apply(test.logits), test.labels);
    expect(afterMatrix).toBeLessThan(before);
    expect(afterMatrix).toBeLessThan(afterVector);
    // 12 parameters on 2000 examples: about 0.003 nats of expected overfit; 0.02 as above.
    expect(afterMatrix - oracle).toBeLessThan(0.02);
    // With a strong penalty the map stays near the identity and held-out NLL is still no worse.
    const shrunk = fitMatrixScaling(val.logits, val.labels, { l2: 10 });
    expect(meanCrossEntropy(shrunk.apply(test.logits), test.labels)).toBeLessThanOrEqual(before);
  });
});
