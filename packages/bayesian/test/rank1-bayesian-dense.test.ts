import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it, vi } from 'vitest';
import { Rank1BayesianDense, rank1Predict } from '../src/index.js';
import { klTerm, read, readOf, roundTrip, softplus } from './helpers.js';

// D = 3 inputs, U = 2 units, M = 2 members; all weights row-major.
const D = 3;
const U = 2;
const M = 2;
const kernel = [0.5, -0.2, 0.1, 0.8, -0.6, 0.3]; // [D, U]
const rMean = [1.2, -0.7, 0.9, 0.4, 1.5, -1.1]; // [M, D]
const rRho = [-1, -0.5, -1.5, 0, -2, -0.8];
const sMean = [0.8, -1.3, 1.1, 0.6]; // [M, U]
const sRho = [-1.2, -0.6, -2, -0.9];
const bias = [0.25, -0.4, 0.1, 0.3]; // [M, U]
const x = [1, -0.5, 2];

/** A one-layer model: `Rank1BayesianDense` with 2 members and 2 softmax units on `[D]` inputs. */
function twoMemberClassifier() {
  const model = sequential();
  model.add(
    new Rank1BayesianDense({
      inputShape: [D],
      units: 2,
      members: 2,
      activation: 'softmax',
      seed: 1,
    }),
  );
  return model;
}

function withWeights(args: { seed?: number; rho?: number; priorMean?: number } = {}) {
  const layer = new Rank1BayesianDense({
    units: U,
    members: M,
    priorStd: 0.5,
    numExamples: 10,
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    ...(args.priorMean === undefined ? {} : { priorMean: args.priorMean }),
  });
  layer.build([null, D]);
  const rho = (values: number[]) => values.map((r) => args.rho ?? r);
  layer.setWeights([
    tf.tensor2d(kernel, [D, U]),
    tf.tensor2d(rMean, [M, D]),
    tf.tensor2d(rho(rRho), [M, D]),
    tf.tensor2d(sMean, [M, U]),
    tf.tensor2d(rho(sRho), [M, U]),
    tf.tensor2d(bias, [M, U]),
  ]);
  return layer;
}

/** `y_mu = ((x o r_m) W)_u s_mu + b_mu` in float64, for one input row `[D]` of member `m`. */
function product(row: number[], r: number[], s: number[], m: number, u: number): number {
  let z = 0;
  for (let d = 0; d < D; d++) z += row[d]! * r[m * D + d]! * kernel[d * U + u]!;
  return z * s[m * U + u]! + bias[m * U + u]!;
}

/** Sample mean, variance and fourth central moment of `values`. */
function sampleMoments(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const m4 = values.reduce((a, b) => a + (b - mean) ** 4, 0) / n;
  return { mean, variance, m4 };
}

/** XOR of the quadrants: `n` points in [-1, 1]^2, labels `[n]`, one-hot targets per member `[n, M, 2]`. */
function xor(n: number, seed: number, members: number) {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.uniform() * 2 - 1;
    const b = rng.uniform() * 2 - 1;
    xs.push(a, b);
    labels.push(a * b > 0 ? 0 : 1);
  }
  const targets = labels.flatMap((label) =>
    Array.from({ length: members }, () => (label === 0 ? [1, 0] : [0, 1])).flat(),
  );
  return {
    x: tf.tensor2d(xs, [n, 2]),
    y: tf.tensor3d(targets, [n, members, 2]),
    labels,
  };
}

