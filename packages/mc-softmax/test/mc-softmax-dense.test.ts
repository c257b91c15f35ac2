import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  initializers,
  layers,
  loadLayersModel,
  regularizers,
  sequential,
} from '@tensorflow/tfjs-layers';
import { deriveSeed, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { noiseFamily } from '@uqjs/noise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logProbNll, MCSoftmaxDense, mcSoftmax, mcSoftmaxPredictive } from '../src/index.js';
import { argmaxFrequencies, expectValueCheck, maxAbsDiff, read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

const D = 4;
const K = 3;

function features(rows: number, seed = 1): tf.Tensor {
  return tf.randomNormal([rows, D], 0, 1, 'float32', seed);
}

function built(
  args: Partial<ConstructorParameters<typeof MCSoftmaxDense>[0]> = {},
): MCSoftmaxDense {
  const layer = new MCSoftmaxDense({
    numClasses: K,
    trainSamples: 30,
    testSamples: 40,
    seed: 5,
    ...args,
  });
  layer.apply(features(2)); // builds the weights
  return layer;
}

/** An in-memory IOHandler: `model.save(handler)` then `loadLayersModel(handler)`. */
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

describe('MCSoftmaxDense: what it computes', () => {
  it('projects loc = h W + b and scale = softplus(h W_s + b_s) + minScale', async () => {
    const layer = built({ minScale: 0.01 });
    const h = features(5);
    const [locKernel, locBias, scaleKernel, scaleBias] = layer.getWeights();
    const { loc, scale } = layer.locScale(h);
    expect(await maxAbsDiff(loc, tf.add(tf.matMul(h, locKernel!), locBias!))).toBeLessThan(1e-6);
    const expectedScale = tf.add(tf.softplus(tf.add(tf.matMul(h, scaleKernel!), scaleBias!)), 0.01);
    expect(await maxAbsDiff(scale, expectedScale)).toBeLessThan(1e-6);
    const abs = built({ scaleActivation: 'abs', minScale: 0 });
    const [, , absKernel, absBias] = abs.getWeights();
    const absScale = abs.locScale(h).scale;
    expect(
      await maxAbsDiff(absScale, tf.abs(tf.add(tf.matMul(h, absKernel!), absBias!))),
    ).toBeLessThan(1e-6);
  });

  it('outputs mcSoftmax log-probabilities: testSamples and a fixed seed in inference', async () => {
    const layer = built({ temperature: 0.7 });
    const h = features(6);
    const { loc, scale } = layer.locScale(h);
    const expected = mcSoftmax(loc, scale, {
      temperature: 0.7,
      numSamples: 40,
      seed: deriveSeed(5, 'test'),
    });
    const out = layer.apply(h) as tf.Tensor;
    expect(out.shape).toEqual([6, K]);
    expect(await maxAbsDiff(out, expected.logProbs)).toBeLessThan(1e-6);
    // Inference is deterministic: the same noise every call.
    expect(await maxAbsDiff(layer.apply(h) as tf.Tensor, out)).toBe(0);
  });

  it('draws trainSamples with fresh, reproducible noise per training call', async () => {
    const layer = built();
    const h = features(6);
    const { loc, scale } = layer.locScale(h);
    const first = layer.apply(h, { training: true }) as tf.Tensor;
    const second = layer.apply(h, { training: true }) as tf.Tensor;
    const call = (i: number) =>
      mcSoftmax(loc, scale, { numSamples: 30, seed: deriveSeed(5, 'train', i) }).logProbs;
    expect(await maxAbsDiff(first, call(0))).toBeLessThan(1e-6);
    expect(await maxAbsDiff(second, call(1))).toBeLessThan(1e-6);
    expect(await maxAbsDiff(first, second)).toBeGreaterThan(1e-4);
  });

  it('learns a bounded temperature', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 8,
          activation: 'relu',
          kernelInitializer: initializers.glorotUniform({ seed: 2 }),
        }),
        new MCSoftmaxDense({
          numClasses: K,
          temperature: { learned: true, min: 0.2, max: 3 },
          trainSamples: 20,
          seed: 6,
        }),
      ],
    });
    const head = model.layers[1] as MCSoftmaxDense;
    expect((await read(head.temperatureValue() as tf.Tensor))[0]).toBeCloseTo(1.6, 5); // the midpoint
    model.compile({ optimizer: tf.train.adam(0.05), loss: logProbNll });
    const x = features(32, 3);
    const y = tf.oneHot(tf.argMax(tf.slice(x, [0, 0], [32, K]), -1), K);
    await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
    const tau = (await read(head.temperatureValue() as tf.Tensor))[0]!;
    expect(tau).not.toBeCloseTo(1.6, 3); // the gradient reached it
    expect(tau).toBeGreaterThan(0.2);
    expect(tau).toBeLessThan(3);
  });

  it('projects the last axis of inputs with extra middle axes', async () => {
    const layer = built();
    const h = tf.randomNormal([2, 5, D], 0, 1, 'float32', 4);
    const out = layer.apply(h) as tf.Tensor;
    expect(out.shape).toEqual([2, 5, K]);
    expect(layer.computeOutputShape([null, 5, D])).toEqual([null, 5, K]);
    const rows = layer.apply(tf.reshape(h, [10, D])) as tf.Tensor;
    expect(await maxAbsDiff(tf.reshape(out, [10, K]), rows)).toBeLessThan(1e-6);
  });
});

