import * as tf from '@tensorflow/tfjs-core';
import { type layers, sequential } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, DenseFlipout, DenseReparameterization } from '../src/index.js';
import { fitXor, read, readOf, roundTrip, softplus } from './helpers.js';

const D = 3;
const U = 2;
const kernelMean = [0.5, -0.2, 0.1, 0.8, -0.6, 0.3]; // [D, U] row-major
const kernelRho = [-1, -0.5, -1.5, 0, -2, -0.8];
const biasMean = [0.25, -0.4];
const biasRho = [-1.5, -1];
const xRows = [
  [1, -0.5, 2],
  [-1.5, 0.3, 0.4],
]; // two distinct inputs

function withWeights<T extends DenseFlipout | DenseReparameterization>(layer: T): T {
  layer.build([null, D]);
  layer.setWeights([
    tf.tensor2d(kernelMean, [D, U]),
    tf.tensor2d(kernelRho, [D, U]),
    tf.tensor1d(biasMean),
    tf.tensor1d(biasRho),
  ]);
  return layer;
}

/** Closed forms of one row's output: mean `x mean + biasMean`, variance `x^2 std^2 + biasStd^2`. */
function moments(x: number[], u: number): { mean: number; variance: number } {
  let mean = biasMean[u]!;
  let variance = softplus(biasRho[u]!) ** 2;
  x.forEach((xd, d) => {
    mean += xd * kernelMean[d * U + u]!;
    variance += xd * xd * softplus(kernelRho[d * U + u]!) ** 2;
  });
  return { mean, variance };
}

/** `S` calls of `layer` on `rows` `[R, D]`: the outputs `[S, R, U]`, flat. */
async function draws(layer: layers.Layer, rows: number[][], S: number): Promise<number[]> {
  const x = tf.tensor2d(rows);
  const out = tf.tidy(() => tf.stack(Array.from({ length: S }, () => layer.apply(x) as tf.Tensor)));
  const values = await read(out);
  tf.dispose([x, out]);
  return values;
}

/** Sample mean and variance of `values`. */
function sampleMoments(values: number[]): { mean: number; variance: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return { mean, variance: values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) };
}

