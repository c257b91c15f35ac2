import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, DenseReparameterization } from '../src/index.js';
import { fitXor, klTerm, read, readOf, roundTrip, softplus } from './helpers.js';

const D = 3;
const U = 2;
const kernelMean = [0.5, -0.2, 0.1, 0.8, -0.6, 0.3]; // [D, U] row-major
const kernelRho = [-2, -1, -1.5, -0.5, -3, -1.2];
const biasMean = [0.25, -0.4];
const biasRho = [-1, -2];

/** A built layer with the weights above. */
function layerWithWeights(seed: number, numExamples = 1): DenseReparameterization {
  const layer = new DenseReparameterization({ units: U, seed, numExamples, priorStd: 0.7 });
  layer.build([null, D]);
  layer.setWeights([
    tf.tensor2d(kernelMean, [D, U]),
    tf.tensor2d(kernelRho, [D, U]),
    tf.tensor1d(biasMean),
    tf.tensor1d(biasRho),
  ]);
  return layer;
}

/** Rows [I_D; 0] `[D + 1, D]`: row d picks kernel row d (plus the bias), the last row the bias. */
const probe = () => tf.concat([tf.eye(D), tf.zeros([1, D])], 0);

describe('DenseReparameterization', () => {
  it('adds the closed-form KL, divided by numExamples, as its one layer loss', async () => {
    const layer = layerWithWeights(1, 50);
    expect(layer.losses).toHaveLength(1);
    const expected =
      (kernelMean.reduce((a, m, i) => a + klTerm(m, softplus(kernelRho[i]!), 0.7), 0) +
        biasMean.reduce((a, m, i) => a + klTerm(m, softplus(biasRho[i]!), 0.7), 0)) /
      50;
    const [fromLoss] = await readOf(() => layer.calculateLosses()[0]!);
    const [direct] = await readOf(() => layer.klDivergence());
    // float32 sum of eight O(1) terms: 1e-5 relative.
    expect(fromLoss).toBeCloseTo(expected, 5);
    expect(direct).toBeCloseTo(expected, 5);
  });

  it('draws each weight from N(mean, softplus(rho)^2), shared by the batch', async () => {
    const layer = layerWithWeights(2);
    const S = 2000;
    const x = probe();
    const draws = tf.tidy(() =>
      tf.stack(Array.from({ length: S }, () => layer.apply(x) as tf.Tensor)),
    );
    const v = await read(draws); // [S, D + 1, U]
    tf.dispose([x, draws]);
    const at = (s: number, row: number, u: number) => v[(s * (D + 1) + row) * U + u]!;
    const check = (values: number[], mean: number, std: number) => {
      const m = values.reduce((a, b) => a + b, 0) / S;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (S - 1));
      // MC: the mean's standard error is std / sqrt(S), the sample std's about std / sqrt(2S);
      // 5 standard errors keep all ten checks from failing by chance (p < 1e-5 together).
      expect(Math.abs(m - mean)).toBeLessThan((5 * std) / Math.sqrt(S));
      expect(Math.abs(sd - std)).toBeLessThan((5 * std) / Math.sqrt(2 * S));
    };
    for (let u = 0; u < U; u++) {
      const bias = Array.from({ length: S }, (_, s) => at(s, D, u));
      check(bias, biasMean[u]!, softplus(biasRho[u]!));
      for (let d = 0; d < D; d++) {
        // Row d minus the bias row of the same call: the kernel draw alone.
        const w = Array.from({ length: S }, (_, s) => at(s, d, u) - at(s, D, u));
        check(w, kernelMean[d * U + u]!, softplus(kernelRho[d * U + u]!));
      }
    }
  });

  it('has the reparameterization gradient: dL/dmean = x^T c, dL/drho = x^T c * eps * sigmoid(rho)', async () => {
    // Two layers with the same seed and weights draw the same eps on their first call: the
    // first reveals the draw (through the probe rows), the second is differentiated.
    const x = probe();
    const shown = layerWithWeights(9);
    const sample = await readOf(() => shown.apply(x) as tf.Tensor); // [D + 1, U]
    const layer = layerWithWeights(9);
    const rows = new Rng(4);
    const cValues = Array.from({ length: (D + 1) * U }, () => rows.normal());
    const c = tf.tensor2d(cValues, [D + 1, U]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, c)) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const [gKm, gKr, gBm, gBr] = await Promise.all(
      layer.trainableWeights.map((w) => read(grads[(w.read() as tf.Variable).name]!)),
    );
    const sigmoid = (r: number) => 1 / (1 + Math.exp(-r));
    for (let u = 0; u < U; u++) {
      const biasDraw = sample[D * U + u]!;
      const biasEps = (biasDraw - biasMean[u]!) / softplus(biasRho[u]!);
      // x = [I; 0]: (x^T c)[d, u] = c[d, u]; the bias gradient sums c over all rows.
      const cSum = Array.from({ length: D + 1 }, (_, r) => cValues[r * U + u]!).reduce(
        (a, b) => a + b,
      );
      // float32 products of O(1) values: 1e-4 absolute.
      expect(gBm![u]).toBeCloseTo(cSum, 4);
      expect(gBr![u]).toBeCloseTo(cSum * biasEps * sigmoid(biasRho[u]!), 4);
      for (let d = 0; d < D; d++) {
        const i = d * U + u;
        const eps = (sample[i]! - biasDraw - kernelMean[i]!) / softplus(kernelRho[i]!);
        expect(gKm![i]).toBeCloseTo(cValues[i]!, 4);
        expect(gKr![i]).toBeCloseTo(cValues[i]! * eps * sigmoid(kernelRho[i]!), 4);
      }
    }
    tf.dispose([x, c, ...Object.values(grads)]);
  });

  it('repeats its draws by seed: calls differ, a fresh layer with the same seed replays them', async () => {
    const x = tf.ones([2, D]);
    const a = new DenseReparameterization({ units: U, seed: 3 });
    const b = new DenseReparameterization({ units: U, seed: 3 });
    const c = new DenseReparameterization({ units: U, seed: 4 });
    const a1 = await readOf(() => a.apply(x) as tf.Tensor);
    const a2 = await readOf(() => a.apply(x) as tf.Tensor);
    const b1 = await readOf(() => b.apply(x) as tf.Tensor);
    const b2 = await readOf(() => b.apply(x) as tf.Tensor);
    const c1 = await readOf(() => c.apply(x) as tf.Tensor);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(c1).not.toEqual(a1);
    x.dispose();
  });

  it('adds its KL to the loss model.fit minimizes', async () => {
    // With a tiny posterior std the network is (nearly) its mean, so the training loss of one
    // step at learning rate 0 is the mean network's data loss plus the KL / N.
    const N = 20;
    const model = sequential();
    model.add(
      new DenseReparameterization({
        inputShape: [D],
        units: 4,
        activation: 'relu',
        initStd: 1e-6,
        numExamples: N,
        seed: 1,
      }),
    );
    model.add(new DenseReparameterization({ units: 1, initStd: 1e-6, numExamples: N, seed: 2 }));
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const rng = new Rng(6);
    const x = tf.tensor2d(
      Array.from({ length: N * D }, () => rng.normal()),
      [N, D],
    );
    const y = tf.tensor2d(
      Array.from({ length: N }, () => rng.normal()),
      [N, 1],
    );
    const kl = await readOf(() =>
      tf.addN(model.layers.map((l) => (l as DenseReparameterization).klDivergence())),
    );
    const dataLoss = await readOf(() =>
      tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor),
    );
    const trained = (await model.trainOnBatch(x, y)) as number;
    // KL/N is ~ 26 weights * 14 / 20 ~ 18; the 1e-6 std moves the data loss by ~1e-5.
    expect(trained).toBeCloseTo(dataLoss[0]! + kl[0]!, 2);
    expect(kl[0]!).toBeGreaterThan(1);
    tf.dispose([x, y]);
  });

  it('learns XOR of the quadrants (held-out accuracy > 0.9)', async () => {
    const { first, last, accuracy } = await fitXor(DenseReparameterization);
    expect(last).toBeLessThan(first * 0.6);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('round-trips through save/load with identical seeded predictions', async () => {
    const model = sequential();
    model.add(
      new DenseReparameterization({
        inputShape: [D],
        units: 5,
        activation: 'tanh',
        priorStd: 0.5,
        initStd: 0.1,
        numExamples: 7,
        seed: 8,
      }),
    );
    model.add(layers.dense({ units: 3, activation: 'softmax' }));
    const loaded = await roundTrip(model);
    const restored = loaded.layers[0] as DenseReparameterization;
    expect(restored).toBeInstanceOf(DenseReparameterization);
    expect(restored.getConfig()).toEqual(model.layers[0]!.getConfig());
    const x = tf.randomNormal([6, D], 0, 1, 'float32', 2);
    const before = bayesPredictive(model, x, 5, { seed: 3 });
    const after = bayesPredictive(loaded, x, 5, { seed: 3 });
    expect(await read(after.members!)).toEqual(await read(before.members!));
    // The loaded layer replays the original's own call sequence too.
    const fresh = await roundTrip(model);
    expect(await readOf(() => fresh.predict(x) as tf.Tensor)).toEqual(
      await readOf(() => loaded.predict(x) as tf.Tensor),
    );
    tf.dispose([
      x,
      before.probs,
      before.members!,
      before.variance!,
      after.probs,
      after.members!,
      after.variance!,
    ]);
  });

  it('frees every intermediate', async () => {
    const layer = layerWithWeights(5);
    const x = tf.ones([4, D]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(layer.apply(x) as tf.Tensor);
      tf.dispose(layer.klDivergence());
      tf.dispose(layer.calculateLosses());
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('names bad arguments', () => {
    expect(() => new DenseReparameterization({ units: 0 })).toThrow(/units/);
    expect(() => new DenseReparameterization(null as never)).toThrow(InvalidArgumentError);
    expect(() => new DenseReparameterization({ units: 2, activation: 'gelu' as never })).toThrow(
      /activation/,
    );
    expect(() => new DenseReparameterization({ units: 2, priorStd: -1 })).toThrow(/priorStd/);
    expect(() => new DenseReparameterization({ units: 2, initStd: 0 })).toThrow(/initStd/);
    expect(() => new DenseReparameterization({ units: 2, initStd: 1000 })).toThrow(/initStd/);
    expect(() => new DenseReparameterization({ units: 2, numExamples: 0 })).toThrow(/numExamples/);
    expect(() => new DenseReparameterization({ units: 2, seed: -1 })).toThrow(/seed/);
    expect(() => new DenseReparameterization({ units: 2, useBias: 'yes' as never })).toThrow(
      /useBias/,
    );
    const layer = new DenseReparameterization({ units: 2 });
    expect(() => layer.build([null, 4, 4])).toThrow(ShapeError);
    expect(() => layer.build([null, null])).toThrow(/inputShape/);
    expect(() => layer.klDivergence()).toThrow(/built/);
  });
});
