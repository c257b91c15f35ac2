import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, Conv2DReparameterization, gaussianKl } from '../src/index.js';
import { read, readOf, roundTrip, softplus } from './helpers.js';

// A 3 x 3 kernel over 2 input channels into 2 filters, on one 4 x 4 image.
const rng = new Rng(21);
const kernelMean = Array.from({ length: 3 * 3 * 2 * 2 }, () => 0.5 * rng.normal());
const kernelRho = Array.from({ length: 3 * 3 * 2 * 2 }, () => -1.5 + 0.5 * rng.normal());
const biasMean = [0.2, -0.3];
const biasRho = [-1, -2];
const image = Array.from({ length: 4 * 4 * 2 }, () => rng.normal());

function withWeights(seed: number, padding: 'same' | 'valid' = 'same'): Conv2DReparameterization {
  const layer = new Conv2DReparameterization({
    filters: 2,
    kernelSize: 3,
    padding,
    seed,
    priorStd: 0.5,
  });
  layer.build([null, 4, 4, 2]);
  layer.setWeights([
    tf.tensor4d(kernelMean, [3, 3, 2, 2]),
    tf.tensor4d(kernelRho, [3, 3, 2, 2]),
    tf.tensor1d(biasMean),
    tf.tensor1d(biasRho),
  ]);
  return layer;
}

describe('Conv2DReparameterization', () => {
  it('has output moments conv(x, mean) + biasMean and conv(x^2, std^2) + biasStd^2', async () => {
    // Independent Gaussian weights: each output is Gaussian with that mean and variance.
    const layer = withWeights(1);
    const x = tf.tensor4d(image, [1, 4, 4, 2]);
    const S = 2000;
    const draws = tf.tidy(() =>
      tf.stack(Array.from({ length: S }, () => layer.apply(x) as tf.Tensor)),
    );
    const v = await read(draws); // [S, 1, 4, 4, 2]
    const mean = await readOf(() =>
      tf.add(tf.conv2d(x, tf.tensor4d(kernelMean, [3, 3, 2, 2]), 1, 'same'), tf.tensor1d(biasMean)),
    );
    const variance = await readOf(() =>
      tf.add(
        tf.conv2d(
          tf.square(x) as tf.Tensor4D,
          tf.tensor4d(
            kernelRho.map((r) => softplus(r) ** 2),
            [3, 3, 2, 2],
          ),
          1,
          'same',
        ),
        tf.tensor1d(biasRho.map((r) => softplus(r) ** 2)),
      ),
    );
    const cells = 4 * 4 * 2;
    for (let c = 0; c < cells; c++) {
      const column = Array.from({ length: S }, (_, s) => v[s * cells + c]!);
      const m = column.reduce((a, b) => a + b, 0) / S;
      const s2 = column.reduce((a, b) => a + (b - m) ** 2, 0) / (S - 1);
      // Standard errors sqrt(var / S) for the mean and var sqrt(2 / S) for the variance;
      // 5 of them for each of the 64 checks.
      expect(Math.abs(m - mean[c]!)).toBeLessThan(5 * Math.sqrt(variance[c]! / S));
      expect(Math.abs(s2 / variance[c]! - 1)).toBeLessThan(5 * Math.sqrt(2 / S));
    }
    tf.dispose([x, draws]);
  });

  it('adds the KL of its kernel and bias as its loss', async () => {
    const layer = withWeights(2);
    const expected = await readOf(() =>
      tf.add(
        gaussianKl(tf.tensor1d(kernelMean), tf.softplus(tf.tensor1d(kernelRho)), 0.5),
        gaussianKl(tf.tensor1d(biasMean), tf.softplus(tf.tensor1d(biasRho)), 0.5),
      ),
    );
    expect((await readOf(() => layer.calculateLosses()[0]!))[0]).toBeCloseTo(expected[0]!, 3);
  });

  it('gives the output shapes of tf.layers.conv2d, round-trips and works in bayesPredictive', async () => {
    const model = sequential();
    model.add(
      new Conv2DReparameterization({
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
    const same = new Conv2DReparameterization({
      filters: 3,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
    });
    const sameRef = layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' });
    expect(same.computeOutputShape([null, 7, 5, 2])).toEqual(
      sameRef.computeOutputShape([null, 7, 5, 2]),
    );
    const loaded = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(Conv2DReparameterization);
    expect(loaded.layers[0]!.getConfig()).toEqual(model.layers[0]!.getConfig());
    const x = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 5);
    const a = bayesPredictive(model, x, 4, { seed: 2 });
    const b = bayesPredictive(loaded, x, 4, { seed: 2 });
    expect(a.members!.shape).toEqual([4, 3, 2]);
    expect(await read(b.members!)).toEqual(await read(a.members!));
    tf.dispose([x, a.probs, a.members!, a.variance!, b.probs, b.members!, b.variance!]);
  });

  it('frees every intermediate and names bad arguments', () => {
    const layer = withWeights(3, 'valid');
    const x = tf.ones([2, 4, 4, 2]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose([layer.apply(x) as tf.Tensor, layer.klDivergence()]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(() => new Conv2DReparameterization({ filters: 0, kernelSize: 3 })).toThrow(/filters/);
    expect(() => new Conv2DReparameterization({ filters: 2, kernelSize: [3] as never })).toThrow(
      /kernelSize/,
    );
    expect(() => new Conv2DReparameterization({ filters: 2, kernelSize: [3, 0] })).toThrow(
      /kernelSize\[1\]/,
    );
    expect(() => new Conv2DReparameterization({ filters: 2, kernelSize: 3, strides: 0 })).toThrow(
      /strides/,
    );
    expect(
      () => new Conv2DReparameterization({ filters: 2, kernelSize: 3, padding: 'causal' as never }),
    ).toThrow(/padding/);
    expect(() => new Conv2DReparameterization(undefined as never)).toThrow(InvalidArgumentError);
    const conv = new Conv2DReparameterization({ filters: 2, kernelSize: 3 });
    expect(() => conv.build([null, 4, 4])).toThrow(ShapeError);
  });
});
