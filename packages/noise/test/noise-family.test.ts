import '@tensorflow/tfjs-layers'; // registers the gradients of tfjs-core ops
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { fillNormalRowsJs } from '../src/fill-rows.js';
import { NOISE_KINDS, type NoiseKind, noiseFamily } from '../src/index.js';
import {
  CDF64,
  KURTOSIS,
  ksStatistic,
  LOG_PDF64,
  normalLogCdf64,
  normalQuantile64,
} from './reference.js';

async function values(t: tf.Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

async function apply(f: (x: tf.Tensor) => tf.Tensor, xs: number[]): Promise<number[]> {
  const x = tf.tensor1d(xs);
  const out = await values(f(x));
  x.dispose();
  return out;
}

describe('noiseFamily sampling', () => {
  // 200 rows of 500: n = 100,000 draws per family.
  const N = 100_000;

  it.each(NOISE_KINDS)('%s: KS statistic against the closed-form CDF', async (kind) => {
    const sample = await values(noiseFamily(kind).sampleStandard([200, 500], 11));
    // Critical value of D_n at level 0.001: 1.95 / sqrt(n) = 0.0062. A wrong scale (x1.05)
    // or shift (+0.05) gives D ~ 0.02, three times larger.
    expect(ksStatistic(sample, CDF64[kind])).toBeLessThan(1.95 / Math.sqrt(N));
  });

  it.each(NOISE_KINDS)('%s: sample mean and variance match the closed forms', async (kind) => {
    const family = noiseFamily(kind);
    const sample = await values(family.sampleStandard([200, 500], 12));
    const mean = sample.reduce((a, b) => a + b, 0) / N;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
    // SE(mean) = sqrt(var / n); SE(variance) = var * sqrt((kurtosis - 1) / n). 5 SE each.
    const seMean = Math.sqrt(family.variance / N);
    const seVariance = family.variance * Math.sqrt((KURTOSIS[kind] - 1) / N);
    expect(Math.abs(mean - family.mean)).toBeLessThan(5 * seMean);
    expect(Math.abs(variance - family.variance)).toBeLessThan(5 * seVariance);
  });

  it('normal: the ziggurat tail beyond its base layer has the right mass', async () => {
    // |x| > 3.4426 (the base layer's edge, where the exact tail sampler takes over) has
    // probability 2 (1 - Phi(3.4426)) = 5.76e-4; |x| > 4 has 6.33e-5. n = 10^6:
    // expected counts 576 (SE 24) and 63.3 (SE 8); 5 SE.
    const sample = await values(noiseFamily('normal').sampleStandard([1000, 1000], 13));
    const beyond = (c: number) => sample.filter((x) => Math.abs(x) > c).length;
    const expected = (c: number) => 2e6 * Math.exp(normalLogCdf64(-c));
    for (const c of [3.4426, 4]) {
      expect(Math.abs(beyond(c) - expected(c))).toBeLessThan(5 * Math.sqrt(expected(c)));
    }
  });

  it.each(
    NOISE_KINDS,
  )('%s: the same seed gives the same draws, rows depend only on their index', async (kind) => {
    const family = noiseFamily(kind);
    const a = await values(family.sampleStandard([6, 7], 5));
    expect(await values(family.sampleStandard([6, 7], 5))).toEqual(a);
    expect(await values(family.sampleStandard([6, 7], 6))).not.toEqual(a);
    // Rows 2..4 drawn on their own equal rows 2..4 of the full draw.
    expect(await values(family.sampleStandard([3, 7], 5, 2))).toEqual(a.slice(14, 35));
    // A shorter row is a prefix of a longer one (each row is one stream).
    const long = await values(family.sampleStandard([1, 12], 5));
    expect(await values(family.sampleStandard([1, 7], 5))).toEqual(long.slice(0, 7));
  });

  it('draws scalars, empty shapes and rank-4 shapes', async () => {
    const family = noiseFamily('logistic');
    const scalar = family.sampleStandard([], 1);
    expect(scalar.shape).toEqual([]);
    scalar.dispose();
    const empty = family.sampleStandard([0, 3], 1);
    expect(empty.shape).toEqual([0, 3]);
    empty.dispose();
    const big = family.sampleStandard([2, 3, 4, 5], 1);
    expect(big.shape).toEqual([2, 3, 4, 5]);
    expect((await values(big)).every(Number.isFinite)).toBe(true);
  });
});

describe('noiseFamily draw buffers', () => {
  // On wasm the draws share one buffer (the backend copies a new tensor's values into its heap);
  // elsewhere each draw has its own. Either way an earlier draw must keep its values.
  it.each([
    'current',
    'cpu',
  ])('a draw keeps its values after later, larger draws (%s backend)', async (which) => {
    const previous = tf.getBackend();
    if (which === 'cpu') await tf.setBackend('cpu');
    try {
      const family = noiseFamily('normal');
      const first = family.sampleStandard([300, 10], 21);
      const later = [
        family.sampleStandard([2000, 10], 22),
        noiseFamily('logistic').sampleStandard([900, 10], 23),
      ];
      const expected = fillNormalRowsJs(new Float32Array(3000), 10, 0, 21);
      expect(Float32Array.from(await first.data())).toEqual(expected);
      expect(Float32Array.from(await later[0]!.data())).toEqual(
        fillNormalRowsJs(new Float32Array(20_000), 10, 0, 22),
      );
      tf.dispose([first, ...later]);
    } finally {
      await tf.setBackend(previous);
    }
  });
});

describe('noiseFamily closed forms', () => {
  const grid = [-8, -4, -2.5, -1, -0.3, 0, 0.3, 1, 2.5, 4, 8];

  it.each(NOISE_KINDS)('%s: cdf, logCdf and logProb match float64 references', async (kind) => {
    const family = noiseFamily(kind);
    const cdf = await apply(family.cdf, grid);
    const logCdf = await apply(family.logCdf, grid);
    const logProb = await apply(family.logProb, grid);
    grid.forEach((x, i) => {
      const ref = CDF64[kind](x);
      // float32 holds ~7 digits: 2e-7 absolute, plus 1e-5 relative for tiny tail values.
      expect(Math.abs(cdf[i]! - ref)).toBeLessThanOrEqual(2e-7 + 1e-5 * ref);
      if (ref > 1e-30) {
        expect(Math.abs(logCdf[i]! - Math.log(ref))).toBeLessThanOrEqual(
          1e-5 * Math.abs(Math.log(ref)) + 1e-6,
        );
      }
      expect(logProb[i]!).toBeCloseTo(LOG_PDF64[kind](x), 4);
    });
  });

  // Normal: log Phi(-50) = -1254.831 (continued fraction); log Phi(50) = -Q(50) = -1e-545 ~ 0.
  // Logistic: -softplus(50) = -50 - 1.9e-22; -softplus(-50) = -1.93e-22.
  // Gumbel: -exp(50) = -5.185e21; -exp(-50) = -1.93e-22.
  const tails: Record<NoiseKind, [number, number]> = {
    normal: [normalLogCdf64(-50), 0],
    logistic: [-50, -Math.exp(-50)],
    gumbel: [-Math.exp(50), -Math.exp(-50)],
  };

  it.for(NOISE_KINDS)('%s: logCdf is stable at |x| = 50 in both tails', async (kind, ctx) => {
    // The Gumbel's lower tail is exp(50) itself, which this test wants to 1e-6 (a correctly
    // rounded exp is within 6e-8); WGSL lets exp err by 3 + 2|x| ULP (1e-5 at x = 50).
    ctx.skip(
      kind === 'gumbel' && tf.getBackend() === 'webgpu',
      "webgpu: WGSL's exp(50) may err by 103 ULP (lavapipe: 1.1e-6 relative), over this test's 1e-6",
    );
    const [low, high] = await apply(noiseFamily(kind).logCdf, [-50, 50]);
    const [lowRef, highRef] = tails[kind];
    expect(Math.abs(low! - lowRef)).toBeLessThanOrEqual(1e-6 * Math.abs(lowRef));
    expect(Math.abs(high! - highRef)).toBeLessThanOrEqual(1e-5 * Math.abs(highRef));
    expect(Number.isFinite(low) && Number.isFinite(high)).toBe(true);
  });

  it('normal: logCdf keeps its relative precision where 1 - Q rounds to 1', async () => {
    // In float32: log Phi(5) = -2.8665157e-7.
    const [upper] = await apply(noiseFamily('normal').logCdf, [5]);
    expect(Math.abs(upper! - normalLogCdf64(5)) / -normalLogCdf64(5)).toBeLessThan(1e-5);
  });

  it.each(NOISE_KINDS)('%s: quantile(cdf(x)) == x', async (kind) => {
    const family = noiseFamily(kind);
    const lowest = { normal: -8, logistic: -15, gumbel: -2.5 }[kind];
    const xs = Array.from({ length: 40 }, (_, i) => lowest + ((3 - lowest) * i) / 39);
    const back = await apply((x) => family.quantile(family.cdf(x)), xs);
    xs.forEach((x, i) => {
      // float32 p has spacing 6e-8 near 1, so |dx| <= 6e-8 / f(x): 1.4e-5 at x = 3 (normal);
      // below the median the relative precision of p gives |dx| <= 2e-7 F / f, smaller.
      const f = Math.exp(LOG_PDF64[kind](x));
      expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(1.5e-7 / f + 1e-5 * Math.abs(x) + 1e-6);
    });
  });

  it('normal: quantile matches a float64 reference from the far tail to the centre', async () => {
    const ps = [1e-30, 1e-12, 1e-6, 1e-3, 0.02, 0.0367, 0.3, 0.5, 0.7, 0.9, 0.969, 0.999];
    const p32 = Array.from(Float32Array.from(ps)); // the float32 values the tensor holds
    const q = await apply(noiseFamily('normal').quantile, p32);
    p32.forEach((p, i) => {
      const ref = normalQuantile64(p);
      // PPND7 is accurate to ~1e-7 relative; float32 adds ~1e-7.
      expect(Math.abs(q[i]! - ref)).toBeLessThanOrEqual(5e-7 * Math.max(1, Math.abs(ref)));
    });
  });

  it.each(NOISE_KINDS)('%s: quantile at 0, 1 and outside [0, 1]', async (kind) => {
    const q = await apply(noiseFamily(kind).quantile, [0, 1, -0.1, 1.1]);
    expect(q.slice(0, 2)).toEqual([-Infinity, Infinity]);
    expect(q.slice(2).every(Number.isNaN)).toBe(true);
  });

  it.each(NOISE_KINDS)('%s: mean and variance are the closed forms', (kind) => {
    const family = noiseFamily(kind);
    const expected = {
      normal: [0, 1],
      logistic: [0, Math.PI ** 2 / 3],
      gumbel: [0.5772156649015329, Math.PI ** 2 / 6],
    }[kind];
    expect([family.mean, family.variance]).toEqual(expected);
  });

  /** float64 `log(1 - F(x))`, written from each closed form (not from the package's code). */
  const LOG_SURVIVAL64: Record<NoiseKind, (x: number) => number> = {
    normal: (x) => normalLogCdf64(-x),
    logistic: (x) => (x > 0 ? -x - Math.log1p(Math.exp(-x)) : -Math.log1p(Math.exp(x))),
    gumbel: (x) => Math.log(-Math.expm1(-Math.exp(-x))),
  };

  it.each(NOISE_KINDS)('%s: logSurvival is log(1 - F), accurate in both tails', async (kind) => {
    const family = noiseFamily(kind);
    // The grid, both tails, and both sides of the Gumbel's switch at exp(-x) = 1/2 (x = log 2).
    const xs = [...grid, -50, -20, 0.6, Math.LN2, 0.8, 20, 50];
    const logSurvival = await apply(family.logSurvival, xs);
    xs.forEach((x, i) => {
      const ref = LOG_SURVIVAL64[kind](x);
      // float32: 1e-5 relative (the value itself, e.g. -50 or -1254.8), 1e-6 absolute near 0.
      expect(Math.abs(logSurvival[i]! - ref)).toBeLessThanOrEqual(1e-5 * Math.abs(ref) + 1e-6);
      expect(Number.isFinite(logSurvival[i])).toBe(true);
    });
    // The gradient is -f / (1 - F): at x = 50 the Gumbel's is -1 (log(1 - F) ~ -x there).
    const dLogSurvival = await values(
      tf.grad((x: tf.Tensor) => tf.sum(family.logSurvival(x)))(tf.tensor1d(xs)),
    );
    xs.forEach((x, i) => {
      const ratio = Math.exp(LOG_PDF64[kind](x) - LOG_SURVIVAL64[kind](x));
      if (!Number.isFinite(ratio)) return; // the normal at 50: f underflows float64 too
      expect(Math.abs(dLogSurvival[i]! + ratio)).toBeLessThanOrEqual(1e-4 * ratio + 1e-6);
    });
  });

  it.each(NOISE_KINDS)('%s: gradients of cdf and logCdf equal the density ratios', async (kind) => {
    const family = noiseFamily(kind);
    const xs = [-30, -6, -1, 0, 1.5, 6];
    const dCdf = await values(tf.grad((x: tf.Tensor) => tf.sum(family.cdf(x)))(tf.tensor1d(xs)));
    const dLogCdf = await values(
      tf.grad((x: tf.Tensor) => tf.sum(family.logCdf(x)))(tf.tensor1d(xs)),
    );
    xs.forEach((x, i) => {
      const logF = Math.log(CDF64[kind](x)) || normalLogCdf64(x);
      const logRatio = LOG_PDF64[kind](x) - (kind === 'normal' ? normalLogCdf64(x) : logF);
      // d/dx log F = f / F (e.g. 30.03 for the normal at -30, where F underflows float32).
      const ratio = Math.exp(logRatio);
      expect(Math.abs(dLogCdf[i]! - ratio)).toBeLessThanOrEqual(1e-4 * ratio + 1e-6);
      const density = Math.exp(LOG_PDF64[kind](x));
      expect(Math.abs(dCdf[i]! - density)).toBeLessThanOrEqual(1e-4 * density + 1e-7);
    });
  });
});

describe('noiseFamily input checks and hygiene', () => {
  it('rejects an unknown kind, bad shapes, seeds and non-tensors, naming the argument', () => {
    expect(() => noiseFamily('cauchy' as NoiseKind)).toThrow(
      `noiseFamily: kind must be one of 'normal', 'logistic', 'gumbel', got "cauchy"`,
    );
    const family = noiseFamily('normal');
    expect(() => family.sampleStandard([2, -1], 1)).toThrow(
      "noiseFamily('normal').sampleStandard: shape[1] must be an integer >= 0, got -1",
    );
    expect(() => family.sampleStandard([2], -3)).toThrow(
      "noiseFamily('normal').sampleStandard: seed must be an integer seed in [0, 2^32), got -3",
    );
    expect(() => family.sampleStandard([2], 1, 0.5)).toThrow('firstRow must be an integer');
    expect(() => family.cdf([1, 2] as unknown as tf.Tensor)).toThrow(
      "noiseFamily('normal').cdf: x must be a tf.Tensor, got [1, 2]",
    );
    expect(() => family.quantile(null as unknown as tf.Tensor)).toThrow(InvalidArgumentError);
  });

  it.each(NOISE_KINDS)('%s: no tensor leaks over repeated calls', (kind) => {
    const family = noiseFamily(kind);
    const x = tf.tensor1d([-2, 0.1, 3]);
    const p = tf.tensor1d([0.01, 0.5, 0.99]);
    const run = () => {
      for (const t of [
        family.sampleStandard([4, 3], 1),
        family.cdf(x),
        family.logCdf(x),
        family.logProb(x),
        family.quantile(p),
        tf.grad((v: tf.Tensor) => tf.sum(family.logCdf(v)))(x),
      ]) {
        t.dispose();
      }
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    p.dispose();
  });

  it('accepts int tensors by casting to float32', async () => {
    const out = noiseFamily('logistic').cdf(tf.tensor1d([0, 2], 'int32'));
    expect(out.dtype).toBe('float32');
    expect((await values(out))[0]).toBe(0.5);
  });
});
