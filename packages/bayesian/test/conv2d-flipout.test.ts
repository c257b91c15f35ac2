import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, Conv2DFlipout, Conv2DReparameterization } from '../src/index.js';
import { klTerm, read, readOf, roundTrip, softplus } from './helpers.js';

// A 3 x 3 kernel over 2 input channels into 2 filters, on 4 x 4 images.
const rng = new Rng(31);
const kernelMean = Array.from({ length: 3 * 3 * 2 * 2 }, () => 0.5 * rng.normal());
const kernelRho = Array.from({ length: 3 * 3 * 2 * 2 }, () => -1.5 + 0.5 * rng.normal());
const biasMean = [0.2, -0.3];
const biasRho = [-3.5, -4];
const image = Array.from({ length: 4 * 4 * 2 }, () => rng.normal());
const CELLS = 4 * 4 * 2; // outputs of one image ('same' padding): [4, 4, 2]

function withWeights<T extends Conv2DReparameterization>(layer: T): T {
  layer.build([null, 4, 4, 2]);
  layer.setWeights([
    tf.tensor4d(kernelMean, [3, 3, 2, 2]),
    tf.tensor4d(kernelRho, [3, 3, 2, 2]),
    tf.tensor1d(biasMean),
    tf.tensor1d(biasRho),
  ]);
  return layer;
}

const flipout = (seed: number) =>
  withWeights(new Conv2DFlipout({ filters: 2, kernelSize: 3, padding: 'same', seed }));
const reparameterization = (seed: number) =>
  withWeights(new Conv2DReparameterization({ filters: 2, kernelSize: 3, padding: 'same', seed }));