describe('MCSoftmaxDense: serialization', () => {
  it('round-trips through model.save / loadLayersModel with identical predictions', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 8,
          activation: 'relu',
          kernelInitializer: initializers.glorotUniform({ seed: 2 }),
        }),
        new MCSoftmaxDense({
          numClasses: K,
          noise: 'logistic',
          temperature: { learned: true, min: 0.1, max: 2, initial: 0.5 },
          trainSamples: 20,
          testSamples: 50,
          maxSamplesInMemory: 16,
          scaleActivation: 'abs',
          minScale: 0.05,
          computeVariance: true,
          seed: 9,
          kernelInitializer: initializers.heNormal({ seed: 3 }),
          scaleBiasInitializer: 'ones',
          kernelRegularizer: regularizers.l2({ l2: 0.01 }),
        }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: logProbNll });
    await model.fit(
      features(16, 7),
      tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), K),
      {
        epochs: 1,
        verbose: 0,
      },
    );
    const handler = memoryHandler();
    await model.save(handler);
    const loaded = await loadLayersModel(handler);
    const x = features(10, 8);
    expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(0);
    const head = loaded.layers[1] as MCSoftmaxDense;
    expect(head).toBeInstanceOf(MCSoftmaxDense);
    const config = head.getConfig();
    expect(config).toMatchObject({
      numClasses: K,
      noise: 'logistic',
      temperature: { learned: true, min: 0.1, max: 2, initial: 0.5 },
      trainSamples: 20,
      testSamples: 50,
      maxSamplesInMemory: 16,
      scaleActivation: 'abs',
      minScale: 0.05,
      computeVariance: true,
      seed: 9,
      scaleBiasInitializer: { className: 'Ones' },
      kernelRegularizer: { className: 'L1L2' },
    });
    // JSON only: the config survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('without a seed, derives a fixed one from the layer name (so loading keeps predictions)', async () => {
    const model = sequential({
      layers: [new MCSoftmaxDense({ inputShape: [D], numClasses: K, testSamples: 30 })],
    });
    expect(model.layers[0]!.getConfig().seed).toBeUndefined();
    const handler = memoryHandler();
    await model.save(handler);
    const loaded = await loadLayersModel(handler);
    const x = features(4, 9);
    expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(0);
  });
});

