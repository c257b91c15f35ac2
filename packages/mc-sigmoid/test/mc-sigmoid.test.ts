import '@tensorflow/tfjs-layers'; // registers the gradients of tfjs-core ops
import * as tf from '@tensorflow/tfjs-core';
import { NOISE_KINDS, type NoiseKind, noiseFamily } from '@uqjs/noise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exactSigmoid, type McSigmoidOptions, mcSigmoid } from '../src/index.js';
import { expectValueCheck, maxAbsDiff, read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

/** Standard normal CDF in float64: erfc by its Laplace continued fraction, Taylor series near 0. */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let upper: number;
  if (z < 2.5) {
    let term = z;
    let erf = z;
    for (let n = 1; n < 80; n++) {
      term *= (-z * z) / n;
      erf += term / (2 * n + 1);
    }
    upper = 0.5 * (1 - (2 / Math.sqrt(Math.PI)) * erf);
  } else {
    let fraction = 0;
    for (let n = 120; n >= 1; n--) fraction = n / 2 / (z + fraction);
    upper = Math.exp(-z * z) / (Math.sqrt(Math.PI) * (z + fraction)) / 2;
  }
  return x >= 0 ? 1 - upper : upper;
}

/**
 * `P(y = 1) = P(loc + scale * u > 0) = 1 - F(-t)`, `t = loc / scale`, in closed form for each
 * noise kind of `u`: probit, logit, and for the max-Gumbel `F(x) = exp(-exp(-x))` the
 * complementary log-log `1 - exp(-exp(t))`.
 */
const CLOSED_FORM: Record<NoiseKind, (t: number) => number> = {
  normal: phi,
  logistic: (t) => 1 / (1 + Math.exp(-t)),
  gumbel: (t) => -Math.expm1(-Math.exp(t)),
};

/** `[log P(y = 0), log P(y = 1)]` in float64, each computed without cancellation. */
const LOG_CLOSED_FORM: Record<NoiseKind, (t: number) => [number, number]> = {
  normal: (t) => [Math.log(phi(-t)), Math.log(phi(t))],
  logistic: (t) => [-Math.log1p(Math.exp(t)), -Math.log1p(Math.exp(-t))],
  gumbel: (t) => [-Math.exp(t), Math.log(-Math.expm1(-Math.exp(t)))],
};

const LOCS = [
  [1.5, -0.3, 0],
  [0.2, -2, 3],
];
const SCALES = [
  [1, 2, 0.5],
  [0.3, 1, 4],
];

