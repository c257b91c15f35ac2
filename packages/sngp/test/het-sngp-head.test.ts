import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { logProbNll } from '@uqjs/mc-softmax';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  HetSNGPHead,
  type HetSNGPHeadArgs,
  hetSngpPredictive,
  meanFieldLogits,
  resetCovarianceCallback,
  sngpPredictive,
} from '../src/index.js';
import { expectNoLeak, normals, roundTrip } from './helpers.js';

const D = 3;
const B = 6;

/** A head built on `[B, D]` features whose precision holds one training call on `x`. */
function trainedHead(x: tf.Tensor, args: Partial<HetSNGPHeadArgs> = {}): HetSNGPHead {
  const head = new HetSNGPHead({ units: 3, numInducing: 32, seed: 5, ...args });
  tf.dispose(head.apply(x, { training: true }) as tf.Tensor);
  return head;
}

/**
 * Multiplies the GP's output kernel by `factor`: glorot-initialized logits differ by about 0.3
 * between classes, where probabilities near 0.5 hardly depend on the latents' variance.
 */
function amplifyLogits(head: HetSNGPHead, factor: number): void {
  const kernel = head.weights.find((w) => w.originalName.endsWith('gp_kernel'))!;
  tf.tidy(() => {
    kernel.write(tf.mul(kernel.read(), factor));
  });
}

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

/** Standard normal density. */
const phi = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);

/**
 * `E[sigmoid((mean + sd T) / tau)]`, `T ~ N(0, 1)`, by the trapezoid rule on `[-12, 12]` with
 * 24001 nodes: the integrand is smooth with all derivatives bounded, so the error is far below
 * 1e-8, negligible against the Monte Carlo tolerances it is compared with.
 */