describe('logProbNll', () => {
  const logProbs = () =>
    tf.log(
      tf.tensor2d([
        [0.7, 0.2, 0.1],
        [0.1, 0.3, 0.6],
      ]),
    );

  it('is -log p[label] for sparse [B], sparse [B, 1] and one-hot labels', async () => {
    const expected = [-Math.log(0.7), -Math.log(0.3)];
    for (const labels of [
      tf.tensor1d([0, 1], 'int32'),
      tf.tensor2d([[0], [1]]),
      tf.tensor2d([
        [1, 0, 0],
        [0, 1, 0],
      ]),
    ]) {
      (await read(logProbNll(labels, logProbs()))).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 6);
      });
    }
  });

  it('rejects labels out of range and mismatched shapes', () => {
    // Label values are checked by a read-back (skipped on webgpu); shapes everywhere.
    expectValueCheck(
      () => logProbNll(tf.tensor1d([0, 3]), logProbs()),
      'logProbNll: yTrue must be integer class labels in [0, 2], got "a label outside that range"',
    );
    expectValueCheck(() => logProbNll(tf.tensor1d([0, 1.5]), logProbs()), 'integer class labels');
    expect(() => logProbNll(tf.tensor1d([0, 1, 2]), logProbs())).toThrow(
      'logProbNll: yTrue must be of shape [2], [2, 1] or [2, 3], got [3]',
    );
    expect(() => logProbNll(tf.tensor2d([[0, 1]]), logProbs())).toThrow('logProbNll: yTrue');
    expect(() => logProbNll(tf.tensor1d([0, 1]), tf.tensor1d([0, 1]))).toThrow(
      'logProbNll: yPred must be of rank >= 2 ([B, K]), got [2]',
    );
  });
});

describe('mcSoftmaxPredictive', () => {
  it('gives probs equal to exp(model.predict) and the sample variance', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 6,
          kernelInitializer: initializers.glorotUniform({ seed: 2 }),
        }),
        new MCSoftmaxDense({ numClasses: K, testSamples: 40, seed: 11 }),
      ],
    });
    const x = features(70, 12); // three batches of 32, 32 and 6
    const predictive = mcSoftmaxPredictive(model, x, { computeVariance: true });
    expect(await maxAbsDiff(predictive.probs, tf.exp(model.predict(x) as tf.Tensor))).toBeLessThan(
      1e-6,
    );
    const head = model.layers[1] as MCSoftmaxDense;
    const h = tf.slice(model.layers[0]!.apply(x) as tf.Tensor, 0, 32);
    const { loc, scale } = head.locScale(h);
    const direct = mcSoftmax(loc, scale, {
      numSamples: 40,
      seed: deriveSeed(11, 'test'),
      computeVariance: true,
    });
    expect(await maxAbsDiff(tf.slice(predictive.variance!, 0, 32), direct.variance!)).toBeLessThan(
      1e-6,
    );
    // The head alone, given features.
    const fromHead = mcSoftmaxPredictive(head, h);
    expect(await maxAbsDiff(fromHead.probs, direct.probs)).toBeLessThan(1e-6);
    expect(fromHead.variance).toBeUndefined();
  });

  it('argmax: true gives the exact model, the frequencies of argmax_c z_c on the same samples', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 6,
          kernelInitializer: initializers.glorotUniform({ seed: 2 }),
        }),
        new MCSoftmaxDense({ numClasses: K, testSamples: 40, temperature: 2, seed: 11 }),
      ],
    });
    const x = features(20, 12);
    const exact = mcSoftmaxPredictive(model, x, { argmax: true, computeVariance: true });
    const head = model.layers[1] as MCSoftmaxDense;
    const { loc, scale } = head.locScale(model.layers[0]!.apply(x) as tf.Tensor);
    // The independent computation: the same noise (inference seed, testSamples), one-hot of the
    // argmax of loc + scale * u, averaged over samples; the temperature plays no part.
    const u = noiseFamily('normal').sampleStandard([40, 20, K], deriveSeed(11, 'test'));
    const latents = tf.add(loc, tf.mul(scale, u));
    const frequencies = await argmaxFrequencies(latents); // [40, 20, K] -> [20, K]
    expect(await maxAbsDiff(exact.probs, frequencies)).toBeLessThan(1e-6);
    // Multiples of 1/40, and far from the smoothed tau = 2 probabilities.
    for (const p of await read(tf.mul(exact.probs, 40)))
      expect(Math.abs(p - Math.round(p))).toBeLessThan(1e-4);
    const smooth = mcSoftmaxPredictive(model, x);
    expect(await maxAbsDiff(exact.probs, smooth.probs)).toBeGreaterThan(0.05);
    // The variance of a 0/1 outcome with mean P.
    expect(
      await maxAbsDiff(exact.variance!, tf.mul(frequencies, tf.sub(1, frequencies))),
    ).toBeLessThan(1e-6);
    // The head's own predictive takes the option too.
    const fromHead = head.predictive(model.layers[0]!.apply(x) as tf.Tensor, { argmax: true });
    expect(await maxAbsDiff(fromHead.probs, frequencies)).toBeLessThan(1e-6);
    expect(() => head.predictive(tf.ones([2, 6]), { argmax: 1 as unknown as boolean })).toThrow(
      'MCSoftmaxDense.predictive: opts.argmax must be a boolean, got 1',
    );
  });

  it('fails clearly on NaN results and frees what it made', () => {
    const head = built();
    const h = features(40, 3);
    const locKernel = head.getWeights()[0]!;
    head.setWeights([tf.fill(locKernel.shape, Number.NaN), ...head.getWeights().slice(1)]);
    const before = tf.memory().numTensors;
    // The finiteness check reads back (skipped on webgpu, where the result is returned).
    expectValueCheck(
      () => mcSoftmaxPredictive(head, h),
      'mcSoftmaxPredictive: modelOrHead must be a model whose predictive probabilities are finite (NaN or infinite weights?), got "NaN or infinite probabilities"',
    );
    expectValueCheck(
      () => mcSoftmaxPredictive(head, h, { computeVariance: true }),
      InvalidArgumentError,
    );
    expect(tf.memory().numTensors).toBe(before);
    // NaN features are rejected by the head, after a first good batch: nothing leaks either.
    const good = built();
    const x = tf.concat([features(32, 4), tf.fill([8, D], Number.NaN)]);
    const start = tf.memory().numTensors;
    expectValueCheck(
      () => mcSoftmaxPredictive(good, x),
      'MCSoftmaxDense.predictive: features must be free of NaN, got NaN',
    );
    expect(tf.memory().numTensors).toBe(start);
    expect(() => mcSoftmaxPredictive(good, x, null as unknown as object)).toThrow(
      'mcSoftmaxPredictive: opts must be an options object (or undefined), got null',
    );
  });

  it('rejects models that do not end in a Monte Carlo head', () => {
    const plain = sequential({ layers: [layers.dense({ inputShape: [D], units: K })] });
    expect(() => mcSoftmaxPredictive(plain, features(2))).toThrow(
      'mcSoftmaxPredictive: modelOrHead must be a model whose last layer is a heteroscedastic head (e.g. MCSoftmaxDense), got "Dense"',
    );
    expect(() => new MCSoftmaxDense({ numClasses: K }).predictive(features(2))).toThrow(
      'MCSoftmaxDense.predictive',
    );
  });
});