describe('mcSigmoid and exactSigmoid: closed forms', () => {
  it.each(
    NOISE_KINDS,
  )('%s: argmax and small-temperature MC equal the closed form', async (noise) => {
    const loc = tf.tensor2d(LOCS);
    const scale = tf.tensor2d(SCALES);
    const S = 20_000;
    const exact = LOCS.flat().map((l, i) => CLOSED_FORM[noise](l / SCALES.flat()[i]!));
    for (const opts of [{ argmax: true }, { temperature: 0.02 }]) {
      const { probs } = mcSigmoid(loc, scale, { ...opts, noise, numSamples: S, seed: 1 });
      (await read(probs)).forEach((p, i) => {
        // SE = sqrt(q (1 - q) / S) <= 0.0036; 5 SE, plus 0.005 for the tau = 0.02 smoothing.
        const q = exact[i]!;
        expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 0.005);
      });
    }
  });

  it.each(
    NOISE_KINDS,
  )('%s: exactSigmoid equals the closed form to 1e-6, in log space too', async (noise) => {
    const t = [-30, -6, -1.2, 0, 0.4, 2.5, 6];
    const loc = tf.tensor2d([t]);
    const scale = tf.ones([1, t.length]);
    const { probs, logProbs } = exactSigmoid(loc, scale, noise);
    (await read(probs)).forEach((p, i) => {
      expect(Math.abs(p - CLOSED_FORM[noise](t[i]!))).toBeLessThan(1e-6);
    });
    // log P(y = 0) and log P(y = 1) against float64 logs; relative 1e-5 where the value is tiny.
    const logs = await read(logProbs); // [1, 7, 2] flattened: class 0, class 1 per output
    t.forEach((x, i) => {
      LOG_CLOSED_FORM[noise](x).forEach((ref, cls) => {
        const got = logs[2 * i + cls]!;
        expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-5 * Math.abs(ref) + 1e-6);
      });
    });
  });

  it('exactSigmoid stays finite far in the tails, where probabilities underflow', async () => {
    const { probs, logProbs } = exactSigmoid(tf.tensor2d([[-60, 60]]), tf.ones([1, 2]), 'normal');
    expect((await read(probs))[0]).toBe(0);
    const logs = await read(logProbs);
    // log Phi(-60) = -1804.1 (asymptotic series), log Phi(60) ~ -1e-784 ~ 0.
    expect(logs[1]).toBeCloseTo(-1800 - Math.log(60) - 0.5 * Math.log(2 * Math.PI) - 1 / 3600, 1);
    expect(logs.every(Number.isFinite)).toBe(true);
  });

  it('gumbel is Gumbel noise on the one latent: the complementary log-log 1 - exp(-exp(t)), not the logit', async () => {
    // t = loc / scale from -0.7 to 3; at t = 0 the cloglog is 1 - 1/e = 0.632 (the logit 0.5).
    const t = [-0.7, 0, 0.5, 1.5, 3];
    const loc = tf.tensor2d([t.map((x) => 0.8 * x)]);
    const scale = tf.fill([1, t.length], 0.8);
    const S = 100_000;
    for (const opts of [{ argmax: true }, { temperature: 0.01 }]) {
      const { probs } = mcSigmoid(loc, scale, { ...opts, noise: 'gumbel', numSamples: S, seed: 4 });
      (await read(probs)).forEach((p, i) => {
        const q = -Math.expm1(-Math.exp(t[i]!));
        // Each sample's outcome is Bernoulli(q): the estimate's SE is sqrt(q (1 - q) / S) <=
        // 0.0016. 5 SE, plus for tau = 0.01 the smoothing bias: |E sigmoid(y / tau) - P(y > 0)|
        // ~ (pi^2 / 6) tau^2 |f'(0)| with f the latent's density (|f'| <= 1 / scale^2 here):
        // < 3e-4.
        expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 3e-4);
        // and far from the logit model the old code silently used (>= 0.047 apart on this grid).
        expect(Math.abs(p - 1 / (1 + Math.exp(-t[i]!)))).toBeGreaterThan(0.03);
      });
    }
    // The exact head agrees with the same closed form (to float32 precision).
    const { probs } = exactSigmoid(loc, scale, 'gumbel');
    (await read(probs)).forEach((p, i) => {
      expect(Math.abs(p - -Math.expm1(-Math.exp(t[i]!)))).toBeLessThan(1e-6);
    });
  });

  it('argmax thresholds the latent at 0, not 0.5', async () => {
    // y* = 0.3 + 1e-3 u is positive in every sample: P(y = 1) = 1 (a 0.5 threshold gives 0).
    const { probs } = mcSigmoid(tf.tensor2d([[0.3]]), tf.tensor2d([[1e-3]]), {
      argmax: true,
      numSamples: 100,
    });
    expect(await read(probs)).toEqual([1]);
  });
});

