import { describe, expect, it } from 'vitest';
import { accuracy, bootstrapCI, ece, meanStd, nll, pairedTTest } from '../src/index.js';
import { studentTCdf as tCdf } from '../src/student-t.js';
import { randomProbs, sampleLabels } from './helpers.js';

describe('the t distribution CDF against closed forms', () => {
  it('matches df = 1 (Cauchy), 2 and 4 to 1e-12', () => {
    for (const x of [-30, -4.2, -1, -0.3, 0, 0.7, 2.5, 12]) {
      expect(Math.abs(tCdf(x, 1) - (0.5 + Math.atan(x) / Math.PI))).toBeLessThan(1e-12);
      expect(Math.abs(tCdf(x, 2) - (0.5 + x / (2 * Math.sqrt(2 + x * x))))).toBeLessThan(1e-12);
      // df = 4, with s = x / sqrt(4 + x^2): F(x) = 1/2 + (3/4) s (1 - s^2 / 3).
      const s = x / Math.sqrt(4 + x * x);
      expect(Math.abs(tCdf(x, 4) - (0.5 + 0.75 * s * (1 - (s * s) / 3)))).toBeLessThan(1e-12);
    }
  });
});

describe('pairedTTest', () => {
  it("reproduces R's t.test(extra ~ group, data = sleep, paired = TRUE)", () => {
    // Student's sleep data (Cushny & Peebles 1905): R prints t = -4.0621, df = 9, p-value = 0.002833,
    // mean difference -1.58.
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const r = pairedTTest(g1, g2);
    expect(r.t).toBeCloseTo(-4.0621, 4);
    expect(r.df).toBe(9);
    expect(r.pValue).toBeCloseTo(0.002833, 6);
    expect(r.meanDifference).toBeCloseTo(-1.58, 12);
    // Swapping the samples flips t and keeps p.
    const s = pairedTTest(g2, g1);
    expect(s.t).toBe(-r.t);
    expect(s.pValue).toBe(r.pValue);
  });

  it('p-values in closed form for n = 2 and n = 3', () => {
    // n = 2: d = [1, 3], mean 2, sd sqrt 2, t = 2 / (sqrt 2 / sqrt 2) = 2, df 1: p = 1 - 2 atan(2) / pi.
    const two = pairedTTest([1, 3], [0, 0]);
    expect(two.t).toBeCloseTo(2, 14);
    expect(two.pValue).toBeCloseTo(1 - (2 * Math.atan(2)) / Math.PI, 12);
    // n = 3: d = [1, 2, 4], mean 7/3, sd sqrt(7/3), t = sqrt 7, df 2: p = 1 - t / sqrt(2 + t^2).
    const three = pairedTTest([2, 3, 5], [1, 1, 1]);
    expect(three.t).toBeCloseTo(Math.sqrt(7), 13);
    expect(three.pValue).toBeCloseTo(1 - Math.sqrt(7) / 3, 12);
  });

  it('constant differences: infinite t and p = 0, or NaN when all are zero', () => {
    expect(pairedTTest([2, 3, 4], [1, 2, 3])).toMatchObject({
      t: Number.POSITIVE_INFINITY,
      pValue: 0,
    });
    const same = pairedTTest([1, 2], [1, 2]);
    expect(Number.isNaN(same.t) && Number.isNaN(same.pValue)).toBe(true);
  });

  it('denormal and huge inputs give the t of the same data rescaled', () => {
    // t, df and p do not change when a and b are multiplied by a power of 2 (exact in float64).
    const a = [1, 2, 3, 5];
    const b = [0, 0, 0, 1];
    const ref = pairedTTest(a, b);
    // 1e-310 and below are denormal: their squares underflow to 0, which used to give sd = 0
    // and t = Infinity. 2^-1030 * a is exact (the numbers have few significant bits).
    const tiny = pairedTTest(
      a.map((v) => v * 2 ** -1030),
      b.map((v) => v * 2 ** -1030),
    );
    expect(tiny.t).toBeCloseTo(ref.t, 13);
    expect(tiny.pValue).toBeCloseTo(ref.pValue, 13);
    expect(tiny.meanDifference / 2 ** -1030).toBeCloseTo(ref.meanDifference, 13);
    expect(pairedTTest([1e-310, 2e-310, 3e-310, 5e-310], [0, 0, 0, 1e-310]).t).toBeCloseTo(
      ref.t,
      5, // the denormal inputs themselves carry only ~14 significant bits
    );
    // 2^1020 * a: sums and squares used to overflow (t = NaN).
    const huge = pairedTTest(
      a.map((v) => v * 2 ** 1020),
      b.map((v) => v * 2 ** 1020),
    );
    expect(huge.t).toBeCloseTo(ref.t, 13);
    expect(huge.pValue).toBeCloseTo(ref.pValue, 13);
    expect(huge.sdDifference / 2 ** 1020).toBeCloseTo(ref.sdDifference, 13);
    // Differences beyond the float64 range: d = [2e308, -2e308, 2e308, -2e308] has mean 0,
    // t = 0, p = 1; its sd (2.3e308) is itself beyond the range.
    const over = pairedTTest([1e308, -1e308, 1e308, -1e308], [-1e308, 1e308, -1e308, 1e308]);
    expect(over).toMatchObject({ t: 0, df: 3, pValue: 1, meanDifference: 0 });
    expect(over.sdDifference).toBe(Number.POSITIVE_INFINITY);
    const mixed = pairedTTest([1e308, -1e308, 1e308], [0, 0, 0]);
    // d / 1e308 = [1, -1, 1]: mean 1/3, sd sqrt(4/3), t = (1/3) / (sqrt(4/3) / sqrt 3) = 1/2.
    expect(mixed.t).toBeCloseTo(0.5, 14);
    expect(Number.isFinite(mixed.pValue)).toBe(true);
  });

  it('errors', () => {
    expect(() => pairedTTest([1], [2])).toThrow(
      'pairedTTest: a must be an array of at least 2 values, got [1]',
    );
    expect(() => pairedTTest([1, 2], [2])).toThrow(
      'pairedTTest: b must be of shape [2] (paired with a), got [1]',
    );
    expect(() => pairedTTest([1, Number.NaN], [2, 3])).toThrow(
      'pairedTTest: a[1] must be finite, got NaN',
    );
  });
});