describe('MCSoftmaxDense: hygiene and bad arguments', () => {
  it('leaks no tensors over repeated predict, fit steps and predictive calls', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 6,
          kernelInitializer: initializers.glorotUniform({ seed: 2 }),
        }),
        new MCSoftmaxDense({
          numClasses: K,
          trainSamples: 12,
          testSamples: 12,
          maxSamplesInMemory: 5,
          temperature: { learned: true, min: 0.5, max: 2 },
          seed: 13,
        }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: logProbNll });
    const x = features(8, 14);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), K);
    const logProbs = tf.log(tf.fill([8, K], 1 / K));
    const sparse = tf.argMax(y, -1);
    const run = async () => {
      (model.predict(x) as tf.Tensor).dispose();
      logProbNll(sparse, logProbs).dispose(); // sparse labels: the checked path
      await model.trainOnBatch(x, y);
      const p = mcSoftmaxPredictive(model, x, { computeVariance: true });
      p.probs.dispose();
      p.variance?.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad arguments, naming them', () => {
    const make = (args: Record<string, unknown>) => () =>
      new MCSoftmaxDense({ numClasses: K, ...args } as ConstructorParameters<
        typeof MCSoftmaxDense
      >[0]);
    expect(make({ numClasses: 1 })).toThrow(
      'MCSoftmaxDense: numClasses must be an integer >= 2, got 1',
    );
    expect(make({ temperature: 0 })).toThrow(
      'MCSoftmaxDense: temperature must be a finite number > 0, got 0',
    );
    expect(make({ temperature: { learned: true, min: 2, max: 1 } })).toThrow(
      'MCSoftmaxDense: temperature.max must be > min (2), got 1',
    );
    expect(make({ temperature: { learned: true, min: 0.5, max: 1, initial: 1 } })).toThrow(
      'temperature.initial',
    );
    expect(make({ temperature: 'hot' })).toThrow(
      'MCSoftmaxDense: temperature must be a number > 0 or',
    );
    expect(make({ trainSamples: 0 })).toThrow(
      'MCSoftmaxDense: trainSamples must be an integer >= 1, got 0',
    );
    expect(make({ testSamples: -1 })).toThrow('MCSoftmaxDense: testSamples');
    expect(make({ maxSamplesInMemory: 0.5 })).toThrow('MCSoftmaxDense: maxSamplesInMemory');
    expect(make({ scaleActivation: 'relu' })).toThrow(
      `MCSoftmaxDense: scaleActivation must be one of 'softplus', 'abs', got "relu"`,
    );
    expect(make({ noise: 'cauchy' })).toThrow(
      `MCSoftmaxDense: noise must be one of 'normal', 'logistic', 'gumbel'`,
    );
    expect(make({ seed: -1 })).toThrow('MCSoftmaxDense: seed must be an integer seed');
    expect(make({ minScale: -0.1 })).toThrow(
      'MCSoftmaxDense: minScale must be a finite number >= 0, got -0.1',
    );
    expect(make({ computeVariance: 'yes' })).toThrow(
      'MCSoftmaxDense: computeVariance must be a boolean',
    );
    expect(make({ kernelInitializer: 'noSuchInitializer' })).toThrow(
      'MCSoftmaxDense: kernelInitializer must be',
    );
    expect(make({ kernelRegularizer: 'l2' })).toThrow('MCSoftmaxDense: kernelRegularizer must be');
    expect(() => new MCSoftmaxDense({ numClasses: K }).apply(tf.ones([3]))).toThrow();
    expect(() => new MCSoftmaxDense(null as unknown as { numClasses: number })).toThrow(
      'MCSoftmaxDense: numClasses must be an integer >= 2, got undefined',
    );
  });

  it('checks its input in build and call: shape errors name the layer, NaN is an error', async () => {
    const layer = built(); // built for D = 4 features
    const wrongSize = tf.ones([2, D + 1]);
    const cases: [() => unknown, string][] = [
      [
        () => layer.apply(wrongSize),
        `MCSoftmaxDense.call: inputs must be of shape [B, ..., ${D}] (rank >= 2, the ${D} features the layer was built for), got [2, ${D + 1}]`,
      ],
      [
        () => layer.apply(tf.ones([D])),
        `MCSoftmaxDense.call: inputs must be of shape [B, ..., ${D}] (rank >= 2, the ${D} features the layer was built for), got [${D}]`,
      ],
      [
        () => layer.predictive(wrongSize),
        `MCSoftmaxDense.predictive: features must be of shape [B, ..., ${D}]`,
      ],
      [
        () => layer.locScale(wrongSize),
        `MCSoftmaxDense.locScale: features must be of shape [B, ..., ${D}]`,
      ],
      [
        () => new MCSoftmaxDense({ numClasses: K }).apply(tf.ones([3])),
        'MCSoftmaxDense: inputShape must be of rank >= 2 with a known last axis ([B, ..., D]), got [3]',
      ],
      [
        // A symbolic input of another feature size, after the layer was built.
        () => layer.apply(layers.input({ shape: [D + 2] })),
        `MCSoftmaxDense: inputShape must be [B, ..., ${D}] (the layer was built for ${D} features), got [null, ${D + 2}]`,
      ],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
    expectValueCheck(
      () => layer.apply(tf.tensor2d([[1, Number.NaN, 0, 0]])),
      'MCSoftmaxDense.call: inputs must be free of NaN, got NaN',
    );
    expect(() => layer.apply(wrongSize)).toThrow(ShapeError);
    expect(() => layer.apply(tf.ones([D]))).toThrow(ShapeError);
    // checkValues: false skips the read-back (and lets NaN through, as documented).
    const unchecked = built({ checkValues: false });
    expect(
      (await read(unchecked.apply(tf.tensor2d([[1, Number.NaN, 0, 0]])) as tf.Tensor))[0],
    ).toBeNaN();
    expect(unchecked.getConfig().checkValues).toBe(false);
  });
});
