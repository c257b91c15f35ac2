import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { input, loadLayersModel, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { deriveSeed, InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { mcSoftmax, mcSoftmaxFactor } from '@uqjs/mc-softmax';
import { describe, expect, it } from 'vitest';
import { MCSoftmaxPixelHead, type MCSoftmaxPixelHeadArgs, upsampleLogProbs } from '../src/index.js';

const D = 6;
const K = 5;

/** Features `[B, H, W, D]` with seeded normal values. */
function features(batch: number, height: number, width: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const n = batch * height * width * D;
  return tf.tensor4d(
    Float32Array.from({ length: n }, () => rng.normal()),
    [batch, height, width, D],
  );
}

function built(args: Partial<MCSoftmaxPixelHeadArgs>, height = 4, width = 4): MCSoftmaxPixelHead {
  const head = new MCSoftmaxPixelHead({ numClasses: K, numSamples: 64, seed: 11, ...args });
  head.build([null, height, width, D]);
  return head;
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  expect(a.shape).toEqual(b.shape);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

/** `x W + b` over the last axis, `[B, H, W, D]` -> `[B, H, W, units]`. */
function project(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const units = kernel.shape[1]!;
  return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, D]), kernel), bias), [
    ...x.shape.slice(0, -1),
    units,
  ]);
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