describe('mcSigmoid: log space, gradients, chunking and shapes', () => {
  it('logProbs are log P(y = 0), log P(y = 1); exp sums to 1; finite at tau = 0.01', async () => {
    const loc = tf.tensor2d([[2, -1]]);
    const scale = tf.tensor2d([[0.1, 0.1]]);
    const { probs, logProbs } = mcSigmoid(loc, scale, {
      temperature: 0.01,
      numSamples: 100,
      seed: 2,
    });
    expect(logProbs.shape).toEqual([1, 2, 2]);
    const logs = await read(logProbs);
    // Output 0: P(y = 0) = mean sigmoid(-200 + ...) ~ e^-200 underflows; its log does not.
    expect(logs[0]!).toBeLessThan(-150);
    expect(logs.every(Number.isFinite)).toBe(true);
    const sums = await read(tf.sum(tf.exp(logProbs), -1));
    sums.forEach((s) => {
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    });
    const logOne = tf.reshape(tf.slice(logProbs, [0, 0, 1], [1, 2, 1]), [1, 2]);
    expect(await maxAbsDiff(probs, tf.exp(logOne))).toBeLessThan(1e-7);
  });

  it.each(
    NOISE_KINDS,
  )('%s: gradients equal tfjs autodiff of the naive computation on the same samples', async (noise) => {
    const loc = tf.tensor2d(LOCS);
    const scale = tf.tensor2d(SCALES);
    const tau = tf.scalar(0.6);
    const S = 300;
    const u = noiseFamily(noise).sampleStandard([S, 2, 3], 3);
    const weights = tf.tensor3d([
      [
        [1, -0.5],
        [0.2, 0.7],
        [-1, 1],
      ],
      [
        [0.3, 1],
        [-1, 0.1],
        [0.5, 0.5],
      ],
    ]);
    const naive = (l: tf.Tensor, s: tf.Tensor, t: tf.Tensor) => {
      const x = tf.div(tf.add(l, tf.mul(s, u)), t);
      const perSample = tf.stack([tf.neg(tf.softplus(x)), tf.neg(tf.softplus(tf.neg(x)))], -1);
      return tf.sum(tf.mul(tf.sub(tf.logSumExp(perSample, 0), Math.log(S)), weights));
    };
    const engine = (l: tf.Tensor, s: tf.Tensor, t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          mcSigmoid(l, s, {
            noise,
            temperature: t,
            numSamples: S,
            maxSamplesInMemory: 70,
            seed: 3,
          }).logProbs,
          weights,
        ),
      );
    const a = tf.grads(engine)([loc, scale, tau]);
    const b = tf.grads(naive)([loc, scale, tau]);
    for (const [i, g] of a.entries()) {
      const magnitude = await maxAbsDiff(b[i]!, tf.zerosLike(b[i]!));
      expect(await maxAbsDiff(g, b[i]!)).toBeLessThan(1e-4 * Math.max(1, magnitude));
    }
  });

  it('chunked == unchunked, multi-label outputs and extra middle axes', async () => {
    const loc = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4);
    const scale = tf.randomUniform([2, 3, 4], 0.1, 2, 'float32', 5);
    const whole = mcSigmoid(loc, scale, { numSamples: 400, seed: 6, computeVariance: true });
    const chunked = mcSigmoid(loc, scale, {
      numSamples: 400,
      maxSamplesInMemory: 33,
      seed: 6,
      computeVariance: true,
    });
    expect(whole.probs.shape).toEqual([2, 3, 4]);
    expect(whole.logProbs.shape).toEqual([2, 3, 4, 2]);
    expect(whole.variance!.shape).toEqual([2, 3, 4]);
    expect(await maxAbsDiff(whole.logProbs, chunked.logProbs)).toBeLessThan(2e-6);
    expect(await maxAbsDiff(whole.variance!, chunked.variance!)).toBeLessThan(1e-6);
    // Variance of the per-sample P(y = 1), computed directly.
    const u = noiseFamily('normal').sampleStandard([400, 2, 3, 4], 6);
    const { variance } = tf.moments(tf.sigmoid(tf.add(loc, tf.mul(scale, u))), 0);
    expect(await maxAbsDiff(whole.variance!, variance)).toBeLessThan(1e-6);
  });

  it('rejects bad input, naming the argument', () => {
    const loc = tf.tensor2d(LOCS);
    const scale = tf.tensor2d(SCALES);
    expect(() => mcSigmoid(loc, tf.ones([3, 2]))).toThrow(
      'mcSigmoid: scale must be of the same shape as loc ([2, 3]), got [3, 2]',
    );
    expect(() => mcSigmoid(tf.ones([3]), tf.ones([3]))).toThrow(
      'mcSigmoid: loc must be of rank >= 2 ([B, ..., O]), got [3]',
    );
    expectValueCheck(
      () => mcSigmoid(loc, tf.neg(scale)),
      'mcSigmoid: scale must be >= 0 everywhere, got -4',
    );
    expect(() => mcSigmoid(loc, scale, { temperature: 0 })).toThrow(
      'mcSigmoid: opts.temperature must be a finite number > 0, got 0',
    );
    expect(() => mcSigmoid(loc, scale, { noise: 'cauchy' as NoiseKind })).toThrow(
      `mcSigmoid: opts.noise must be one of`,
    );
    expectValueCheck(
      () => exactSigmoid(loc, tf.zeros([2, 3])),
      'exactSigmoid: scale must be > 0 everywhere, got 0',
    );
    expect(() => exactSigmoid(loc, scale, 'cauchy' as NoiseKind)).toThrow(
      `exactSigmoid: noise must be one of`,
    );
    expectValueCheck(
      () =>
        exactSigmoid(
          tf.tensor2d([
            [Number.NaN, 1, 1],
            [1, 1, 1],
          ]),
          scale,
        ),
      'exactSigmoid: loc must be free of NaN',
    );
    expect(() => mcSigmoid(loc, scale, null as unknown as McSigmoidOptions)).toThrow(
      'mcSigmoid: opts must be an options object (or undefined), got null',
    );
    expect(() => mcSigmoid(null as unknown as tf.Tensor, scale)).toThrow(
      'mcSigmoid: loc must be a tf.Tensor, got null',
    );
    expect(() => exactSigmoid(loc, scale, null as unknown as NoiseKind)).toThrow(
      'exactSigmoid: noise must be one of',
    );
  });

  it('without a seed every call draws fresh noise; a given seed reproduces', async () => {
    const loc = tf.tensor2d(LOCS);
    const scale = tf.tensor2d(SCALES);
    const logProbs = (opts: McSigmoidOptions) =>
      read(mcSigmoid(loc, scale, { numSamples: 30, ...opts }).logProbs);
    // 30 continuous draws per entry: two calls on the same noise would agree exactly.
    expect(await logProbs({})).not.toEqual(await logProbs({}));
    expect(await logProbs({ seed: 8 })).toEqual(await logProbs({ seed: 8 }));
  });

  it('leaks no tensors over repeated calls', () => {
    const loc = tf.tensor2d(LOCS);
    const scale = tf.tensor2d(SCALES);
    const run = () => {
      for (const opts of [
        { computeVariance: true, maxSamplesInMemory: 7 },
        { argmax: true },
        { shareSamplesAcrossBatch: true },
      ]) {
        const out = mcSigmoid(loc, scale, { numSamples: 20, ...opts });
        tf.dispose([out.probs, out.logProbs, ...(out.variance ? [out.variance] : [])]);
      }
      const exact = exactSigmoid(loc, scale, 'logistic');
      tf.dispose([exact.probs, exact.logProbs]);
      tf.dispose(
        tf.grads((l: tf.Tensor, s: tf.Tensor) =>
          tf.sum(mcSigmoid(l, s, { numSamples: 20, maxSamplesInMemory: 6 }).logProbs),
        )([loc, scale]),
      );
      tf.dispose(
        tf.grads((l: tf.Tensor, s: tf.Tensor) => tf.sum(exactSigmoid(l, s).logProbs))([loc, scale]),
      );
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