describe('DenseFlipout', () => {
  it('has the mean-weight output as mean and the reparameterization variance', async () => {
    // Each distinct row repeated R times per call, S calls. Flipout rows are uncorrelated, so
    // the S R values of a row estimate its mean with error sqrt(var / (S R)); their squares
    // share dW within a call, so for the variance only the S calls are counted (conservative).
    // Reparameterization rows repeat exactly: only its S calls count.
    const S = 2000;
    const R = 8;
    const rows = xRows.flatMap((row) => Array.from({ length: R }, () => row));
    const flip = await draws(withWeights(new DenseFlipout({ units: U, seed: 1 })), rows, S);
    const rep = await draws(
      withWeights(new DenseReparameterization({ units: U, seed: 1 })),
      xRows,
      S,
    );
    xRows.forEach((x, r) => {
      for (let u = 0; u < U; u++) {
        const exact = moments(x, u);
        const f = sampleMoments(
          Array.from({ length: S * R }, (_, i) => {
            const s = Math.floor(i / R);
            return flip[(s * rows.length + r * R + (i % R)) * U + u]!;
          }),
        );
        const p = sampleMoments(Array.from({ length: S }, (_, s) => rep[(s * 2 + r) * U + u]!));
        // Gaussian marginals: the mean's standard error is sqrt(var / n), the sample
        // variance's var sqrt(2 / n). Five standard errors for each of the 16 checks.
        const sd = Math.sqrt(exact.variance);
        expect(Math.abs(f.mean - exact.mean)).toBeLessThan((5 * sd) / Math.sqrt(S * R));
        expect(Math.abs(p.mean - exact.mean)).toBeLessThan((5 * sd) / Math.sqrt(S));
        expect(Math.abs(f.variance / exact.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / S));
        expect(Math.abs(p.variance / exact.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / S));
      }
    });
  });

  it('decorrelates the rows of a batch, where the reparameterization repeats them', async () => {
    // Two identical rows: with one shared kernel draw they are equal; with flipout's independent
    // signs their perturbations are uncorrelated (correlation 0 in expectation).
    const S = 1000;
    const rows = [xRows[0]!, xRows[0]!];
    const flip = await draws(withWeights(new DenseFlipout({ units: U, seed: 2 })), rows, S);
    const rep = await draws(
      withWeights(new DenseReparameterization({ units: U, seed: 2 })),
      rows,
      20,
    );
    for (let i = 0; i < rep.length; i += 2 * U) {
      expect(rep[i]).toBe(rep[i + U]);
    }
    const a = Array.from({ length: S }, (_, s) => flip[s * 2 * U]!);
    const b = Array.from({ length: S }, (_, s) => flip[s * 2 * U + U]!);
    const ma = sampleMoments(a);
    const mb = sampleMoments(b);
    const cov = a.reduce((acc, ai, s) => acc + (ai - ma.mean) * (b[s]! - mb.mean), 0) / (S - 1);
    const corr = cov / Math.sqrt(ma.variance * mb.variance);
    // The kernel perturbation is uncorrelated, but both rows share the bias draw: the
    // correlation is biasVar / totalVar. Sample correlation error ~ 1 / sqrt(S); 5 of those.
    const exact = moments(xRows[0]!, 0);
    const expected = softplus(biasRho[0]!) ** 2 / exact.variance;
    expect(Math.abs(corr - expected)).toBeLessThan(5 / Math.sqrt(S));
    expect(expected).toBeLessThan(0.2);
  });

  it('gives lower-variance gradients over a batch than the reparameterization', async () => {
    // L = mean_b sum_u y_bu^2 over B = 64 distinct rows. dL/dmean is an average over rows of
    // terms whose noise, under one shared kernel draw, is fully correlated across rows (its
    // variance does not shrink with B); Flipout's independent signs decorrelate the rows, so
    // its variance shrinks roughly as 1 / B. Measured over 200 draws each, the total gradient
    // variance of Flipout is about 12 times smaller here (0.38 vs 4.6 on wasm); we ask for 4
    // (each variance estimate from 200 draws is good to ~10%).
    const B = 64;
    const x = tf.randomNormal([B, D], 0, 1, 'float32', 8);
    const gradientVariance = async (layer: DenseFlipout | DenseReparameterization) => {
      const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const draws: number[][] = [];
      for (let i = 0; i < 200; i++) {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.sum(tf.square(layer.apply(x) as tf.Tensor), 1)) as tf.Scalar,
          [variables[0]!],
        );
        draws.push(await read(grads[variables[0]!.name]!));
        tf.dispose([value, ...Object.values(grads)]);
      }
      let total = 0;
      for (let j = 0; j < draws[0]!.length; j++) {
        total += sampleMoments(draws.map((g) => g[j]!)).variance;
      }
      return total;
    };
    const flip = await gradientVariance(withWeights(new DenseFlipout({ units: U, seed: 4 })));
    const rep = await gradientVariance(
      withWeights(new DenseReparameterization({ units: U, seed: 4 })),
    );
    expect(flip).toBeLessThan(0.25 * rep);
    x.dispose();
  });

  it('learns XOR of the quadrants (held-out accuracy > 0.9)', async () => {
    const { first, last, accuracy } = await fitXor(DenseFlipout);
    expect(last).toBeLessThan(first * 0.6);
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('repeats by seed and round-trips through save/load', async () => {
    const model = sequential();
    model.add(
      new DenseFlipout({ inputShape: [D], units: 4, activation: 'relu', seed: 5, initStd: 0.2 }),
    );
    model.add(new DenseFlipout({ units: 3, activation: 'softmax', seed: 6, initStd: 0.2 }));
    const loaded = await roundTrip(model);
    expect(loaded.layers[1]).toBeInstanceOf(DenseFlipout);
    expect(loaded.layers[1]!.getConfig()).toEqual(model.layers[1]!.getConfig());
    const x = tf.randomNormal([5, D], 0, 1, 'float32', 1);
    const first = await readOf(() => model.predict(x) as tf.Tensor);
    const second = await readOf(() => model.predict(x) as tf.Tensor);
    expect(second).not.toEqual(first);
    expect(await readOf(() => loaded.predict(x) as tf.Tensor)).toEqual(first);
    const a = bayesPredictive(model, x, 4, { seed: 9 });
    const b = bayesPredictive(loaded, x, 4, { seed: 9 });
    expect(await read(b.members!)).toEqual(await read(a.members!));
    tf.dispose([x, a.probs, a.members!, a.variance!, b.probs, b.members!, b.variance!]);
  });

  it('frees every intermediate', () => {
    const layer = withWeights(new DenseFlipout({ units: U, seed: 3 }));
    const x = tf.ones([4, D]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(layer.apply(x) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