describe('MCSoftmaxPixelHead: closed forms and equivalences', () => {
  for (const numFactors of [0, 2]) {
    it(`gives softmax(loc / tau) at every pixel when the scale is zero (numFactors ${numFactors})`, async () => {
      const head = built({
        numFactors,
        temperature: 0.7,
        scaleActivation: 'abs',
        minScale: 0,
        scaleKernelInitializer: 'zeros',
        factorKernelInitializer: 'zeros',
      });
      const h = features(2, 4, 4, 1);
      const [locKernel, locBias] = head.getWeights();
      const want = tf.softmax(tf.div(project(h, locKernel!, locBias!), 0.7));
      const { probs } = head.predictive(h);
      expect(await maxAbsDiff(probs, want)).toBeLessThan(1e-5);
      tf.dispose([h, want, probs]);
    });
  }

  it('equals an independent mcSoftmax call on the same loc, scale and seed (diagonal)', async () => {
    const head = built({ temperature: 0.5, numSamples: 50, maxSamplesInMemory: 20 });
    const h = features(2, 4, 4, 2);
    const { loc, scale } = head.locScale(h);
    const want = mcSoftmax(loc, scale, {
      temperature: 0.5,
      numSamples: 50,
      seed: deriveSeed(11, 'test'),
    }).logProbs;
    const got = head.apply(h) as tf.Tensor;
    expect(got.shape).toEqual([2, 4, 4, K]);
    expect(await maxAbsDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([h, loc, scale, want, got]);
  });

  it('equals an independent mcSoftmaxFactor call (low-rank plus diagonal)', async () => {
    const head = built({ numFactors: 3, temperature: 0.8, numSamples: 40 });
    const h = features(1, 4, 4, 3);
    const weights = head.getWeights(); // loc, scale, factor (kernel, bias each)
    const { loc, scale } = head.locScale(h);
    const loadings = tf.reshape(project(h, weights[4]!, weights[5]!), [1, 4, 4, K, 3]);
    const want = mcSoftmaxFactor(loc, loadings, scale, {
      temperature: 0.8,
      numSamples: 40,
      seed: deriveSeed(11, 'test'),
    }).probs;
    const { probs } = head.predictive(h);
    expect(await maxAbsDiff(probs, want)).toBeLessThan(1e-5);
    tf.dispose([h, loc, scale, loadings, want, probs]);
  });

  it('samples at H/f x W/f and upsamples the log predictive (sampleDownsample 2)', async () => {
    const head = built({ sampleDownsample: 2, numSamples: 30 }, 8, 6);
    const h = features(2, 8, 6, 4);
    const pooled = tf.avgPool(h, 2, 2, 'valid');
    const { loc, scale } = head.locScale(pooled);
    const low = mcSoftmax(loc, scale, { numSamples: 30, seed: deriveSeed(11, 'test') }).logProbs;
    const want = upsampleLogProbs(low, [8, 6]);
    const got = head.apply(h) as tf.Tensor;
    expect(got.shape).toEqual([2, 8, 6, K]);
    expect(await maxAbsDiff(got, want)).toBeLessThan(1e-5);
    const sums = await tf.sum(tf.exp(got), -1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([h, pooled, loc, scale, low, want, got]);
  });

  it('is the plain per-pixel softmax when heteroscedastic is false', async () => {
    const head = built({ heteroscedastic: false, temperature: 2 });
    expect(head.getWeights()).toHaveLength(2); // locKernel, locBias only
    const h = features(1, 4, 4, 5);
    const [kernel, bias] = head.getWeights();
    const want = tf.logSoftmax(tf.div(project(h, kernel!, bias!), 2));
    const got = head.apply(h) as tf.Tensor;
    expect(await maxAbsDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([h, want, got]);
  });

  it('returns the variance over samples, upsampled with the probabilities', async () => {
    const head = built({ sampleDownsample: 2, numSamples: 20 });
    const h = features(1, 4, 4, 6);
    const { probs, variance } = head.predictive(h, { computeVariance: true });
    expect(variance?.shape).toEqual([1, 4, 4, K]);
    expect(Math.min(...(await variance!.data()))).toBeGreaterThanOrEqual(0);
    tf.dispose([h, probs, variance!]);
  });

  it('interpolates the exact-model frequencies (argmax) into normalized distributions', async () => {
    const head = built({ sampleDownsample: 2, numSamples: 20 });
    const h = features(1, 4, 4, 6);
    // Frequencies are multiples of 1/S at the sampling resolution, then interpolated.
    const hard = head.predictive(h, { argmax: true }).probs;
    const sums = await tf.sum(hard, -1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([h, hard]);
  });
});

describe('MCSoftmaxPixelHead: seeds, chunks, memory', () => {
  it('is deterministic by seed and independent of the chunk size', async () => {
    const h = features(1, 4, 4, 7);
    const a = built({ maxSamplesInMemory: 64 }).apply(h) as tf.Tensor;
    const b = built({ maxSamplesInMemory: 7 }).apply(h) as tf.Tensor;
    const other = built({ seed: 12 }).apply(h) as tf.Tensor;
    expect(await maxAbsDiff(a, b)).toBeLessThan(1e-5);
    expect(await maxAbsDiff(a, other)).toBeGreaterThan(1e-3);
    tf.dispose([h, a, b, other]);
  });

  it('draws fresh noise per training call and the same noise per inference call', async () => {
    const head = built({});
    const h = features(1, 4, 4, 8);
    const t1 = head.apply(h, { training: true }) as tf.Tensor;
    const t2 = head.apply(h, { training: true }) as tf.Tensor;
    const i1 = head.apply(h) as tf.Tensor;
    const i2 = head.apply(h) as tf.Tensor;
    expect(await maxAbsDiff(t1, t2)).toBeGreaterThan(1e-4);
    expect(await maxAbsDiff(i1, i2)).toBe(0);
    tf.dispose([h, t1, t2, i1, i2]);
  });

  it('keeps peak memory bounded by the chunk: it does not grow with the number of samples', async () => {
    const h = features(1, 8, 8, 12);
    const peak = async (numSamples: number, numFactors: number) => {
      const head = built({ numSamples, numFactors, maxSamplesInMemory: 8 }, 8, 8);
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(head.apply(h, { training: true }) as tf.Tensor) as tf.Scalar,
        );
        tf.dispose([value, ...Object.values(grads)]);
        const p = head.predictive(h, { computeVariance: true });
        tf.dispose([p.probs, p.variance!]);
      });
      for (const weight of head.weights) weight.dispose();
      return profile.peakBytes;
    };
    // 2 chunks vs 12 chunks of 8 samples: the same peak up to a few [B, H, W, K] totals.
    const mapBytes = 4 * 8 * 8 * K;
    for (const numFactors of [0, 2]) {
      const few = await peak(16, numFactors);
      const many = await peak(96, numFactors);
      expect(many - few).toBeLessThanOrEqual(4 * mapBytes);
    }
    h.dispose();
  });

  it('keeps no tensors across repeated calls, gradients included', () => {
    const head = built({ numFactors: 2, sampleDownsample: 2, maxSamplesInMemory: 16 });
    const h = features(1, 4, 4, 9);
    const step = () => {
      tf.dispose(head.apply(h, { training: true }) as tf.Tensor);
      const p = head.predictive(h, { computeVariance: true });
      tf.dispose([p.probs, p.variance!]);
      const { value, grads } = tf.variableGrads(
        () => tf.neg(tf.mean(head.apply(h, { training: true }) as tf.Tensor)) as tf.Scalar,
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    h.dispose();
  });
});

describe('MCSoftmaxPixelHead: serialization', () => {
  it('round-trips through model.save / loadLayersModel with identical predictions', async () => {
    const x = input({ shape: [4, 4, D] });
    const head = new MCSoftmaxPixelHead({
      numClasses: K,
      numFactors: 2,
      sampleDownsample: 2,
      numSamples: 16,
      temperature: { learned: true, min: 0.1, max: 2 },
      seed: 4,
    });
    const net = model({ inputs: x, outputs: head.apply(x) as SymbolicTensor });
    const h = features(2, 4, 4, 10);
    const before = net.predict(h) as tf.Tensor;
    const handler = memoryHandler();
    await net.save(handler);
    const loaded = await loadLayersModel(handler);
    const after = loaded.predict(h) as tf.Tensor;
    expect(await maxAbsDiff(after, before)).toBe(0);
    const config = loaded.layers[1]!.getConfig();
    expect(config).toMatchObject({
      numClasses: K,
      numFactors: 2,
      sampleDownsample: 2,
      heteroscedastic: true,
    });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    tf.dispose([h, before, after]);
    net.dispose();
    loaded.dispose();
  });
});

describe('MCSoftmaxPixelHead: argument errors name the argument', () => {
  it('rejects bad arguments', () => {
    const make = (args: Partial<MCSoftmaxPixelHeadArgs>) => () =>
      new MCSoftmaxPixelHead({ numClasses: K, ...args } as MCSoftmaxPixelHeadArgs);
    expect(make({ numClasses: 1 })).toThrow(/numClasses/);
    expect(make({ numFactors: K + 1 })).toThrow(/numFactors/);
    expect(make({ numFactors: 1, heteroscedastic: false })).toThrow(/numFactors.*heteroscedastic/);
    expect(make({ numFactors: 1, noise: 'gumbel' })).toThrow(/noise/);
    expect(make({ sampleDownsample: 0 })).toThrow(InvalidArgumentError);
    expect(make({ sampleDownsample: 1.5 })).toThrow(/sampleDownsample/);
    expect(make({ temperature: 0 })).toThrow(/temperature/);
  });

  it('rejects inputs that are not [B, H, W, D] maps of the built size', () => {
    const head = built({ sampleDownsample: 2 });
    expect(() => head.build([null, 5, 4, D])).toThrow(ShapeError);
    expect(() => new MCSoftmaxPixelHead({ numClasses: K }).build([null, D])).toThrow(/rank 4/);
    expect(() => head.apply(tf.zeros([1, 4, 4, D + 1]))).toThrow(/MCSoftmaxPixelHead/);
    expect(() => head.apply(tf.zeros([1, 6, 5, D]))).toThrow(/multiples of sampleDownsample = 2/);
    expect(() => head.predictive(tf.zeros([4, D]))).toThrow(/features.*rank 4/);
  });

  it('rejects NaN features with checkValues, except on webgpu, which cannot read back in a call', () => {
    const head = built({});
    const nan = tf.fill([1, 4, 4, D], Number.NaN);
    if (tf.getBackend() === 'webgpu') {
      // Documented in @uqjs/noise's checkTensorValues: only the tensor itself is checked there.
      tf.dispose(head.apply(nan) as tf.Tensor);
    } else {
      expect(() => head.apply(nan)).toThrow(InvalidArgumentError);
      expect(() => head.apply(nan)).toThrow(/MCSoftmaxPixelHead.*inputs/);
    }
    nan.dispose();
  });
});
