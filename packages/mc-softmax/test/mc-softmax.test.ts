import '@tensorflow/tfjs-layers'; // registers the gradients of tfjs-core ops
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { NOISE_KINDS, type NoiseKind } from '@uqjs/noise';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  diagonalLatents,
  type McEngineOptions,
  type McOptions,
  type McSoftmaxOptions,
  mcEngine,
  mcSoftmax,
  mcSoftmaxFactor,
  softmaxLink,
} from '../src/index.js';
import {
  argmaxFrequencies,
  expectValueCheck,
  maxAbs,
  maxAbsDiff,
  naiveLogProbs,
  normalCdf,
  read,
  sameNoise,
} from './helpers.js';

// Each test's own tensors are freed with its scope; leaks of the package are checked
// explicitly ('leaks no tensors over repeated calls').
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

const LOC = [
  [2, 0, -1],
  [0.5, 0.4, -3],
];
const SCALE = [
  [1, 3, 0.5],
  [0.2, 0.1, 2],
];

describe('mcSoftmax: closed forms', () => {
  it.each([0.01, 0.5, 1, 3])('scale = 0 gives softmax(loc / tau), tau = %f', async (tau) => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.zeros([2, 3]);
    const { probs, logProbs } = mcSoftmax(loc, scale, { temperature: tau, numSamples: 5 });
    const expected = tf.logSoftmax(tf.div(loc, tau));
    // Every sample equals log softmax(loc / tau); the log-mean-exp of equal terms is that term.
    expect(await maxAbsDiff(logProbs, expected)).toBeLessThan(1e-4 * Math.max(1, 1 / tau));
    expect(await maxAbsDiff(probs, tf.exp(expected))).toBeLessThan(1e-6);
    tf.dispose([loc, scale, probs, logProbs, expected]);
  });

  it('Gumbel noise of scale 1 with argmax is the multinomial logit softmax(loc)', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.ones([2, 3]);
    const S = 20_000;
    const { probs, logProbs } = mcSoftmax(loc, scale, {
      noise: 'gumbel',
      argmax: true,
      numSamples: S,
      seed: 4,
    });
    logProbs.dispose();
    const expected = await read(tf.softmax(loc));
    const got = await read(probs);
    got.forEach((p, i) => {
      // An average of S indicators: SE = sqrt(p (1 - p) / S) <= 0.0036; 5 SE.
      const q = expected[i]!;
      expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 1e-9);
    });
    tf.dispose([loc, scale]);
  });

  it('Gumbel noise with a small temperature approaches softmax(loc) too', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.ones([2, 3]);
    const S = 20_000;
    const { probs, logProbs } = mcSoftmax(loc, scale, {
      noise: 'gumbel',
      temperature: 0.02,
      numSamples: S,
      seed: 5,
    });
    logProbs.dispose();
    const expected = await read(tf.softmax(loc));
    (await read(probs)).forEach((p, i) => {
      // Smoothed indicators have variance <= p (1 - p): the same 5 SE, plus 0.005 for the
      // smoothing bias, which is O(tau) times the density of latent gaps near 0.
      const q = expected[i]!;
      expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 0.005);
    });
    tf.dispose([loc, scale]);
  });

  it('Normal noise with two classes is the probit Phi((loc1 - loc0) / sqrt(s0^2 + s1^2))', async () => {
    const locs = [
      [0.3, -0.2],
      [-1, 1.5],
      [2, 2],
    ];
    const scales = [
      [1, 0.5],
      [2, 1],
      [0.3, 0.4],
    ];
    const loc = tf.tensor2d(locs);
    const scale = tf.tensor2d(scales);
    const S = 20_000;
    const exact = locs.map(([l0, l1], b) => {
      const [s0, s1] = scales[b]!;
      return normalCdf((l1! - l0!) / Math.hypot(s0!, s1!));
    });
    for (const opts of [{ argmax: true }, { temperature: 0.02 }]) {
      const { probs, logProbs } = mcSoftmax(loc, scale, { ...opts, numSamples: S, seed: 6 });
      logProbs.dispose();
      const p1 = (await read(probs)).filter((_, i) => i % 2 === 1);
      p1.forEach((p, b) => {
        // SE = sqrt(p (1 - p) / S) <= 0.0036; 5 SE, plus 0.005 smoothing bias at tau = 0.02.
        const q = exact[b]!;
        expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 0.005);
      });
    }
    tf.dispose([loc, scale]);
  });

  it('probabilities sum to 1 for any loc, scale, temperature and noise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.float({ min: 0, max: 10, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.constantFrom(0.01, 0.3, 1, 5),
        fc.constantFrom(...NOISE_KINDS),
        fc.boolean(),
        async (locs, scales, temperature, noise, argmax) => {
          const loc = tf.tensor2d(locs, [2, 4]);
          const scale = tf.tensor2d(scales, [2, 4]);
          const out = mcSoftmax(loc, scale, {
            temperature,
            noise,
            argmax,
            numSamples: 50,
            seed: 1,
          });
          const sums = await read(tf.sum(out.probs, -1));
          tf.dispose([loc, scale, out.probs, out.logProbs]);
          return sums.every((s) => Math.abs(s - 1) < 1e-5);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('mcSoftmax: log space, gradients and chunking', () => {
  it('logProbs stay finite, exact and differentiable at tau = 0.01 where log(clip(p)) is stuck', async () => {
    // Class 2 trails by 4 / 0.01 = 400 nats: its per-sample softmax underflows float32 in
    // every sample, so probs is 0 and log(clip(probs, 1e-7)) is the constant log(1e-7).
    const loc = tf.tensor2d([[0, -1, -4]]);
    const scale = tf.tensor2d([[0.1, 0.1, 0.1]]);
    const tau = 0.01;
    const S = 200;
    const grad = tf.grad((l: tf.Tensor) => {
      const { logProbs } = mcSoftmax(l, scale, { temperature: tau, numSamples: S, seed: 8 });
      return tf.sum(tf.slice(logProbs, [0, 2], [1, 1]));
    });
    const { probs, logProbs } = mcSoftmax(loc, scale, { temperature: tau, numSamples: S, seed: 8 });
    const u = sameNoise('normal', S, [1, 3], 8);
    const reference = naiveLogProbs(loc, scale, u, tau);
    const [p2] = await read(tf.slice(probs, [0, 2], [1, 1]));
    const [l2] = await read(tf.slice(logProbs, [0, 2], [1, 1]));
    const [r2] = await read(tf.slice(reference, [0, 2], [1, 1]));
    expect(p2).toBe(0);
    expect(Number.isFinite(l2)).toBe(true);
    expect(l2).toBeLessThan(-300);
    // float32 holds ~7 digits of a value near -400.
    expect(Math.abs(l2! - r2!)).toBeLessThan(1e-3);
    const dLoc = await read(grad(loc));
    expect(dLoc.every(Number.isFinite)).toBe(true);
    // d log p_2 / d loc_2 is about 1 / tau = 100 (the class's own logit), not 0.
    expect(dLoc[2]!).toBeGreaterThan(50);
    const clipped = tf.grad((l: tf.Tensor) => {
      const out = mcSoftmax(l, scale, { temperature: tau, numSamples: S, seed: 8 });
      return tf.sum(tf.slice(tf.log(tf.clipByValue(out.probs, 1e-7, 1)), [0, 2], [1, 1]));
    });
    expect(await read(clipped(loc))).toEqual([0, 0, 0]);
    tf.dispose([loc, scale, probs, logProbs, u, reference]);
  });

  it.each(
    NOISE_KINDS,
  )('%s: gradients equal tfjs autodiff of the naive computation on the same samples', async (noise: NoiseKind) => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const tau = tf.scalar(0.7);
    const weights = tf.tensor2d([
      [0.3, -1, 2],
      [1, 0.5, -0.2],
    ]);
    const S = 300;
    const u = sameNoise(noise, S, [2, 3], 9);
    const objective = (logProbs: tf.Tensor) => tf.sum(tf.mul(logProbs, weights));
    const engine = tf.grads((l: tf.Tensor, s: tf.Tensor, t: tf.Tensor) =>
      objective(mcSoftmax(l, s, { noise, temperature: t, numSamples: S, seed: 9 }).logProbs),
    )([loc, scale, tau]);
    const naive = tf.grads((l: tf.Tensor, s: tf.Tensor, t: tf.Tensor) =>
      objective(naiveLogProbs(l, s, u, t)),
    )([loc, scale, tau]);
    for (const [i, g] of engine.entries()) {
      const scaleOfValues = await maxAbs(naive[i]!);
      expect(await maxAbsDiff(g, naive[i]!)).toBeLessThan(1e-4 * Math.max(1, scaleOfValues));
    }
    tf.dispose([loc, scale, tau, weights, u, ...engine, ...naive]);
  });

  it('gradients match central finite differences under common random numbers', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const direction = [
      tf.tensor2d([
        [0.3, -0.5, 0.2],
        [0.1, 0.9, -0.4],
      ]),
      tf.tensor2d([
        [-0.2, 0.4, 0.6],
        [0.5, -0.3, 0.1],
      ]),
    ];
    const f = (l: tf.Tensor, s: tf.Tensor) =>
      tf.tidy(() => {
        const { logProbs } = mcSoftmax(l, s, {
          temperature: 0.5,
          numSamples: 400,
          seed: 10,
          maxSamplesInMemory: 150,
        });
        return tf.sum(
          tf.mul(
            logProbs,
            tf.tensor2d([
              [1, -2, 0.5],
              [0.3, 1, -1],
            ]),
          ),
        );
      });
    const [dLoc, dScale] = tf.grads(f)([loc, scale]);
    const [analytic] = await read(
      tf.tidy(() =>
        tf.add(tf.sum(tf.mul(dLoc!, direction[0]!)), tf.sum(tf.mul(dScale!, direction[1]!))),
      ),
    );
    // The same seed on both sides: f is then a smooth function of (loc, scale).
    const h = 1e-2;
    const at = async (sign: number) => {
      const shifted = [
        tf.add(loc, tf.mul(sign * h, direction[0]!)),
        tf.add(scale, tf.mul(sign * h, direction[1]!)),
      ];
      const [value] = await read(f(shifted[0]!, shifted[1]!));
      tf.dispose(shifted);
      return value!;
    };
    const numeric = ((await at(1)) - (await at(-1))) / (2 * h);
    // Central differences: O(h^2) truncation, ~1e-6 |f| / h float32 rounding; 1e-3 relative.
    expect(Math.abs(numeric - analytic!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(analytic!)));
    tf.dispose([loc, scale, ...direction, dLoc!, dScale!]);
  });

  it('chunked == unchunked: the same values, variances and gradients for any chunk size', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const run = (maxSamplesInMemory: number) => {
      const out = mcSoftmax(loc, scale, {
        numSamples: 1000,
        maxSamplesInMemory,
        computeVariance: true,
        seed: 11,
      });
      const grads = tf.grads((l: tf.Tensor, s: tf.Tensor) =>
        tf.sum(
          tf.mul(mcSoftmax(l, s, { numSamples: 1000, maxSamplesInMemory, seed: 11 }).logProbs, l),
        ),
      )([loc, scale]);
      return [out.logProbs, out.variance!, ...grads];
    };
    const whole = run(1000);
    for (const chunk of [300, 7]) {
      const chunked = run(chunk);
      for (const [i, t] of chunked.entries()) {
        expect(await maxAbsDiff(t, whole[i]!)).toBeLessThan(2e-5);
      }
      tf.dispose(chunked);
    }
    tf.dispose([loc, scale, ...whole]);
  });

  it('peak memory follows the chunk size, not the number of samples (forward + backward)', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const peak = async (numSamples: number) => {
      const start = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const grads = tf.grads((l: tf.Tensor, s: tf.Tensor) =>
          tf.sum(mcSoftmax(l, s, { numSamples, maxSamplesInMemory: 500, seed: 18 }).logProbs),
        )([loc, scale]);
        tf.dispose(grads);
      });
      return info.peakBytes - start;
    };
    // One chunk of 500 samples against 20 chunks of 500 (a chunk tensor is 500 * 2 * 3 floats).
    const one = await peak(500);
    const twenty = await peak(10_000);
    expect(twenty).toBeLessThanOrEqual(1.5 * one);
    expect(one).toBeGreaterThan(4 * 500 * 2 * 3); // it does hold chunk-sized tensors
  });

  it('computeVariance is the population variance of the per-sample softmax', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const S = 500;
    for (const maxSamplesInMemory of [500, 120]) {
      const { variance } = mcSoftmax(loc, scale, {
        numSamples: S,
        maxSamplesInMemory,
        computeVariance: true,
        seed: 12,
      });
      const u = sameNoise('normal', S, [2, 3], 12);
      const perSample = tf.softmax(tf.add(loc, tf.mul(scale, u))); // [S, 2, 3]
      const { variance: expected } = tf.moments(perSample, 0);
      expect(await maxAbsDiff(variance!, expected)).toBeLessThan(1e-6);
      tf.dispose([variance!, u, perSample, expected]);
    }
    const hard = mcSoftmax(loc, scale, {
      numSamples: S,
      argmax: true,
      computeVariance: true,
      seed: 12,
    });
    const pq = tf.mul(hard.probs, tf.sub(1, hard.probs));
    expect(await maxAbsDiff(hard.variance!, pq)).toBe(0);
    tf.dispose([loc, scale, hard.probs, hard.logProbs, hard.variance!, pq]);
  });

  it('argmax mode averages the one-hot of the latent argmax', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const S = 64;
    const { probs, logProbs } = mcSoftmax(loc, scale, {
      argmax: true,
      numSamples: S,
      maxSamplesInMemory: 20,
      seed: 13,
    });
    const u = sameNoise('normal', S, [2, 3], 13);
    const expected = await argmaxFrequencies(tf.add(loc, tf.mul(scale, u))); // [S, 2, 3] -> [2, 3]
    expect(await maxAbsDiff(probs, expected)).toBe(0);
    expect(await maxAbsDiff(logProbs, tf.log(expected))).toBe(0);
    tf.dispose([loc, scale, probs, logProbs, u, expected]);
  });
});