/** `S` calls of `layer` on `R` copies of the image: the outputs `[S, R, 4, 4, 2]`, flat. */
async function draws(layer: layers.Layer, R: number, S: number): Promise<number[]> {
  const x = tf.tidy(() => tf.tile(tf.tensor4d(image, [1, 4, 4, 2]), [R, 1, 1, 1]));
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

/** The closed forms per output `[4, 4, 2]`: mean `conv(x, mean) + biasMean`, kernel and bias variances. */
async function closedForm(): Promise<{ mean: number[]; kernelVar: number[]; biasVar: number[] }> {
  const x = tf.tensor4d(image, [1, 4, 4, 2]);
  const mean = await readOf(() =>
    tf.add(tf.conv2d(x, tf.tensor4d(kernelMean, [3, 3, 2, 2]), 1, 'same'), tf.tensor1d(biasMean)),
  );
  const kernelVar = await readOf(() =>
    tf.conv2d(
      tf.square(x) as tf.Tensor4D,
      tf.tensor4d(
        kernelRho.map((r) => softplus(r) ** 2),
        [3, 3, 2, 2],
      ),
      1,
      'same',
    ),
  );
  x.dispose();
  const biasVar = Array.from({ length: CELLS }, (_, c) => softplus(biasRho[c % 2]!) ** 2);
  return { mean, kernelVar, biasVar };
}

describe('Conv2DFlipout', () => {
  it('has the output law of Conv2DReparameterization: mean conv(x, mean) + b, variance conv(x^2, std^2) + biasStd^2', async () => {
    // Each output is exactly Gaussian under both estimators (a sign times a symmetric Gaussian
    // is that Gaussian). Flipout: S calls of R copies of one image. Within a call the copies'
    // kernel perturbations are uncorrelated but they share the bias draw, so the mean of the
    // S R values has variance (kernelVar / R + biasVar) / S. The variance is estimated from the
    // first copy alone (S values, standard error var sqrt(2 / S)). Five standard errors for each
    // of the 4 x 32 checks.
    const S = 2000;
    const R = 4;
    const flip = await draws(flipout(1), R, S);
    const rep = await draws(reparameterization(1), 1, S);
    const { mean, kernelVar, biasVar } = await closedForm();
    for (let c = 0; c < CELLS; c++) {
      const variance = kernelVar[c]! + biasVar[c]!;
      const all = sampleMoments(
        Array.from({ length: S * R }, (_, i) => flip[i * CELLS + c]!), // call i / R, copy i % R
      );
      const first = sampleMoments(Array.from({ length: S }, (_, s) => flip[s * R * CELLS + c]!));
      const p = sampleMoments(Array.from({ length: S }, (_, s) => rep[s * CELLS + c]!));
      const flipMeanSe = Math.sqrt((kernelVar[c]! / R + biasVar[c]!) / S);
      expect(Math.abs(all.mean - mean[c]!)).toBeLessThan(5 * flipMeanSe);
      expect(Math.abs(p.mean - mean[c]!)).toBeLessThan(5 * Math.sqrt(variance / S));
      expect(Math.abs(first.variance / variance - 1)).toBeLessThan(5 * Math.sqrt(2 / S));
      expect(Math.abs(p.variance / variance - 1)).toBeLessThan(5 * Math.sqrt(2 / S));
    }
  });

  it('decorrelates identical images of a batch, which the reparameterization repeats', async () => {
    // Two copies of one image: one shared kernel draw makes them equal; Flipout's signs leave
    // only the shared bias draw in common, so their correlation is biasVar / (kernelVar +
    // biasVar) at each output. The sample correlation's standard error is below 1 / sqrt(S);
    // five of them for each of the 32 outputs.
    const S = 1000;
    const flip = await draws(flipout(2), 2, S);
    const rep = await draws(reparameterization(2), 2, 10);
    for (let i = 0; i < rep.length; i += 2 * CELLS) {
      expect(rep.slice(i, i + CELLS)).toEqual(rep.slice(i + CELLS, i + 2 * CELLS));
    }
    const { kernelVar, biasVar } = await closedForm();
    for (let c = 0; c < CELLS; c++) {
      const a = Array.from({ length: S }, (_, s) => flip[s * 2 * CELLS + c]!);
      const b = Array.from({ length: S }, (_, s) => flip[s * 2 * CELLS + CELLS + c]!);
      const ma = sampleMoments(a);
      const mb = sampleMoments(b);
      const cov = a.reduce((acc, ai, s) => acc + (ai - ma.mean) * (b[s]! - mb.mean), 0) / (S - 1);
      const corr = cov / Math.sqrt(ma.variance * mb.variance);
      const expected = biasVar[c]! / (kernelVar[c]! + biasVar[c]!);
      expect(expected).toBeLessThan(0.2);
      expect(Math.abs(corr - expected)).toBeLessThan(5 / Math.sqrt(S));
    }
  });

  it('gives lower-variance kernel-mean gradients over a batch than the reparameterization', async () => {
    // L = mean_b sum y_b^2 over B = 32 distinct images. Under one shared kernel draw the noise
    // of dL/dmean is fully correlated across images and does not shrink with B; Flipout's
    // per-image signs decorrelate the images (positions within an image share their signs).
    // Measured on cpu over 200 draws each: total variance 58 (Flipout) vs 822 (reparam.),
    // 14 times less; we ask for 4 times (each estimate from 200 draws is good to ~10%).
    // Stock tfjs-wasm has no Conv2DBackpropFilter (@uqjs/backend adds it): there, use cpu.
    const backend = tf.getBackend();
    if (backend === 'wasm') await tf.setBackend('cpu');
    const B = 32;
    const x = tf.randomNormal([B, 4, 4, 2], 0, 1, 'float32', 8);
    const gradientVariance = async (layer: Conv2DReparameterization) => {
      const mean = layer.trainableWeights[0]!.read() as tf.Variable;
      const grads: number[][] = [];
      for (let i = 0; i < 200; i++) {
        const { value, grads: g } = tf.variableGrads(
          () => tf.mean(tf.sum(tf.square(layer.apply(x) as tf.Tensor), [1, 2, 3])) as tf.Scalar,
          [mean],
        );
        grads.push(await read(g[mean.name]!));
        tf.dispose([value, ...Object.values(g)]);
      }
      let total = 0;
      for (let j = 0; j < grads[0]!.length; j++) {
        total += sampleMoments(grads.map((g) => g[j]!)).variance;
      }
      return total;
    };
    const flip = await gradientVariance(flipout(4));
    const rep = await gradientVariance(reparameterization(4));
    x.dispose();
    await tf.setBackend(backend);
    expect(flip).toBeLessThan(0.25 * rep);
  });

  it('adds the closed-form KL of its kernel and bias as its loss', async () => {
    // Prior N(0, 1) (the default): the float64 sum of the per-weight closed form.
    let expected = 0;
    kernelRho.forEach((r, i) => {
      expected += klTerm(kernelMean[i]!, softplus(r), 1);
    });
    biasRho.forEach((r, i) => {
      expected += klTerm(biasMean[i]!, softplus(r), 1);
    });
    const layer = flipout(5);
    // float32 sums of 40 terms of size ~1: 1e-4 relative.
    const kl = (await readOf(() => layer.calculateLosses()[0]!))[0]!;
    expect(Math.abs(kl / expected - 1)).toBeLessThan(1e-4);
  });

  it('gives the output shapes of tf.layers.conv2d, round-trips and repeats by seed in bayesPredictive', async () => {
    const model = sequential();
    model.add(
      new Conv2DFlipout({
        inputShape: [6, 6, 1],
        filters: 3,
        kernelSize: [3, 2],
        strides: 2,
        activation: 'relu',
        seed: 4,
        initStd: 0.1,
      }),
    );
    model.add(layers.flatten());
    model.add(layers.dense({ units: 2, activation: 'softmax' }));
    const reference = layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2 });
    expect(model.layers[0]!.computeOutputShape([null, 6, 6, 1])).toEqual(
      reference.computeOutputShape([null, 6, 6, 1]),
    );
    const loaded = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(Conv2DFlipout);
    expect(loaded.layers[0]!.getConfig()).toEqual(model.layers[0]!.getConfig());
    const x = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 5);
    const first = await readOf(() => model.predict(x) as tf.Tensor);
    expect(await readOf(() => model.predict(x) as tf.Tensor)).not.toEqual(first);
    expect(await readOf(() => loaded.predict(x) as tf.Tensor)).toEqual(first);
    const a = bayesPredictive(model, x, 4, { seed: 2 });
    const b = bayesPredictive(loaded, x, 4, { seed: 2 });
    expect(a.members!.shape).toEqual([4, 3, 2]);
    expect(await read(b.members!)).toEqual(await read(a.members!));
    tf.dispose([x, a.probs, a.members!, a.variance!, b.probs, b.members!, b.variance!]);
  });

  it('frees every intermediate and names bad arguments', () => {
    const layer = flipout(3);
    const x = tf.ones([2, 4, 4, 2]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose([layer.apply(x) as tf.Tensor, layer.klDivergence()]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(() => new Conv2DFlipout({ filters: 0, kernelSize: 3 })).toThrow(
      /Conv2DFlipout.*filters/,
    );
    expect(() => new Conv2DFlipout({ filters: 2, kernelSize: [3, 0] })).toThrow(/kernelSize\[1\]/);
    expect(() => new Conv2DFlipout({ filters: 2, kernelSize: 3, priorStd: -1 })).toThrow(
      /priorStd/,
    );
    expect(() => new Conv2DFlipout(undefined as never)).toThrow(InvalidArgumentError);
    expect(() => new Conv2DFlipout({ filters: 2, kernelSize: 3 }).build([null, 4, 4])).toThrow(
      ShapeError,
    );
  });
});
