import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@uqjs/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binaryLogitNll, exactSigmoid, MCSigmoidDense, MCSigmoidDenseFA } from '../src/index.js';
import { maxAbsDiff, read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

const D = 4;

function features(rows: number, seed: number): tf.Tensor {
  return tf.randomNormal([rows, D], 0, 1, 'float32', seed);
}

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

/** Writes a built layer's weight whose name ends in `/<name>`. */
function setWeight(layer: layers.Layer, name: string, value: tf.Tensor): void {
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${name}`));
  if (weight === undefined) throw new Error(`no weight ${name}`);
  weight.write(tf.reshape(value, weight.shape as number[]));
}

/**
 * A built head whose latents do not depend on the input: `loc`, `V` and `d` are the biases
 * (kernels zero, scale = |bias| with minScale 0), so their values are known exactly.
 */
function constantHead(
  loc: number[],
  loadings: number[][],
  diag: number[],
  extra: Partial<ConstructorParameters<typeof MCSigmoidDenseFA>[0]> = {},
): MCSigmoidDenseFA {
  const head = new MCSigmoidDenseFA({
    numOutputs: loc.length,
    numFactors: loadings[0]!.length,
    scaleActivation: 'abs',
    minScale: 0,
    seed: 5,
    ...extra,
  });
  head.apply(features(1, 0));
  const outputs = loc.length;
  setWeight(head, 'locKernel', tf.zeros([D, outputs]));
  setWeight(head, 'locBias', tf.tensor1d(loc));
  setWeight(head, 'scaleKernel', tf.zeros([D, outputs]));
  setWeight(head, 'scaleBias', tf.tensor1d(diag));
  setWeight(head, 'factorKernel', tf.zeros([D, outputs * loadings[0]!.length]));
  setWeight(head, 'factorBias', tf.tensor1d(loadings.flat())); // row-major [O, R]
  return head;
}

describe('MCSigmoidDenseFA', () => {
  it('with zero noise (V = 0, d = 0) outputs loc / tau: P(y = 1) = sigmoid(loc / tau)', async () => {
    const loc = [0.8, -0.5, 1.2];
    const head = constantHead(
      loc,
      loc.map(() => [0, 0]),
      [0, 0, 0],
      { temperature: 0.7, testSamples: 7 },
    );
    const out = head.apply(features(3, 1)) as tf.Tensor; // [3, 3] predictive logits
    const expected = tf.tile(tf.div(tf.tensor2d([loc]), 0.7), [3, 1]);
    expect(await maxAbsDiff(out, expected)).toBeLessThan(1e-5);
    expect(await maxAbsDiff(tf.sigmoid(out), tf.sigmoid(expected))).toBeLessThan(1e-6);
  });

  it('with zero loadings equals MCSigmoidDense with the same weights, sample for sample', async () => {
    const fa = new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 2, testSamples: 40, seed: 9 });
    const diagonal = new MCSigmoidDense({ numOutputs: 3, testSamples: 40, seed: 9 });
    const h = features(5, 2);
    fa.apply(h);
    diagonal.apply(h);
    diagonal.setWeights(fa.getWeights().slice(0, 4)); // loc kernel / bias, scale kernel / bias
    setWeight(fa, 'factorKernel', tf.zeros([D, 6]));
    setWeight(fa, 'factorBias', tf.zeros([6]));
    const a = fa.apply(h) as tf.Tensor;
    expect(await maxAbsDiff(a, diagonal.apply(h) as tf.Tensor)).toBeLessThan(1e-5);
    // Non-zero loadings change the predictive: the factor noise is really used.
    setWeight(fa, 'factorBias', tf.fill([6], 2));
    expect(await maxAbsDiff(fa.apply(h) as tf.Tensor, a)).toBeGreaterThan(0.05);
  });

  it('as tau -> 0, each marginal is Phi(loc / sd) with sd^2 = sum_r V^2 + d^2 (the factor covariance)', async () => {
    const loc = [0.8, -0.5, 1.2];
    const loadings = [
      [1.5, 0],
      [1.5, 0.5],
      [0, 1],
    ];
    const diag = [0.3, 0.2, 0.5];
    const S = 20_000;
    const head = constantHead(loc, loadings, diag, { temperature: 0.01, testSamples: S });
    const pMc = await read(tf.sigmoid(head.apply(features(2, 3)) as tf.Tensor));
    const sd = loadings.map((row, o) =>
      Math.sqrt(row.reduce((s, v) => s + v * v, 0) + diag[o]! ** 2),
    );
    const exact = await read(exactSigmoid(tf.tensor2d([loc]), tf.tensor2d([sd]), 'normal').probs);
    const diagonalOnly = await read(
      exactSigmoid(tf.tensor2d([loc]), tf.tensor2d([diag]), 'normal').probs,
    );
    for (let i = 0; i < pMc.length; i++) {
      const q = exact[i % 3]!;
      // 5 binomial standard errors at S = 20000 (<= 0.018); the tau = 0.01 smoothing bias is
      // about tau^2 pi^2 / 6 |f'(0)| < 1e-4, covered by the 1e-3.
      expect(Math.abs(pMc[i]! - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / S) + 1e-3);
    }
    // The diagonal part alone would give a very different marginal (0.996 against 0.70).
    expect(Math.abs(diagonalOnly[0]! - exact[0]!)).toBeGreaterThan(0.2);
  });

  it('predictive({ argmax: true }) of one output is the frequency of y* > 0: Phi(loc / sd)', async () => {
    const S = 20_000;
    const head = constantHead([0.4], [[0.6]], [0.8], { testSamples: S, temperature: 3 });
    const { probs } = head.predictive(features(2, 4), { argmax: true });
    const [q] = await read(exactSigmoid(tf.tensor2d([[0.4]]), tf.tensor2d([[1]]), 'normal').probs); // sd = 1
    const p = await read(probs);
    expect(probs.shape).toEqual([2, 2]);
    expect(Math.abs(p[1]! - q!)).toBeLessThan(5 * Math.sqrt((q! * (1 - q!)) / S));
    expect(Math.abs(p[0]! + p[1]! - 1)).toBeLessThan(1e-6);
  });

  it('parameter-efficient loadings are diag(h W_v + b_v) V0', async () => {
    const head = new MCSigmoidDenseFA({
      numOutputs: 3,
      numFactors: 2,
      parameterEfficient: true,
      seed: 2,
    });
    const h = features(4, 5);
    head.apply(h);
    const kernel = head.weights.find((w) => w.originalName.endsWith('/factorKernel'))!.read();
    const bias = head.weights.find((w) => w.originalName.endsWith('/factorBias'))!.read();
    const v0 = head.weights.find((w) => w.originalName.endsWith('/factorLoadingsKernel'))!.read();
    expect(kernel.shape).toEqual([D, 3]);
    expect(v0.shape).toEqual([3, 2]);
    const v = tf.add(tf.matMul(h, kernel), bias); // [4, 3]
    const expected = tf.mul(tf.expandDims(v, 2), tf.expandDims(v0, 0)); // [4, 3, 1] * [1, 3, 2]
    expect(await maxAbsDiff(head.factorLoadings(h), expected)).toBeLessThan(1e-6);
  });

  it('trains on correlated multi-label data and round-trips through save / load', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 8,
          activation: 'relu',
          kernelInitializer: initializers.glorotUniform({ seed: 5 }),
        }),
        new MCSigmoidDenseFA({
          numOutputs: 3,
          numFactors: 1,
          parameterEfficient: true,
          temperature: 0.5,
          trainSamples: 16,
          testSamples: 32,
          seed: 6,
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: binaryLogitNll });
    const x = features(64, 7);
    // Labels 0 and 1 share a noisy latent (x0 + noise); label 2 is x1 > 0.
    const shared = tf.add(
      tf.slice(x, [0, 0], [64, 1]),
      tf.randomNormal([64, 1], 0, 0.5, 'float32', 8),
    );
    const y = tf.cast(
      tf.concat(
        [
          tf.greater(shared, 0),
          tf.greater(shared, 0.2),
          tf.greater(tf.slice(x, [0, 1], [64, 1]), 0),
        ],
        1,
      ),
      'float32',
    );
    const history = await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! - 0.1);
    const handler = memoryHandler();
    await model.save(handler);
    const loaded = await loadLayersModel(handler);
    expect(loaded.layers[1]).toBeInstanceOf(MCSigmoidDenseFA);
    expect(loaded.layers[1]!.getConfig()).toMatchObject({
      numOutputs: 3,
      numFactors: 1,
      parameterEfficient: true,
      temperature: 0.5,
      seed: 6,
    });
    expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(0);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 4 })).toThrow(
      'MCSigmoidDenseFA: numFactors must be at most numOutputs (3), got 4',
    );
    expect(() => new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 0 })).toThrow('numFactors');
    expect(() => new MCSigmoidDenseFA({ numOutputs: 3 } as never)).toThrow('numFactors');
    expect(() => new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 1, noise: 'logistic' })).toThrow(
      'MCSigmoidDenseFA: noise must be \'normal\' (the factor model is Gaussian), got "logistic"',
    );
    expect(
      () => new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 1, parameterEfficient: 1 as never }),
    ).toThrow('parameterEfficient');
    const head = new MCSigmoidDenseFA({ numOutputs: 3, numFactors: 1 });
    head.apply(features(2, 1));
    expect(() => head.apply(tf.ones([2, D + 1]))).toThrow('MCSigmoidDenseFA');
    expect(() => head.predictive(features(2, 1))).toThrow(
      'MCSigmoidDenseFA.predictive: numOutputs',
    );
  });

  it('leaks no tensors over repeated predict and fit steps', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 4,
          kernelInitializer: initializers.glorotUniform({ seed: 1 }),
        }),
        new MCSigmoidDenseFA({
          numOutputs: 2,
          numFactors: 2,
          trainSamples: 10,
          testSamples: 10,
          maxSamplesInMemory: 4,
          seed: 2,
        }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: binaryLogitNll });
    const x = features(6, 3);
    const y = tf.tensor2d([
      [1, 0],
      [0, 0],
      [1, 1],
      [0, 1],
      [1, 1],
      [1, 0],
    ]);
    const run = async () => {
      (model.predict(x) as tf.Tensor).dispose();
      await model.trainOnBatch(x, y);
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