describe('mcSoftmax: shapes, seeds and hygiene', () => {
  it('works with extra middle axes ([B, H, W, K]), sample for sample like the flattened batch', async () => {
    const loc = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const scale = tf.randomUniform([2, 3, 4, 5], 0, 2, 'float32', 2);
    const out = mcSoftmax(loc, scale, { numSamples: 50, seed: 14, computeVariance: true });
    expect(out.probs.shape).toEqual([2, 3, 4, 5]);
    expect(out.variance!.shape).toEqual([2, 3, 4, 5]);
    // Sample s of [B, H, W, K] is one row of B*H*W*K values, as for [B*H*W, K].
    const flat = mcSoftmax(tf.reshape(loc, [24, 5]), tf.reshape(scale, [24, 5]), {
      numSamples: 50,
      seed: 14,
    });
    expect(await maxAbsDiff(tf.reshape(out.logProbs, [24, 5]), flat.logProbs)).toBeLessThan(1e-6);
    const sums = await read(tf.sum(out.probs, -1));
    expect(sums.every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    tf.dispose([loc, scale, out.probs, out.logProbs, out.variance!, flat.probs, flat.logProbs]);
  });

  it('shareSamplesAcrossBatch gives every row the noise of a batch of one', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const shared = mcSoftmax(loc, scale, {
      numSamples: 40,
      seed: 15,
      shareSamplesAcrossBatch: true,
    });
    for (const b of [0, 1]) {
      const alone = mcSoftmax(tf.slice(loc, [b, 0], [1, 3]), tf.slice(scale, [b, 0], [1, 3]), {
        numSamples: 40,
        seed: 15,
      });
      expect(
        await maxAbsDiff(tf.slice(shared.logProbs, [b, 0], [1, 3]), alone.logProbs),
      ).toBeLessThan(1e-6);
      tf.dispose([alone.probs, alone.logProbs]);
    }
    tf.dispose([loc, scale, shared.probs, shared.logProbs]);
  });

  it('the same seed gives the same numbers; another seed other numbers', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const logProbs = (seed: number) => {
      const out = mcSoftmax(loc, scale, { numSamples: 30, seed });
      out.probs.dispose();
      return read(out.logProbs);
    };
    expect(await logProbs(16)).toEqual(await logProbs(16));
    expect(await logProbs(17)).not.toEqual(await logProbs(16));
    tf.dispose([loc, scale]);
  });

  it('without a seed every call draws fresh noise (mcSoftmax and mcSoftmaxFactor)', async () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const loadings = tf.ones([...loc.shape, 1]);
    const unseeded = () => {
      const out = mcSoftmax(loc, scale, { numSamples: 30 });
      out.probs.dispose();
      return read(out.logProbs);
    };
    const unseededFactor = () => {
      const out = mcSoftmaxFactor(loc, loadings, scale, { numSamples: 30 });
      out.probs.dispose();
      return read(out.logProbs);
    };
    // With 30 continuous draws per entry two calls on the same noise would agree exactly.
    const first = await unseeded();
    const second = await unseeded();
    expect(first).not.toEqual(second);
    expect(await unseededFactor()).not.toEqual(await unseededFactor());
    // A given seed still reproduces, unseeded calls in between or not.
    const seeded = () => {
      const out = mcSoftmax(loc, scale, { numSamples: 30, seed: 5 });
      out.probs.dispose();
      return read(out.logProbs);
    };
    const before = await seeded();
    await unseeded();
    expect(await seeded()).toEqual(before);
    tf.dispose([loc, scale, loadings]);
  });

  it('leaks no tensors over repeated calls of every mode', () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    const tau = tf.scalar(0.5);
    const run = () => {
      for (const opts of [
        {},
        { computeVariance: true, maxSamplesInMemory: 7 },
        { argmax: true, computeVariance: true },
        { temperature: tau, shareSamplesAcrossBatch: true },
      ]) {
        tf.dispose(mcSoftmax(loc, scale, { numSamples: 20, ...opts }) as unknown as tf.Tensor[]);
      }
      const grads = tf.grads((l: tf.Tensor, s: tf.Tensor, t: tf.Tensor) =>
        tf.sum(mcSoftmax(l, s, { numSamples: 20, maxSamplesInMemory: 6, temperature: t }).logProbs),
      )([loc, scale, tau]);
      tf.dispose(grads);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([loc, scale, tau]);
  });
});

