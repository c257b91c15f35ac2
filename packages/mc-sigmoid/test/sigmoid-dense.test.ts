import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { deriveSeed, ShapeError } from '@uqjs/core';
import { mcSoftmaxPredictive } from '@uqjs/mc-softmax';
import { noiseFamily } from '@uqjs/noise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  binaryLogitNll,
  ExactSigmoidDense,
  exactSigmoid,
  MCSigmoidDense,
  mcSigmoid,
} from '../src/index.js';
import { expectValueCheck, maxAbsDiff, read } from './helpers.js';

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

/** log P(y = 1) - log P(y = 0) from `[..., 2]` log-probabilities. */
function logit(logProbs: tf.Tensor): tf.Tensor {
  const [zero, one] = tf.unstack(logProbs, logProbs.rank - 1);
  return tf.sub(one!, zero!);
}

describe('MCSigmoidDense', () => {
  it('outputs the predictive logit of mcSigmoid: inference seed, testSamples', async () => {
    const head = new MCSigmoidDense({ numOutputs: 3, temperature: 0.5, testSamples: 80, seed: 1 });
    const h = features(5, 2);
    const out = head.apply(h) as tf.Tensor;
    expect(out.shape).toEqual([5, 3]);
    const { loc, scale } = head.locScale(h);
    const expected = mcSigmoid(loc, scale, {
      temperature: 0.5,
      numSamples: 80,
      seed: deriveSeed(1, 'test'),
    });
    expect(await maxAbsDiff(out, logit(expected.logProbs))).toBeLessThan(1e-5);
    // sigmoid(logit) = P(y = 1) because P(y = 0) + P(y = 1) = 1.
    expect(await maxAbsDiff(tf.sigmoid(out), expected.probs)).toBeLessThan(1e-6);
  });

  it('at a small temperature approaches ExactSigmoidDense with the same weights', async () => {
    const mc = new MCSigmoidDense({
      numOutputs: 2,
      temperature: 0.01,
      testSamples: 20_000,
      seed: 3,
    });
    const exact = new ExactSigmoidDense({ numOutputs: 2, seed: 3 });
    const h = features(4, 4);
    mc.apply(h);
    exact.apply(h);
    exact.setWeights(mc.getWeights());
    const pMc = await read(tf.sigmoid(mc.apply(h) as tf.Tensor));
    const pExact = await read(tf.sigmoid(exact.apply(h) as tf.Tensor));
    pMc.forEach((p, i) => {
      // SE = sqrt(q (1 - q) / 20000) <= 0.0036: 5 SE, plus 0.005 for tau = 0.01 smoothing.
      const q = pExact[i]!;
      expect(Math.abs(p - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / 20_000) + 0.005);
    });
  });

  it('trains with binaryLogitNll and round-trips through save / load with identical predictions', async () => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 8,
          activation: 'relu',
          kernelInitializer: initializers.glorotUniform({ seed: 5 }),
        }),
        new MCSigmoidDense({
          numOutputs: 1,
          noise: 'gumbel',
          temperature: { learned: true, min: 0.1, max: 2 },
          trainSamples: 20,
          testSamples: 50,
          scaleActivation: 'abs',
          seed: 6,
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: binaryLogitNll });
    const x = features(64, 7);
    const y = tf.cast(tf.greater(tf.slice(x, [0, 0], [64, 1]), 0), 'float32');
    const history = await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! - 0.1);
    const handler = memoryHandler();
    await model.save(handler);
    const loaded = await loadLayersModel(handler);
    expect(loaded.layers[1]).toBeInstanceOf(MCSigmoidDense);
    expect(loaded.layers[1]!.getConfig()).toMatchObject({
      numOutputs: 1,
      noise: 'gumbel',
      scaleActivation: 'abs',
      seed: 6,
    });
    expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBe(0);
    // The two-class Predictive: [P(y = 0), P(y = 1)], through the generic helper.
    const predictive = mcSoftmaxPredictive(model, x, { computeVariance: true });
    expect(predictive.probs.shape).toEqual([64, 2]);
    expect(predictive.variance!.shape).toEqual([64, 2]);
    const pOne = tf.slice(predictive.probs, [0, 1], [64, 1]);
    expect(await maxAbsDiff(pOne, tf.sigmoid(model.predict(x) as tf.Tensor))).toBeLessThan(1e-6);
  });

  it('predictive({ argmax: true }) is the exact model: the frequency of y* > 0 on the same samples', async () => {
    const head = new MCSigmoidDense({ temperature: 2, testSamples: 50, seed: 3 });
    const h = features(30, 4);
    head.apply(h);
    const { loc, scale } = head.locScale(h);
    // Independently: the same noise (inference seed, testSamples), thresholded at 0.
    const u = noiseFamily('normal').sampleStandard([50, 30, 1], deriveSeed(3, 'test'));
    // [y* > 0] as tf.step (1 above 0, else 0): a cast of the bool would be relabelled, not
    // converted, by tfjs-backend-webgpu 4.22, whose Transpose in the mean over samples rejects it.
    const positive = tf.mean(tf.step(tf.add(loc, tf.mul(scale, u))), 0);
    const exact = head.predictive(h, { argmax: true, computeVariance: true });
    expect(exact.probs.shape).toEqual([30, 2]);
    const pOne = tf.slice(exact.probs, [0, 1], [30, 1]);
    expect(await maxAbsDiff(pOne, positive)).toBeLessThan(1e-6);
    expect(
      await maxAbsDiff(
        tf.slice(exact.variance!, [0, 1], [30, 1]),
        tf.mul(positive, tf.sub(1, positive)),
      ),
    ).toBeLessThan(1e-6);
    // The smoothed tau = 2 predictive is a different number.
    expect(
      await maxAbsDiff(tf.slice(head.predictive(h).probs, [0, 1], [30, 1]), positive),
    ).toBeGreaterThan(0.05);
    // Through mcSoftmaxPredictive, and on the closed-form head (exact either way).
    expect(
      await maxAbsDiff(mcSoftmaxPredictive(head, h, { argmax: true }).probs, exact.probs),
    ).toBeLessThan(1e-6);
    const closed = new ExactSigmoidDense({ seed: 5 });
    closed.apply(h);
    expect(
      await maxAbsDiff(closed.predictive(h, { argmax: true }).probs, closed.predictive(h).probs),
    ).toBe(0);
    expect(() => head.predictive(h, { argmax: 'yes' as unknown as boolean })).toThrow(
      'MCSigmoidDense.predictive: opts.argmax must be a boolean, got "yes"',
    );
  });

  it('checks its input in build and call: shape errors name the layer, NaN is an error', () => {
    for (const head of [
      new MCSigmoidDense({ testSamples: 10, seed: 1 }),
      new ExactSigmoidDense({ seed: 1 }),
    ]) {
      const name = head.getClassName();
      head.apply(features(2, 1)); // built for D = 4
      const shapeMessage = (method: string, argument: string, shape: string) =>
        `${name}.${method}: ${argument} must be of shape [B, ..., ${D}] (rank >= 2, the ${D} features the layer was built for), got ${shape}`;
      expect(() => head.apply(tf.ones([2, D + 1]))).toThrow(
        shapeMessage('call', 'inputs', `[2, ${D + 1}]`),
      );
      expect(() => head.apply(tf.ones([D]))).toThrow(shapeMessage('call', 'inputs', `[${D}]`));
      expect(() => head.apply(tf.ones([D]))).toThrow(ShapeError);
      expect(() => head.predictive(tf.ones([2, D + 1]))).toThrow(
        shapeMessage('predictive', 'features', `[2, ${D + 1}]`),
      );
      expectValueCheck(
        () => head.apply(tf.tensor2d([[0, Number.NaN, 0, 0]])),
        `${name}.call: inputs must be free of NaN, got NaN`,
      );
      expect(() => head.apply(layers.input({ shape: [D + 2] }))).toThrow(
        `${name}: inputShape must be [B, ..., ${D}] (the layer was built for ${D} features), got [null, ${D + 2}]`,
      );
    }
    expect(() => new MCSigmoidDense({}).apply(tf.ones([3]))).toThrow(
      'MCSigmoidDense: inputShape must be of rank >= 2 with a known last axis ([B, ..., D]), got [3]',
    );
  });

  it('rejects bad arguments and multi-output Predictives', () => {
    expect(() => new MCSigmoidDense({ numOutputs: 0 })).toThrow(
      'MCSigmoidDense: numOutputs must be an integer >= 1, got 0',
    );
    expect(() => new MCSigmoidDense({ temperature: -1 })).toThrow(
      'MCSigmoidDense: temperature must be a finite number > 0, got -1',
    );
    const head = new MCSigmoidDense({ numOutputs: 2, testSamples: 10 });
    head.apply(features(2, 8));
    expect(() => head.predictive(features(2, 8))).toThrow(
      'MCSigmoidDense.predictive: numOutputs must be 1 for a two-class Predictive',
    );
  });
});