describe('Rank1BayesianDense', () => {
  it('computes ((x o r_m) W) o s_m + b_m for each member, from [B, D] or [B, M, D]', async () => {
    // rho = -30: std = softplus(-30) ~ 1e-13, so the draws are the means to float32 precision.
    const layer = withWeights({ rho: -30 });
    const rows = [x, [0.3, 1.1, -0.9]];
    const out = await readOf(() => layer.apply(tf.tensor2d(rows)) as tf.Tensor); // [2, M, U]
    rows.forEach((row, b) => {
      for (let m = 0; m < M; m++) {
        for (let u = 0; u < U; u++) {
          expect(out[(b * M + m) * U + u]).toBeCloseTo(product(row, rMean, sMean, m, u), 5);
        }
      }
    });
    // One row per member: member 0 reads rows[0], member 1 rows[1].
    const perMember = await readOf(
      () => layer.apply(tf.tensor3d([[rows[0]!, rows[1]!]])) as tf.Tensor,
    );
    for (let m = 0; m < M; m++) {
      for (let u = 0; u < U; u++) {
        expect(perMember[m * U + u]).toBeCloseTo(product(rows[m]!, rMean, sMean, m, u), 5);
      }
    }
    expect(layer.computeOutputShape([null, D])).toEqual([null, M, U]);
  });

  it('has the closed-form output mean and variance under the factors posterior', async () => {
    // With z = sum_d x_d r_d W_du (Gaussian: mean Ez = sum x muR W, variance
    // Vz = sum x^2 sdR^2 W^2) and an independent s ~ N(muS, sdS^2):
    // E y = muS Ez + b and Var y = muS^2 Vz + sdS^2 (Vz + Ez^2).
    // y is not Gaussian, so the sample variance's standard error is taken from the sample's
    // fourth central moment, sqrt((m4 - var^2) / S); five standard errors for each of 8 checks.
    const layer = withWeights({ seed: 3 });
    const S = 4000;
    const input = tf.tensor2d([x]);
    const draws = await readOf(() =>
      tf.stack(Array.from({ length: S }, () => layer.apply(input) as tf.Tensor)),
    ); // [S, 1, M, U]
    input.dispose();
    for (let m = 0; m < M; m++) {
      for (let u = 0; u < U; u++) {
        let ez = 0;
        let vz = 0;
        for (let d = 0; d < D; d++) {
          ez += x[d]! * rMean[m * D + d]! * kernel[d * U + u]!;
          vz += (x[d]! * softplus(rRho[m * D + d]!) * kernel[d * U + u]!) ** 2;
        }
        const muS = sMean[m * U + u]!;
        const sdS = softplus(sRho[m * U + u]!);
        const mean = muS * ez + bias[m * U + u]!;
        const variance = muS * muS * vz + sdS * sdS * (vz + ez * ez);
        const sample = sampleMoments(
          Array.from({ length: S }, (_, s) => draws[(s * M + m) * U + u]!),
        );
        expect(Math.abs(sample.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / S));
        const varianceSe = Math.sqrt((sample.m4 - sample.variance ** 2) / S);
        expect(Math.abs(sample.variance - variance)).toBeLessThan(5 * varianceSe);
      }
    }
  });

  it('adds the members mean KL from N(priorMean, priorStd^2), over N, as its loss', async () => {
    // Closed form per factor entry in float64, prior N(priorMean, 0.5^2), divided by M N = 20.
    for (const priorMean of [1, -0.5]) {
      let expected = 0;
      rMean.forEach((mu, i) => {
        expected += klTerm(mu - priorMean, softplus(rRho[i]!), 0.5);
      });
      sMean.forEach((mu, i) => {
        expected += klTerm(mu - priorMean, softplus(sRho[i]!), 0.5);
      });
      expected /= M * 10;
      const layer = withWeights({ priorMean });
      const loss = (await readOf(() => layer.calculateLosses()[0]!))[0]!;
      // float32 sums of 10 terms of size ~10: 1e-5 relative.
      expect(Math.abs(loss / expected - 1)).toBeLessThan(1e-5);
      expect((await readOf(() => layer.klDivergence()))[0]).toBeCloseTo(loss, 6);
    }
  });

  it('learns XOR of the quadrants, members differ, and rank1Predict averages them', async () => {
    const n = 200;
    const members = 4;
    const train = xor(n, 11, members);
    const test = xor(n, 12, members);
    const model = sequential();
    const common = { members, numExamples: n, priorStd: 1, initStd: 0.05 };
    model.add(
      new Rank1BayesianDense({
        inputShape: [2],
        units: 16,
        activation: 'relu',
        seed: 1,
        ...common,
      }),
    );
    model.add(new Rank1BayesianDense({ units: 2, activation: 'softmax', seed: 2, ...common }));
    model.compile({ optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy' });
    const history = await model.fit(train.x, train.y, {
      epochs: 150,
      batchSize: 50,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
    const S = 5;
    const p = rank1Predict(model, test.x, S, { seed: 1 });
    expect(p.members!.shape).toEqual([S * members, n, 2]);
    const probs = await read(p.probs);
    const correct = test.labels.filter((label, i) => (probs[2 * i]! > 0.5 ? 0 : 1) === label);
    expect(correct.length / n).toBeGreaterThan(0.9);
    // probs is the mean of the S M members; the members of one pass are not all alike.
    const all = await read(p.members!);
    for (const i of [0, 17, 199]) {
      const column = Array.from({ length: S * members }, (_, k) => all[(k * n + i) * 2]!);
      expect(probs[2 * i]).toBeCloseTo(column.reduce((a, b) => a + b, 0) / column.length, 5);
    }
    const gap = Math.max(
      ...Array.from({ length: n }, (_, i) => Math.abs(all[i * 2]! - all[(n + i) * 2]!)),
    );
    expect(gap).toBeGreaterThan(0.01);
    tf.dispose([train.x, train.y, test.x, test.y, p.probs, p.members!, p.variance!]);
  });

  it('repeats by seed and round-trips through save/load', async () => {
    const build = () => {
      const model = sequential();
      model.add(
        new Rank1BayesianDense({
          inputShape: [D],
          units: 4,
          members: 3,
          activation: 'tanh',
          seed: 5,
          initStd: 0.2,
        }),
      );
      model.add(
        layers.dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: initializers.glorotUniform({ seed: 6 }),
        }),
      );
      return model;
    };
    const model = build();
    const twin = build();
    const loaded = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(Rank1BayesianDense);
    expect(loaded.layers[0]!.getConfig()).toEqual(model.layers[0]!.getConfig());
    const input = tf.randomNormal([5, D], 0, 1, 'float32', 1);
    const first = await readOf(() => model.predict(input) as tf.Tensor);
    expect(await readOf(() => model.predict(input) as tf.Tensor)).not.toEqual(first);
    expect(await readOf(() => twin.predict(input) as tf.Tensor)).toEqual(first);
    expect(await readOf(() => loaded.predict(input) as tf.Tensor)).toEqual(first);
    const a = rank1Predict(model, input, 4, { seed: 9, batchSize: 2 });
    const b = rank1Predict(loaded, input, 4, { seed: 9 });
    const c = rank1Predict(model, input, 4, { seed: 10 });
    expect(a.members!.shape).toEqual([12, 5, 3]);
    expect(await read(b.members!)).toEqual(await read(a.members!));
    expect(await read(c.members!)).not.toEqual(await read(a.members!));
    tf.dispose([input, a.probs, a.members!, a.variance!, b.probs, b.members!, b.variance!]);
    tf.dispose([c.probs, c.members!, c.variance!]);
  });

  it('frees every intermediate', () => {
    const layer = withWeights({ seed: 4 });
    const model = twoMemberClassifier();
    const input = tf.ones([4, D]);
    tf.dispose(layer.apply(input) as tf.Tensor);
    const warm = rank1Predict(model, input, 2);
    tf.dispose([warm.probs, warm.members!, warm.variance!]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose([layer.apply(input) as tf.Tensor, layer.klDivergence()]);
      const p = rank1Predict(model, input, 3, { seed: i });
      tf.dispose([p.probs, p.members!, p.variance!]);
    }
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });

  it('checks the probabilities of all S passes with one read, not one per pass', () => {
    const model = twoMemberClassifier();
    const input = tf.ones([4, D]);
    const reads = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    try {
      const p = rank1Predict(model, input, 5, { seed: 2, batchSize: 2 });
      // 5 passes of 2 batches: one check of the whole output (skipped on webgpu).
      expect(reads).toHaveBeenCalledTimes(tf.getBackend() === 'webgpu' ? 0 : 1);
      expect(p.members!.shape).toEqual([10, 4, 2]);
      tf.dispose([p.probs, p.members!, p.variance!]);
    } finally {
      reads.mockRestore();
    }
    input.dispose();
  });

  it('names bad arguments', () => {
    const ok = { units: 2, members: 3 };
    expect(() => new Rank1BayesianDense({ ...ok, units: 0 })).toThrow(/Rank1BayesianDense.*units/);
    expect(() => new Rank1BayesianDense({ ...ok, members: 1.5 })).toThrow(/members/);
    expect(() => new Rank1BayesianDense({ ...ok, priorMean: Number.NaN })).toThrow(/priorMean/);
    expect(() => new Rank1BayesianDense({ ...ok, priorStd: 0 })).toThrow(/priorStd/);
    expect(() => new Rank1BayesianDense({ ...ok, initStd: -1 })).toThrow(/initStd/);
    expect(() => new Rank1BayesianDense({ ...ok, activation: 'gelu' as never })).toThrow(
      /activation/,
    );
    expect(() => new Rank1BayesianDense(undefined as never)).toThrow(InvalidArgumentError);
    expect(() => new Rank1BayesianDense(ok).build([null, 2, 4])).toThrow(ShapeError);
    expect(() => new Rank1BayesianDense(ok).klDivergence()).toThrow(/built/);
    const plain = sequential();
    plain.add(layers.dense({ inputShape: [2], units: 2 }));
    const input = tf.ones([1, 2]);
    expect(() => rank1Predict(plain, input, 2)).toThrow(/Rank1BayesianDense/);
    const model = sequential();
    model.add(new Rank1BayesianDense({ inputShape: [2], ...ok, activation: 'softmax' }));
    expect(() => rank1Predict(model, input, 0)).toThrow(/numSamples/);
    expect(() => rank1Predict(model, input, 2, { seed: -1 })).toThrow(/options.seed/);
    const vector = tf.ones([2]);
    expect(() => rank1Predict(model, vector, 2)).toThrow(ShapeError);
    tf.dispose([input, vector]);
  });
});