describe('meanStd', () => {
  it('sample and population std', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(meanStd(Float64Array.from([1, 2, 3, 4]), { ddof: 0 }).std).toBe(Math.sqrt(5 / 4));
    // Large offsets do not cancel: two-pass variance.
    expect(meanStd([1e9 + 1, 1e9 + 2, 1e9 + 3]).std).toBe(1);
    // Huge and denormal values: 2^1000 * [1, 2, 3, 4] used to give mean = std = Infinity, and
    // 2^-1060 * [1, 2, 3, 4] a std of 0 (squares underflow). Powers of 2 scale exactly.
    // (A std near 2^-1060 is itself denormal: float64 holds it to 2^-1074, 14 bits, ~1e-4.)
    for (const [s, digits] of [
      [2 ** 1000, 14],
      [2 ** -1060, 3],
    ] as const) {
      const r = meanStd([1, 2, 3, 4].map((v) => v * s));
      expect(r.mean / s).toBe(2.5);
      expect(r.std / s).toBeCloseTo(Math.sqrt(5 / 3), digits);
    }
    expect(meanStd([1e308, 1e308, -1e308]).mean).toBeCloseTo(1e308 / 3, -295);
    expect(() => meanStd([1])).toThrow(
      'meanStd: values must be an array of more than 1 value(s), got [1]',
    );
  });
});

describe('bootstrapCI', () => {
  const probs = randomProbs(21, 400, 3, 1.5);
  const labels = sampleLabels(22, probs);

  it('is reproducible with a seed and changes with it', () => {
    const a = bootstrapCI(probs, labels, (p, y) => ece(p, y), { numResamples: 200, seed: 5 });
    const b = bootstrapCI(probs, labels, (p, y) => ece(p, y), { numResamples: 200, seed: 5 });
    const c = bootstrapCI(probs, labels, (p, y) => ece(p, y), { numResamples: 200, seed: 6 });
    expect(a).toEqual(b);
    expect(c.lower).not.toBe(a.lower);
    expect(a.estimate).toBe(ece(probs, labels));
    expect(a.lower).toBeLessThan(a.upper);
  });

  it('matches the normal interval of a proportion for accuracy (MC tolerance)', () => {
    // Accuracy is a mean of n = 400 Bernoulli(acc) values: the percentile interval is close to
    // acc +- 1.96 sqrt(acc (1 - acc) / n). Differences: resampling noise of the 2.5% quantile with
    // 2000 resamples (~0.0015), the 1/400 grid of accuracy values (0.0025) and skew; 0.006 covers them.
    const acc = accuracy(probs, labels);
    const se = Math.sqrt((acc * (1 - acc)) / 400);
    const ci = bootstrapCI(probs, labels, accuracy, { numResamples: 2000, seed: 1 });
    expect(Math.abs(ci.lower - (acc - 1.96 * se))).toBeLessThan(0.006);
    expect(Math.abs(ci.upper - (acc + 1.96 * se))).toBeLessThan(0.006);
  });

  it('works with metrics taking options and checks its arguments', () => {
    const ci = bootstrapCI(probs, labels, (p, y) => nll(p, y, { eps: 1e-6 }), {
      numResamples: 50,
      level: 0.5,
    });
    expect(ci.level).toBe(0.5);
    expect(() => bootstrapCI(probs, labels, accuracy, { level: 1 })).toThrow(
      'bootstrapCI: opts.level must be a number in (0, 1), got 1',
    );
    expect(() => bootstrapCI(probs, labels, accuracy, { seed: -1 })).toThrow(
      'bootstrapCI: opts.seed must be an integer seed in [0, 2^32), got -1',
    );
    expect(() => bootstrapCI(probs, labels, () => Number.NaN)).toThrow(
      'bootstrapCI: metric must be a function returning a finite number (not NaN or ±Infinity), got NaN',
    );
    // ±Infinity used to pass and give NaN bounds (Infinity - Infinity in the interpolation).
    expect(() => bootstrapCI(probs, labels, () => Number.POSITIVE_INFINITY)).toThrow(
      'bootstrapCI: metric must be a function returning a finite number (not NaN or ±Infinity), got Infinity',
    );
    const oneZero = [
      [1, 0],
      [0.5, 0.5],
    ];
    expect(() => bootstrapCI(oneZero, [1, 0], (p, y) => nll(p, y, { eps: 0 }))).toThrow(
      'got Infinity',
    );
    expect(() => bootstrapCI(probs, labels, accuracy, { numResamples: 1e8 })).toThrow(
      'bootstrapCI: opts.numResamples must be an integer in [1, 1000000] (the limit on resamples), got 100000000',
    );
    expect(() => bootstrapCI(probs, labels, accuracy, null as never)).toThrow(
      'bootstrapCI: opts must be an options object (or undefined), got null',
    );
    expect(() => bootstrapCI(probs, labels, 3 as never)).toThrow(
      'bootstrapCI: metric must be a function, got 3',
    );
  });
});