describe('ExactSigmoidDense', () => {
  it.each([
    'normal',
    'logistic',
    'gumbel',
  ] as const)('%s: outputs the exact logit and serializes', async (noise) => {
    const model = sequential({
      layers: [
        layers.dense({
          inputShape: [D],
          units: 6,
          kernelInitializer: initializers.glorotUniform({ seed: 9 }),
        }),
        new ExactSigmoidDense({ numOutputs: 2, noise, seed: 10 }),
      ],
    });
    const x = features(7, 11);
    const head = model.layers[1] as ExactSigmoidDense;
    const { loc, scale } = head.locScale(model.layers[0]!.apply(x) as tf.Tensor);
    const expected = exactSigmoid(loc, scale, noise);
    const out = model.predict(x) as tf.Tensor;
    expect(await maxAbsDiff(out, logit(expected.logProbs))).toBeLessThan(1e-5);
    const handler = memoryHandler();
    await model.save(handler);
    const loaded = await loadLayersModel(handler);
    expect(loaded.layers[1]).toBeInstanceOf(ExactSigmoidDense);
    expect(await maxAbsDiff(loaded.predict(x) as tf.Tensor, out)).toBe(0);
  });

  it('rejects a scale that can be zero', () => {
    expect(() => new ExactSigmoidDense({ scaleActivation: 'abs', minScale: 0 })).toThrow(
      "ExactSigmoidDense: minScale must be > 0 with scaleActivation 'abs'",
    );
  });
});