function expectedSigmoid(mean: number, sd: number, tau: number): number {
  const n = 24001;
  const h = 24 / (n - 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const t = -12 + i * h;
    const w = i === 0 || i === n - 1 ? 0.5 : 1;
    total += (w * phi(t)) / (1 + Math.exp(-(mean + sd * t) / tau));
  }
  return total * h;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 of erf: absolute error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

describe('HetSNGPHead', () => {
  it('outputs log-probabilities [B, K]; predictive gives probs and variance [B, K]', async () => {
    const x = tf.tensor2d(normals(B * D, 1), [B, D]);
    const head = trainedHead(x);
    const out = head.apply(x) as tf.Tensor;
    expect(out.shape).toEqual([B, 3]);
    const rowSums = await values(tf.tidy(() => tf.sum(tf.exp(out), 1)));
    // exp of a log-mean-exp over samples of log-softmax: rows sum to 1 up to float32 rounding.
    for (const s of rowSums) expect(s).toBeCloseTo(1, 5);
    const predictive = head.predictive(x, { computeVariance: true });
    expect(predictive.probs.shape).toEqual([B, 3]);
    expect(predictive.variance!.shape).toEqual([B, 3]);
    const probs = await predictive.probs.data();
    const variance = await predictive.variance!.data();
    for (let i = 0; i < probs.length; i++) {
      // A probability's variance over samples is at most p (1 - p) (0/1 outcomes reach it).
      expect(variance[i]!).toBeGreaterThanOrEqual(0);
      expect(variance[i]!).toBeLessThanOrEqual(probs[i]! * (1 - probs[i]!) + 1e-6);
    }
    disposePredictive(predictive);
    expect(head.heteroscedasticScale(x).shape).toEqual([B, 3]);
    tf.dispose([x, out, head.heteroscedasticScale(x)]);
    head.dispose();
  });

  it('without heteroscedastic noise is SNGP: softmax of the GP logits, and of the mean-field logits', async () => {
    const x = tf.tensor2d(normals(B * D, 2), [B, D]);
    // Scales softplus(-40) ~ 4e-18 with minScale 0: every sample is the location.
    const head = trainedHead(x, {
      minScale: 0,
      gpCovRidgePenalty: 0.5,
      testSamples: 10,
      temperature: 0.7,
    });
    head.weights.find((w) => w.originalName.endsWith('het_scale_bias'))!.write(tf.fill([3], -40));
    const { logits, variance } = head.predictWithCovariance(x);
    const gpProbs = await values(tf.tidy(() => tf.softmax(tf.div(logits, 0.7))));
    const out = await values(tf.tidy(() => tf.exp(head.apply(x) as tf.Tensor)));
    // float32 log-space arithmetic on values of order 1: agreement to about 1e-6.
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(gpProbs[i]!, 5);

    const mf = await values(
      tf.tidy(() => tf.softmax(tf.div(meanFieldLogits(logits, variance), 0.7))),
    );
    const predictive = head.predictive(x, { gpVariance: 'mean-field' });
    const got = await values(predictive.probs);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(mf[i]!, 5);
    tf.dispose([x, logits, variance]);
    head.dispose();
  });

  it('with hetVarianceWeight 0 under mean-field equals sngpPredictive of the same model', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [2],
          units: 4,
          activation: 'tanh',
          kernelInitializer: initializers.glorotUniform({ seed: 1 }),
        }),
        new HetSNGPHead({ units: 2, numInducing: 16, seed: 2, testSamples: 4 }),
      ],
    });
    const x = tf.tensor2d(normals(20, 3), [10, 2]);
    tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    const sngp = sngpPredictive(model, x);
    const het = hetSngpPredictive(model, x, { gpVariance: 'mean-field', hetVarianceWeight: 0 });
    const a = await sngp.probs.data();
    const b = await het.probs.data();
    // Scale exactly 0: the MC average of identical softmaxes; float32 agreement.
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    disposePredictive(sngp);
    disposePredictive(het);
    x.dispose();
    model.dispose();
  });

  for (const factors of [{}, { numFactors: 1 }, { numFactors: 2, parameterEfficient: true }]) {
    it(`matches a quadrature of the Gaussian latents within the Monte Carlo error (K = 2, ${JSON.stringify(factors)})`, async () => {
      const S = 20000;
      const tau = 0.5;
      const x = tf.tensor2d(normals(B * D, 3), [B, D]);
      // Ridge 0.5 and one training call: GP variances between about 0.1 and 2.
      const head = trainedHead(x, {
        units: 2,
        gpCovRidgePenalty: 0.5,
        temperature: tau,
        testSamples: S,
        maxSamplesInMemory: 5000,
        ...factors,
      });
      amplifyLogits(head, 6); // logit differences between about -3 and 3
      const { logits, variance } = head.predictWithCovariance(x);
      const mu = await values(logits);
      const v = await values(variance);
      const d = await values(head.heteroscedasticScale(x));
      const loadings = head.factorLoadings(x);
      const R = loadings === null ? 0 : loadings.shape[2]!;
      const V = loadings === null ? [] : await values(loadings);
      /** Variance of z1 - z0 from the heteroscedastic part: d0^2 + d1^2 + ||V[b, 1] - V[b, 0]||^2. */
      const hetVariance = (b: number) => {
        let total = d[2 * b]! ** 2 + d[2 * b + 1]! ** 2;
        for (let r = 0; r < R; r++) total += (V[(2 * b + 1) * R + r]! - V[2 * b * R + r]!) ** 2;
        return total;
      };
      const cases = [
        { gpVariance: 'sample', gpVarianceWeight: 1, hetVarianceWeight: 1 },
        { gpVariance: 'mean-field', gpVarianceWeight: 1, hetVarianceWeight: 1 },
        { gpVariance: 'sample', gpVarianceWeight: 2, hetVarianceWeight: 0.5 },
      ] as const;
      for (const weights of cases) {
        const mode = weights.gpVariance;
        const predictive = head.predictive(x, { ...weights, computeVariance: true });
        const p = await predictive.probs.data();
        const perSample = await predictive.variance!.data();
        disposePredictive(predictive);
        for (let b = 0; b < B; b++) {
          // z1 - z0 is normal: mean mu1 - mu0, variance w_gp 2 v + w_het (the heteroscedastic
          // part) ('sample': both logits carry the GP variance), or w_het (...) around the
          // mean-field logits.
          const shrink = mode === 'sample' ? 1 : 1 / Math.sqrt(1 + (Math.PI / 8) * v[b]!);
          const mean = (mu[2 * b + 1]! - mu[2 * b]!) * shrink;
          const gp = mode === 'sample' ? 2 * v[b]! * weights.gpVarianceWeight : 0;
          const het = weights.hetVarianceWeight * hetVariance(b);
          const expected = expectedSigmoid(mean, Math.sqrt(gp + het), tau);
          // 4 standard errors of an S-sample mean (its per-sample variance as estimated), plus
          // float32 rounding of the sum: fails by chance with probability about 6e-5 per value.
          const tolerance = 4 * Math.sqrt(perSample[2 * b + 1]! / S) + 1e-5;
          expect(Math.abs(p[2 * b + 1]! - expected)).toBeLessThan(tolerance);
        }
      }
      // The exact model: P(z1 > z0) = Phi(mean / sd), a closed form; binomial standard error.
      const exact = head.predictive(x, { argmax: true });
      const p = await values(exact.probs);
      for (let b = 0; b < B; b++) {
        const sd = Math.sqrt(2 * v[b]! + hetVariance(b));
        const expected = normalCdf((mu[2 * b + 1]! - mu[2 * b]!) / sd);
        const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / S) + 1e-5;
        expect(Math.abs(p[2 * b + 1]! - expected)).toBeLessThan(tolerance);
      }
      x.dispose();
      head.dispose();
    });
  }

  it('under sample with logistic noise puts the GP variance in the noise units', async () => {
    // K = 2, hetVarianceWeight 0: the latents are mu_k + c u_k with c = sqrt(v / s2), u_k
    // standard logistic of variance s2 = pi^2 / 3, so z1 - z0 has variance 2 v as with normal
    // noise. The exact model's P(z1 > z0) = P(u0 - u1 < m / c), m = mu1 - mu0, is computed
    // independently by quadrature: the integral of f(u) F(u + m / c) du, f and F the logistic
    // density and CDF, trapezoid rule on [-40, 40] (tails beyond below 1e-17) with step 1e-3.
    const S = 20000;
    const x = tf.tensor2d(normals(B * D, 4), [B, D]);
    const head = trainedHead(x, {
      units: 2,
      noise: 'logistic',
      gpCovRidgePenalty: 0.5,
      testSamples: S,
    });
    amplifyLogits(head, 6);
    const { logits, variance } = head.predictWithCovariance(x);
    const mu = await values(logits);
    const v = await values(variance);
    const exact = head.predictive(x, { argmax: true, hetVarianceWeight: 0 });
    const p = await values(exact.probs);
    const cdf = (t: number) => 1 / (1 + Math.exp(-t));
    const probAbove = (shift: number) => {
      let total = 0;
      for (let u = -40; u <= 40; u += 1e-3) total += cdf(u) * (1 - cdf(u)) * cdf(u + shift);
      return total * 1e-3;
    };
    for (let b = 0; b < B; b++) {
      const c = Math.sqrt((v[b]! * 3) / Math.PI ** 2);
      const expected = probAbove((mu[2 * b + 1]! - mu[2 * b]!) / c);
      const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / S) + 1e-5;
      expect(Math.abs(p[2 * b + 1]! - expected)).toBeLessThan(tolerance);
    }
    x.dispose();
    head.dispose();
  });

  it('is deterministic by seed', async () => {
    const x = tf.tensor2d(normals(B * D, 5), [B, D]);
    const run = async (seed: number, noiseSeed?: number) => {
      const head = trainedHead(x, { seed, testSamples: 200 });
      const predictive = head.predictive(x, noiseSeed === undefined ? {} : { seed: noiseSeed });
      const out = [await values(predictive.probs), await values(head.apply(x) as tf.Tensor)];
      head.dispose();
      return out;
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    const otherNoise = await run(7, 123);
    const otherLayer = await run(8);
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    // Another noise seed moves 200-sample estimates by MC error (order 1e-2), far above 1e-4.
    expect(maxDiff(otherNoise[0]!, first[0]!)).toBeGreaterThan(1e-4);
    expect(maxDiff(otherLayer[0]!, first[0]!)).toBeGreaterThan(1e-4);
    x.dispose();
  });

  it('leaks no tensors over repeated calls, predictions and training steps', () => {
    const x = tf.tensor2d(normals(B * D, 6), [B, D]);
    const head = trainedHead(x, { testSamples: 50, trainSamples: 20, maxSamplesInMemory: 20 });
    expectNoLeak(() => head.apply(x) as tf.Tensor);
    expectNoLeak(() => head.apply(x, { training: true }) as tf.Tensor);
    for (const gpVariance of ['sample', 'mean-field'] as const) {
      expectNoLeak(() => {
        const { probs, variance } = head.predictive(x, { gpVariance, computeVariance: true });
        return [probs, variance!];
      });
    }
    expectNoLeak(() => hetSngpPredictive(head, x, { batchSize: 4 }).probs);
    const factorHead = trainedHead(x, { testSamples: 50, trainSamples: 20, numFactors: 2 });
    expectNoLeak(() => factorHead.apply(x, { training: true }) as tf.Tensor);
    expectNoLeak(() => factorHead.predictive(x).probs);
    x.dispose();
    head.dispose();
    factorHead.dispose();
  });

  const variants: Partial<HetSNGPHeadArgs>[] = [
    { noise: 'gumbel', temperature: 0.8 },
    { numFactors: 2, parameterEfficient: true },
  ];
  for (const variant of variants) {
    it(`survives model.save / loadLayersModel with identical predictions (${JSON.stringify(variant)})`, async () => {
      const model = sequential({
        layers: [
          layers.dense({
            inputShape: [2],
            units: 8,
            activation: 'relu',
            kernelInitializer: initializers.glorotUniform({ seed: 3 }),
          }),
          new HetSNGPHead({
            units: 3,
            numInducing: 32,
            seed: 4,
            testSamples: 100,
            minScale: 0.01,
            ...variant,
          }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: logProbNll });
      const x = tf.tensor2d(normals(48, 7), [24, 2]);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: 24 }, (_, i) => i % 3),
          'int32',
        ),
        3,
      );
      await model.fit(x, y, {
        epochs: 2,
        batchSize: 8,
        verbose: 0,
        callbacks: [resetCovarianceCallback()],
      });
      const loaded = await roundTrip(model);
      const head = loaded.layers[1] as HetSNGPHead;
      expect(head).toBeInstanceOf(HetSNGPHead);
      expect(head.getConfig()).toEqual(model.layers[1]!.getConfig());
      expect(await values(loaded.predict(x) as tf.Tensor)).toEqual(
        await values(model.predict(x) as tf.Tensor),
      );
      const before = hetSngpPredictive(model, x, { computeVariance: true });
      const after = hetSngpPredictive(loaded, x, { computeVariance: true });
      expect(await values(after.probs)).toEqual(await values(before.probs));
      expect(await values(after.variance!)).toEqual(await values(before.variance!));
      tf.dispose([x, y]);
      model.dispose();
      loaded.dispose();
    });
  }

  it('has its precision reset every epoch by resetCovarianceCallback', async () => {
    const n = 24;
    const L = 10;
    const xs = normals(2 * n, 8);
    const run = async (reset: boolean) => {
      const head = new HetSNGPHead({
        units: 2,
        numInducing: L,
        gpCovRidgePenalty: 0.5,
        trainSamples: 5,
        seed: 1,
        inputShape: [2],
      });
      const model = sequential({ layers: [head] });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: logProbNll });
      const x = tf.tensor2d(xs, [n, 2]);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => i % 2),
          'int32',
        ),
        2,
      );
      await model.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        verbose: 0,
        callbacks: reset ? [resetCovarianceCallback()] : [],
      });
      const precision = Matrix.from1DArray(
        L,
        L,
        await values(
          head.weights
            .find((w) => w.originalName.endsWith('gp_precision'))!
            .read()
            .clone(),
        ),
      );
      const features = Matrix.from1DArray(n, L, await values(head.randomFeatures(x)));
      tf.dispose([x, y]);
      model.dispose();
      return { precision, gram: features.transpose().mmul(features) };
    };
    for (const [reset, epochs] of [
      [true, 1],
      [false, 3],
    ] as const) {
      const { precision, gram } = await run(reset);
      // The GP reads the input, so its features are fixed: P = 0.5 I + epochs Phi^T Phi. Float32
      // sums of at most 72 products of features below 0.45: errors below 1e-5.
      const expected = Matrix.eye(L, L).mul(0.5).add(gram.mul(epochs));
      const diff = Math.max(...precision.clone().sub(expected).abs().to1DArray());
      expect(diff).toBeLessThan(1e-4);
    }
  });

  it('rejects bad arguments and options, naming them', () => {
    const bad = (args: Partial<HetSNGPHeadArgs>, argument: string) =>
      expect(() => new HetSNGPHead({ units: 3, ...args })).toThrow(new RegExp(argument));
    bad({ units: 1 }, 'units');
    bad({ units: 1, likelihood: 'binary_logistic' }, 'units');
    bad({ noise: 'cauchy' as never }, 'noise');
    bad({ temperature: 0 }, 'temperature');
    bad({ trainSamples: 0 }, 'trainSamples');
    bad({ testSamples: 1.5 }, 'testSamples');
    bad({ maxSamplesInMemory: -1 }, 'maxSamplesInMemory');
    bad({ minScale: -0.1 }, 'minScale');
    bad({ numFactors: 4 }, 'numFactors');
    bad({ numFactors: 1.5 }, 'numFactors');
    bad({ parameterEfficient: true }, 'numFactors');
    bad({ numFactors: 1, noise: 'logistic' }, 'noise');
    expect(() => new HetSNGPHead({ units: 3, temperature: -1 })).toThrow(InvalidArgumentError);

    const unbuilt = new HetSNGPHead({ units: 3 });
    const x = tf.tensor2d(normals(B * D, 9), [B, D]);
    expect(() => unbuilt.heteroscedasticScale(x)).toThrow(/built/);
    const head = trainedHead(x);
    const badOption = (opts: object, argument: string) =>
      expect(() => head.predictive(x, opts)).toThrow(new RegExp(argument));
    badOption({ gpVariance: 'exact' }, 'opts.gpVariance');
    badOption({ gpVarianceWeight: -1 }, 'opts.gpVarianceWeight');
    badOption({ hetVarianceWeight: Number.NaN }, 'opts.hetVarianceWeight');
    badOption({ lambda: -1 }, 'opts.lambda');
    badOption({ computeVariance: 'yes' }, 'opts.computeVariance');
    badOption({ argmax: 1 }, 'opts.argmax');
    badOption({ seed: 'a' }, 'opts.seed');
    expect(() => head.predictive(x, null as never)).toThrow(/opts/);
    const wide = tf.zeros([B, D + 1]);
    expect(() => head.predictive(wide)).toThrow(ShapeError);
    expect(() => hetSngpPredictive(head, x, { batchSize: 0 })).toThrow(/opts.batchSize/);
    const plain = sequential({ layers: [layers.dense({ inputShape: [D], units: 3 })] });
    expect(() => hetSngpPredictive(plain, x)).toThrow(/modelOrHead/);
    expect(() => hetSngpPredictive({} as never, x)).toThrow(/modelOrHead/);
    tf.dispose([x, wide]);
    head.dispose();
    plain.dispose();
  });
});