describe('mcSoftmax: bad input', () => {
  it('throws UqjsErrors that name the argument', () => {
    const loc = tf.tensor2d(LOC);
    const scale = tf.tensor2d(SCALE);
    // A third entry `true` marks a check of tensor values (a read-back, skipped on webgpu).
    const cases: [call: () => unknown, message: string, readsValues?: true][] = [
      [
        () => mcSoftmax(loc, scale, { temperature: 0 }),
        'mcSoftmax: opts.temperature must be a finite number > 0, got 0',
      ],
      [
        () => mcSoftmax(loc, scale, { temperature: -1 }),
        'mcSoftmax: opts.temperature must be a finite number > 0, got -1',
      ],
      [
        () => mcSoftmax(loc, scale, { numSamples: 0 }),
        'mcSoftmax: opts.numSamples must be an integer >= 1, got 0',
      ],
      [
        () => mcSoftmax(loc, scale, { maxSamplesInMemory: 2.5 }),
        'mcSoftmax: opts.maxSamplesInMemory must be an integer >= 1, got 2.5',
      ],
      [
        () => mcSoftmax(loc, tf.ones([3, 2]), {}),
        'mcSoftmax: scale must be of the same shape as loc ([2, 3]), got [3, 2]',
      ],
      [
        () => mcSoftmax(tf.ones([3]), tf.ones([3]), {}),
        'mcSoftmax: loc must be of rank >= 2 ([B, ..., K]), got [3]',
      ],
      [
        () =>
          mcSoftmax(
            loc,
            tf.tensor2d([
              [1, -0.5, 1],
              [1, 1, 1],
            ]),
            {},
          ),
        'mcSoftmax: scale must be >= 0 everywhere, got -0.5',
        true,
      ],
      [
        () =>
          mcSoftmax(
            tf.tensor2d([
              [1, Number.NaN, 1],
              [1, 1, 1],
            ]),
            scale,
            {},
          ),
        'mcSoftmax: loc must be free of NaN, got NaN',
        true,
      ],
      [
        () => mcSoftmax(loc, scale, { noise: 'cauchy' as NoiseKind }),
        `mcSoftmax: opts.noise must be one of 'normal', 'logistic', 'gumbel', got "cauchy"`,
      ],
      [
        () => mcSoftmax(loc, scale, { seed: -2 }),
        'mcSoftmax: opts.seed must be an integer seed in [0, 2^32), got -2',
      ],
      [
        () => mcSoftmax(loc, scale, { argmax: 1 as unknown as boolean }),
        'mcSoftmax: opts.argmax must be a boolean, got 1',
      ],
      [
        () => mcSoftmax(loc, scale, { temperature: tf.tensor1d([1, 2]) }),
        'mcSoftmax: opts.temperature must be a scalar tensor, got [2]',
      ],
      [
        () => mcSoftmax(loc, scale, { temperature: tf.scalar(-0.1) }),
        'mcSoftmax: opts.temperature must be >= 0 everywhere, got -0.10000000149011612',
        true,
      ],
      [
        () => mcSoftmax(loc, scale, { temperature: tf.scalar(0) }),
        'mcSoftmax: opts.temperature must be a finite number > 0, got 0',
        true,
      ],
      [
        () => mcSoftmax([[1]] as unknown as tf.Tensor, scale),
        'mcSoftmax: loc must be a tf.Tensor, got [[1]]',
      ],
      [
        () => mcSoftmax(loc, scale, null as unknown as McSoftmaxOptions),
        'mcSoftmax: opts must be an options object (or undefined), got null',
      ],
      [
        () => mcSoftmax(null as unknown as tf.Tensor, scale),
        'mcSoftmax: loc must be a tf.Tensor, got null',
      ],
      [
        () => mcSoftmax(loc, scale, 3 as unknown as McSoftmaxOptions),
        'mcSoftmax: opts must be an options object (or undefined), got 3',
      ],
      [
        () => mcSoftmaxFactor(loc, tf.ones([2, 3, 1]), scale, null as unknown as McOptions),
        'mcSoftmaxFactor: opts must be an options object (or undefined), got null',
      ],
    ];
    tf.tidy(() => {
      for (const [call, message, readsValues] of cases) {
        if (readsValues) expectValueCheck(call, message);
        else expect(call).toThrow(message);
      }
    });
    // The engine itself checks its options object too.
    const model = diagonalLatents(loc, scale, {
      noise: 'normal',
      seed: 1,
      shareSamplesAcrossBatch: false,
    });
    const engineOptions = {
      numSamples: 4,
      maxSamplesInMemory: 4,
      temperature: 1,
      argmax: false,
      computeVariance: false,
    };
    expect(() => mcEngine(model, softmaxLink, null as unknown as McEngineOptions)).toThrow(
      'mcEngine: opts must be an options object (or undefined), got null',
    );
    expect(() =>
      mcEngine(model, softmaxLink, { ...engineOptions, argmax: 'no' as unknown as boolean }),
    ).toThrow('mcEngine: opts.argmax must be a boolean, got "no"');
    expect(() => mcSoftmax(loc, scale, { temperature: 0 })).toThrow(InvalidArgumentError);
    expect(() => mcSoftmax(loc, tf.ones([3, 2]))).toThrow(ShapeError);
    tf.dispose([loc, scale]);
  });
});