describe('binaryLogitNll', () => {
  it('is -log P(y) of the logit, with [B, O] or [B] labels and soft labels', async () => {
    const logits = tf.tensor2d([[2], [2], [-1]]);
    const expected = [
      Math.log1p(Math.exp(-2)),
      Math.log1p(Math.exp(2)),
      0.5 * Math.log1p(Math.exp(1)) + 0.5 * Math.log1p(Math.exp(-1)),
    ];
    for (const labels of [tf.tensor2d([[1], [0], [0.5]]), tf.tensor1d([1, 0, 0.5])]) {
      (await read(binaryLogitNll(labels, logits))).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 5);
      });
    }
    // Averaged over outputs.
    const two = await read(binaryLogitNll(tf.tensor2d([[1, 0]]), tf.tensor2d([[2, 2]])));
    expect(two[0]).toBeCloseTo((expected[0]! + expected[1]!) / 2, 5);
  });

  it('accepts the [B, ..., O] outputs MCSigmoidDense gives for inputs with extra axes', async () => {
    const head = new MCSigmoidDense({ numOutputs: 2, testSamples: 20, seed: 6 });
    const h = tf.randomNormal([3, 5, D], 0, 1, 'float32', 7); // [B, H, D]
    const out = head.apply(h) as tf.Tensor; // [B, H, O]
    expect(out.shape).toEqual([3, 5, 2]);
    const y = tf.cast(tf.greater(tf.randomUniform([3, 5, 2], 0, 1, 'float32', 8), 0.5), 'float32');
    const loss = binaryLogitNll(y, out);
    expect(loss.shape).toEqual([3, 5]);
    // Independently: -log P(y) from P(y = 1) = sigmoid(logit), averaged over the outputs.
    const p = await read(tf.sigmoid(out));
    const labels = await read(y);
    (await read(loss)).forEach((value, i) => {
      let sum = 0;
      for (let o = 0; o < 2; o++) {
        const q = p[2 * i + o]!;
        sum -= labels[2 * i + o]! === 1 ? Math.log(q) : Math.log(1 - q);
      }
      expect(value).toBeCloseTo(sum / 2, 4);
    });
    // With one output the labels may drop the output axis, as for [B, 1].
    const single = tf.randomNormal([3, 5, 1], 0, 1, 'float32', 9);
    const labels1 = tf.ones([3, 5]);
    expect(
      await maxAbsDiff(binaryLogitNll(labels1, single), binaryLogitNll(tf.ones([3, 5, 1]), single)),
    ).toBe(0);
  });

  it('rejects bad labels and shapes', () => {
    const logits = tf.tensor2d([[2, 1]]);
    expectValueCheck(
      () => binaryLogitNll(tf.tensor2d([[1, 2]]), logits),
      'binaryLogitNll: yTrue must be labels in [0, 1]',
    );
    expect(() => binaryLogitNll(tf.tensor1d([1]), logits)).toThrow(
      'binaryLogitNll: yTrue must be of shape [1, 2], got [1]',
    );
    expect(() => binaryLogitNll(tf.tensor1d([1]), tf.tensor1d([1]))).toThrow(
      'binaryLogitNll: yPred must be of shape [B, ..., O] (rank >= 2), got [1]',
    );
    expect(() => binaryLogitNll(tf.ones([2, 3]), tf.ones([2, 3, 2]))).toThrow(
      'binaryLogitNll: yTrue must be of shape [2, 3, 2], got [2, 3]',
    );
  });
});

describe('binary heads: hygiene', () => {
  it('leak no tensors over repeated predict, fit steps and predictive calls', async () => {
    const build = (head: layers.Layer) => {
      const model = sequential({
        layers: [
          layers.dense({
            inputShape: [D],
            units: 4,
            kernelInitializer: initializers.glorotUniform({ seed: 12 }),
          }),
          head,
        ],
      });
      model.compile({ optimizer: 'adam', loss: binaryLogitNll });
      return model;
    };
    const models = [
      build(
        new MCSigmoidDense({ trainSamples: 10, testSamples: 10, maxSamplesInMemory: 4, seed: 13 }),
      ),
      build(new ExactSigmoidDense({ seed: 14 })),
    ];
    const x = features(6, 15);
    const y = tf.tensor2d([[1], [0], [1], [0], [1], [1]]);
    const logits = tf.zeros([6, 1]);
    const run = async () => {
      binaryLogitNll(y, logits).dispose();
      for (const model of models) {
        (model.predict(x) as tf.Tensor).dispose();
        await model.trainOnBatch(x, y);
        const p = mcSoftmaxPredictive(model, x);
        p.probs.dispose();
        p.variance?.dispose();
      }
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
