import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { deriveSeed, ShapeError } from '@uqjs/core';
import { noiseFamily } from '@uqjs/noise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  diagonalLatents,
  factorLatents,
  logProbNll,
  MCSoftmaxDenseFA,
  mcSoftmax,
  mcSoftmaxFactor,
} from '../src/index.js';
import { expectValueCheck, maxAbs, maxAbsDiff, read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

const LOC = [
  [2, 0, -1, 0.5],
  [0.5, 0.4, -3, 1],
];
const DIAG = [
  [0.5, 1, 0.2, 0.3],
  [0.1, 0.4, 1, 0.6],
];

function loadings(rows: number, k: number, r: number, seed: number): tf.Tensor {
  return tf.randomNormal([rows, k, r], 0, 1, 'float32', seed);
}

/** Sample covariance `[K, K]` of latents `[S, K]` (float64, in JavaScript). */
function sampleCovariance(latents: number[], numClasses: number): number[][] {
  const n = latents.length / numClasses;
  const mean = Array.from({ length: numClasses }, (_, k) => {
    let sum = 0;
    for (let s = 0; s < n; s++) sum += latents[s * numClasses + k]!;
    return sum / n;
  });
  return mean.map((mi, i) =>
    mean.map((mj, j) => {
      let sum = 0;
      for (let s = 0; s < n; s++) {
        sum += (latents[s * numClasses + i]! - mi) * (latents[s * numClasses + j]! - mj);
      }
      return sum / (n - 1);
    }),
  );
}

describe('mcSoftmaxFactor', () => {
  it('with V = 0 equals the diagonal head on the same samples, values and gradients', async () => {
    const loc = tf.tensor2d(LOC);
    const diag = tf.tensor2d(DIAG);
    const zeros = tf.zeros([2, 4, 3]);
    for (const shareSamplesAcrossBatch of [false, true]) {
      const opts = {
        numSamples: 200,
        maxSamplesInMemory: 70,
        seed: 3,
        temperature: 0.6,
        shareSamplesAcrossBatch,
      };
      const factor = mcSoftmaxFactor(loc, zeros, diag, opts);
      const diagonal = mcSoftmax(loc, diag, opts);
      expect(await maxAbsDiff(factor.logProbs, diagonal.logProbs)).toBeLessThan(1e-6);
      const [gLoc, , gDiag] = tf.grads((l: tf.Tensor, v: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(mcSoftmaxFactor(l, v, d, opts).logProbs, l)),
      )([loc, zeros, diag]);
      const [hLoc, hDiag] = tf.grads((l: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(mcSoftmax(l, d, opts).logProbs, l)),
      )([loc, diag]);
      expect(await maxAbsDiff(gLoc!, hLoc!)).toBeLessThan(1e-5);
      expect(await maxAbsDiff(gDiag!, hDiag!)).toBeLessThan(1e-5);
    }
  });

  it('with d -> 0 and R = 1 the latent covariance is the rank-one V V^T', async () => {
    const S = 20_000;
    const v = [1.5, -0.5, 0.8, 0];
    const loc = tf.tensor2d([LOC[0]!]);
    const model = factorLatents(loc, tf.tensor3d([v.map((x) => [x])]), tf.fill([1, 4], 1e-4), {
      seed: 4,
      shareSamplesAcrossBatch: false,
    });
    const latents = await read(
      tf.reshape(model.latents(model.params, model.drawNoise(0, S)), [S, 4]),
    );
    const cov = sampleCovariance(latents, 4);
    cov.forEach((row, i) => {
      row.forEach((c, j) => {
        // SE of a sample covariance: sqrt((S_ii S_jj + S_ij^2) / S) <= 0.015 here, with
        // S = v v^T + d^2 I (d = 1e-4); 5 SE.
        const sigma = (a: number, b: number) => v[a]! * v[b]! + (a === b ? 1e-8 : 0);
        const se = Math.sqrt((sigma(i, i) * sigma(j, j) + sigma(i, j) ** 2) / S);
        expect(Math.abs(c - v[i]! * v[j]!)).toBeLessThanOrEqual(5 * se + 1e-7);
      });
    });
    // Rank one: every 2x2 minor vanishes (each latent is v times one scalar draw, plus 1e-4 noise).
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const minor = cov[i]![i]! * cov[j]![j]! - cov[i]![j]! * cov[j]![i]!;
      expect(Math.abs(minor)).toBeLessThan(1e-6);
    }
  });

  it('with R = 2 and d > 0 the latent covariance is V V^T + diag(d^2), shared across the batch too', async () => {
    const S = 20_000;
    const V = [
      [1, 0.5],
      [-0.5, 1],
      [0.3, -0.8],
    ];
    const d = [0.5, 0.2, 1];
    const expected = V.map((vi, i) =>
      V.map((vj, j) => vi[0]! * vj[0]! + vi[1]! * vj[1]! + (i === j ? d[i]! ** 2 : 0)),
    );
    for (const shareSamplesAcrossBatch of [false, true]) {
      const model = factorLatents(tf.zeros([2, 3]), tf.tensor3d([V, V]), tf.tensor2d([d, d]), {
        seed: 5,
        shareSamplesAcrossBatch,
      });
      const z = model.latents(model.params, model.drawNoise(0, S)); // [S, 2, 3]
      const cov = sampleCovariance(
        await read(tf.reshape(tf.slice(z, [0, 1, 0], [S, 1, 3]), [S, 3])),
        3,
      );
      cov.forEach((row, i) => {
        row.forEach((c, j) => {
          const se = Math.sqrt((expected[i]![i]! * expected[j]![j]! + expected[i]![j]! ** 2) / S);
          expect(Math.abs(c - expected[i]![j]!)).toBeLessThanOrEqual(5 * se);
        });
      });
      // Shared noise: both batch rows see the same draws, so equal parameters give equal latents.
      const [row0, row1] = tf.unstack(z, 1);
      const gap = await maxAbsDiff(row0!, row1!);
      if (shareSamplesAcrossBatch) expect(gap).toBe(0);
      else expect(gap).toBeGreaterThan(0.1);
    }
  });

  it('gradients equal tfjs autodiff of the naive computation on the same samples', async () => {
    const loc = tf.tensor2d(LOC);
    const diag = tf.tensor2d(DIAG);
    const V = loadings(2, 4, 2, 6);
    const tau = tf.scalar(0.8);
    const S = 300;
    const seed = 7;
    const eK = noiseFamily('normal').sampleStandard([S, 2, 4], seed);
    const eR = noiseFamily('normal').sampleStandard([S, 2, 2], deriveSeed(seed, 'factors'));
    const weights = tf.tensor2d([
      [1, -0.5, 0.2, 0.7],
      [0.3, 1, -1, 0.1],
    ]);
    const naive = (l: tf.Tensor, v: tf.Tensor, d: tf.Tensor, t: tf.Tensor) => {
      // z[s,b,k] = l[b,k] + sum_r v[b,k,r] eR[s,b,r] + d[b,k] eK[s,b,k]
      const factor = tf.sum(tf.mul(tf.expandDims(v, 0), tf.expandDims(eR, 2)), -1); // [S,B,K,R] -> [S,B,K]
      const z = tf.add(tf.add(l, factor), tf.mul(d, eK));
      const perSample = tf.logSoftmax(tf.div(z, t));
      return tf.sum(tf.mul(tf.sub(tf.logSumExp(perSample, 0), Math.log(S)), weights));
    };
    const engine = (l: tf.Tensor, v: tf.Tensor, d: tf.Tensor, t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          mcSoftmaxFactor(l, v, d, { numSamples: S, maxSamplesInMemory: 110, temperature: t, seed })
            .logProbs,
          weights,
        ),
      );
    const a = tf.grads(engine)([loc, V, diag, tau]);
    const b = tf.grads(naive)([loc, V, diag, tau]);
    for (const [i, g] of a.entries()) {
      const magnitude = await maxAbs(b[i]!);
      expect(await maxAbsDiff(g, b[i]!)).toBeLessThan(1e-4 * Math.max(1, magnitude));
    }
  });

  it('works with extra middle axes and sums to 1', async () => {
    const loc = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 8);
    const V = tf.randomNormal([2, 3, 5, 2], 0, 1, 'float32', 9);
    const diag = tf.fill([2, 3, 5], 0.3);
    const out = mcSoftmaxFactor(loc, V, diag, { numSamples: 50, seed: 10, computeVariance: true });
    expect(out.probs.shape).toEqual([2, 3, 5]);
    expect(out.variance!.shape).toEqual([2, 3, 5]);
    expect((await read(tf.sum(out.probs, -1))).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    // Rows of [B, H, K] are rows of [B * H, K].
    const flat = mcSoftmaxFactor(
      tf.reshape(loc, [6, 5]),
      tf.reshape(V, [6, 5, 2]),
      tf.reshape(diag, [6, 5]),
      {
        numSamples: 50,
        seed: 10,
      },
    );
    expect(await maxAbsDiff(tf.reshape(out.logProbs, [6, 5]), flat.logProbs)).toBeLessThan(1e-6);
  });

  it('rejects bad shapes, naming the argument', () => {
    const loc = tf.tensor2d(LOC);
    const diag = tf.tensor2d(DIAG);
    expect(() => mcSoftmaxFactor(loc, loadings(2, 4, 5, 1), diag)).toThrow(
      'mcSoftmaxFactor: factorLoadings must be of shape [2, 4, R] with 1 <= R <= 4 (numClasses), got [2, 4, 5]',
    );
    expect(() => mcSoftmaxFactor(loc, loadings(3, 4, 2, 1), diag)).toThrow(
      "mcSoftmaxFactor: factorLoadings must be of shape [2, 4, R] (loc's shape and a factor axis), got [3, 4, 2]",
    );
    expect(() => mcSoftmaxFactor(loc, loadings(2, 4, 2, 1), tf.ones([3, 4]))).toThrow(
      'mcSoftmaxFactor: diagScale must be of the same shape as loc ([2, 4]), got [3, 4]',
    );
    expect(() => mcSoftmaxFactor(loc, tf.ones([2, 4]), diag)).toThrow(
      'mcSoftmaxFactor: factorLoadings must be of rank >= 3 ([B, ..., K, R]), got [2, 4]',
    );
    expectValueCheck(
      () => mcSoftmaxFactor(loc, loadings(2, 4, 2, 1), tf.neg(diag)),
      'mcSoftmaxFactor: diagScale must be >= 0 everywhere',
    );
    expect(() => mcSoftmaxFactor(loc, loadings(2, 4, 2, 1), diag, { numSamples: 0 })).toThrow(
      'mcSoftmaxFactor: opts.numSamples must be an integer >= 1, got 0',
    );
  });

  it('the latent models check shapes and options before drawing anything', () => {
    const loc = tf.tensor2d(LOC);
    const diag = tf.tensor2d(DIAG);
    const opts = { seed: 1, shareSamplesAcrossBatch: false };
    const cases: [() => unknown, string][] = [
      [
        () => factorLatents(loc, loadings(2, 4, 2, 1), tf.ones([3, 4]), opts),
        'factorLatents: diagScale must be of the same shape as loc ([2, 4]), got [3, 4]',
      ],
      [
        () => factorLatents(loc, loadings(3, 4, 2, 1), diag, opts),
        "factorLatents: factorLoadings must be of shape [2, 4, R] (loc's shape and a factor axis), got [3, 4, 2]",
      ],
      [
        () => factorLatents(loc, loadings(2, 4, 5, 1), diag, opts),
        'factorLatents: factorLoadings must be of shape [2, 4, R] with 1 <= R <= 4 (numClasses), got [2, 4, 5]',
      ],
      [
        () => factorLatents(loc, loadings(2, 4, 2, 1), diag, null as unknown as typeof opts),
        'factorLatents: opts must be an options object (or undefined), got null',
      ],
      [
        () => factorLatents(loc, loadings(2, 4, 2, 1), diag, { ...opts, seed: -1 }),
        'factorLatents: opts.seed must be an integer seed in [0, 2^32), got -1',
      ],
      [
        () => diagonalLatents(loc, tf.ones([2, 3]), { ...opts, noise: 'normal' }),
        'diagonalLatents: scale must be of the same shape as loc ([2, 4]), got [2, 3]',
      ],
      [
        () => diagonalLatents(tf.ones([4]), tf.ones([4]), { ...opts, noise: 'normal' }),
        'diagonalLatents: loc must be of rank >= 2 ([B, ..., K]), got [4]',
      ],
      [
        () => diagonalLatents(loc, diag, { ...opts, noise: 'cauchy' as 'normal' }),
        `diagonalLatents: opts.noise must be one of 'normal', 'logistic', 'gumbel', got "cauchy"`,
      ],
      [
        () =>
          diagonalLatents(loc, diag, {
            ...opts,
            noise: 'normal',
            shareSamplesAcrossBatch: 1 as unknown as boolean,
          }),
        'diagonalLatents: opts.shareSamplesAcrossBatch must be a boolean, got 1',
      ],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
    expect(() => factorLatents(loc, loadings(3, 4, 2, 1), diag, opts)).toThrow(ShapeError);
  });

  it('leaks no tensors over repeated calls', () => {
    const loc = tf.tensor2d(LOC);
    const diag = tf.tensor2d(DIAG);
    const V = loadings(2, 4, 2, 11);
    const run = () => {
      for (const shareSamplesAcrossBatch of [false, true]) {
        const out = mcSoftmaxFactor(loc, V, diag, {
          numSamples: 20,
          maxSamplesInMemory: 7,
          computeVariance: true,
          shareSamplesAcrossBatch,
        });
        tf.dispose([out.probs, out.logProbs, out.variance!]);
        const grads = tf.grads((l: tf.Tensor, v: tf.Tensor, d: tf.Tensor) =>
          tf.sum(
            mcSoftmaxFactor(l, v, d, {
              numSamples: 20,
              maxSamplesInMemory: 7,
              shareSamplesAcrossBatch,
            }).logProbs,
          ),
        )([loc, V, diag]);
        tf.dispose(grads);
      }
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MCSoftmaxDenseFA', () => {
  const D = 5;
  const K = 4;

  function memoryHandler(): io.IOHandler {
    let artifacts: io.ModelArtifacts | undefined;
    return {
      save: async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => artifacts!,
    };
  }

  it.each([
    false,
    true,
  ])('outputs mcSoftmaxFactor log-probabilities (parameterEfficient %s)', async (parameterEfficient) => {
    const head = new MCSoftmaxDenseFA({
      numClasses: K,
      numFactors: 2,
      parameterEfficient,
      testSamples: 60,
      temperature: 0.7,
      seed: 12,
    });
    const h = tf.randomNormal([3, D], 0, 1, 'float32', 13);
    const out = head.apply(h) as tf.Tensor;
    const { loc, scale } = head.locScale(h);
    const V = head.factorLoadings(h);
    expect(V.shape).toEqual([3, K, 2]);
    const expected = mcSoftmaxFactor(loc, V, scale, {
      numSamples: 60,
      temperature: 0.7,
      seed: deriveSeed(12, 'test'),
    });
    expect(await maxAbsDiff(out, expected.logProbs)).toBeLessThan(1e-6);
    const weights = head.getWeights();
    if (parameterEfficient) {
      // V(x) = diag(h W_v + b_v) V0, and D K + K R factor parameters, not D K R.
      const [, , , , kernel, bias, v0] = weights;
      const v = tf.add(tf.matMul(h, kernel!), bias!);
      expect(await maxAbsDiff(V, tf.mul(tf.expandDims(v, -1), v0!))).toBeLessThan(1e-6);
      expect(kernel!.shape).toEqual([D, K]);
      expect(v0!.shape).toEqual([K, 2]);
    } else {
      expect(weights[4]!.shape).toEqual([D, K * 2]);
    }
  });

  it('round-trips through model.save / loadLayersModel with identical predictions', async () => {
    for (const parameterEfficient of [false, true]) {
      const model = sequential({
        layers: [
          layers.dense({
            inputShape: [3],
            units: D,
            kernelInitializer: initializers.glorotUniform({ seed: 1 }),
          }),
          new MCSoftmaxDenseFA({
            numClasses: K,
            numFactors: 3,
            parameterEfficient,
            testSamples: 40,
            trainSamples: 10,
            seed: 14,
          }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: logProbNll });
      const x = tf.randomNormal([8, 3], 0, 1, 'float32', 15);
      await model.fit(x, tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), K), {
        epochs: 1,
        verbose: 0,
      });
      const handler = memoryHandler();
      await model.save(handler);
      const loaded = await loadLayersModel(handler);
      expect(loaded.layers[1]).toBeInstanceOf(MCSoftmaxDenseFA);
      expect(loaded.layers[1]!.getConfig()).toMatchObject({
        numFactors: 3,
        parameterEfficient,
        numClasses: K,
      });
      expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(
        0,
      );
    }
  });

  it('rejects bad arguments', () => {
    expect(() => new MCSoftmaxDenseFA({ numClasses: K, numFactors: 5 })).toThrow(
      'MCSoftmaxDenseFA: numFactors must be at most numClasses (4), got 5',
    );
    expect(() => new MCSoftmaxDenseFA({ numClasses: K, numFactors: 0 })).toThrow(
      'MCSoftmaxDenseFA: numFactors must be an integer >= 1, got 0',
    );
    expect(() => new MCSoftmaxDenseFA({ numClasses: K, numFactors: 2, noise: 'gumbel' })).toThrow(
      'MCSoftmaxDenseFA: noise must be \'normal\' (the factor model is Gaussian), got "gumbel"',
    );
    // Input checks (inherited from MCSoftmaxDense), naming this layer.
    const head = new MCSoftmaxDenseFA({ numClasses: K, numFactors: 2, testSamples: 5, seed: 1 });
    head.apply(tf.ones([2, D]));
    expect(() => head.apply(tf.ones([2, D + 1]))).toThrow(
      `MCSoftmaxDenseFA.call: inputs must be of shape [B, ..., ${D}]`,
    );
    expect(() => head.factorLoadings(tf.ones([D]))).toThrow(
      `MCSoftmaxDenseFA.factorLoadings: features must be of shape [B, ..., ${D}]`,
    );
    expectValueCheck(
      () => head.apply(tf.fill([2, D], Number.NaN)),
      'MCSoftmaxDenseFA.call: inputs must be free of NaN',
    );
  });
});
