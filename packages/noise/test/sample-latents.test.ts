import '@tensorflow/tfjs-layers'; // registers the gradients of tfjs-core ops
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkTensorValues, NOISE_KINDS, noiseFamily, sampleLatents } from '../src/index.js';

/**
 * `f` throws `message` where checkTensorValues reads values back, and throws nothing on webgpu,
 * where it cannot read back synchronously and checks only that the input is a tensor (as its
 * JSDoc states).
 */
function expectValueCheck(f: () => unknown, message: string): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(f).toThrow(message);
    return;
  }
  expect(() => {
    const out = f();
    if (out instanceof tf.Tensor) out.dispose();
  }).not.toThrow();
}

describe('sampleLatents', () => {
  it.each(
    NOISE_KINDS,
  )('%s: equals loc + scale * sampleStandard, with shape [S, ...loc.shape]', async (kind) => {
    const loc = tf.tensor2d([
      [0, 1, -2],
      [3, 0.5, 0],
    ]);
    const scale = tf.tensor2d([
      [1, 0.5, 0],
      [2, 1, 3],
    ]);
    const z = sampleLatents(loc, scale, 4, kind, 9);
    expect(z.shape).toEqual([4, 2, 3]);
    const u = noiseFamily(kind).sampleStandard([4, 2, 3], 9);
    const expected = tf.add(loc, tf.mul(scale, u));
    const maxError = tf.max(tf.abs(tf.sub(z, expected)));
    expect((await maxError.data())[0]).toBeLessThan(1e-6);
    tf.dispose([loc, scale, z, u, expected, maxError]);
  });

  it('has the moments of the location-scale member', async () => {
    const loc = tf.tensor1d([1.5]);
    const scale = tf.tensor1d([2]);
    const n = 50_000;
    const draws = sampleLatents(loc, scale, n, 'gumbel', 3);
    const z = Array.from(await draws.data());
    draws.dispose();
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const family = noiseFamily('gumbel');
    // E = loc + scale * gamma; Var = scale^2 pi^2 / 6. SE(mean) = sqrt(Var / n) = 0.0115;
    // SE(var) = Var sqrt((kurtosis - 1) / n) = 0.061 (kurtosis 5.4). 5 SE.
    const trueVar = 4 * family.variance;
    expect(Math.abs(mean - (1.5 + 2 * family.mean))).toBeLessThan(5 * Math.sqrt(trueVar / n));
    expect(Math.abs(variance - trueVar)).toBeLessThan(5 * trueVar * Math.sqrt(4.4 / n));
    tf.dispose([loc, scale]);
  });

  it('is reparameterized: gradients are S for loc and sum_s u_s for scale', async () => {
    const loc = tf.tensor1d([0.2, -0.4]);
    const scale = tf.tensor1d([1.3, 0.7]);
    const [dLoc, dScale] = tf.grads((l: tf.Tensor, s: tf.Tensor) =>
      tf.sum(sampleLatents(l, s, 5, 'normal', 21)),
    )([loc, scale]);
    const u = noiseFamily('normal').sampleStandard([5, 2], 21);
    expect(Array.from(await dLoc!.data())).toEqual([5, 5]);
    const sumUTensor = tf.sum(u, 0);
    const sumU = await sumUTensor.data();
    const got = await dScale!.data();
    expect(Math.abs(got[0]! - sumU[0]!)).toBeLessThan(1e-5);
    expect(Math.abs(got[1]! - sumU[1]!)).toBeLessThan(1e-5);
    tf.dispose([loc, scale, dLoc!, dScale!, u, sumUTensor]);
  });

  it('is deterministic in the seed and leaks nothing', async () => {
    const loc = tf.zeros([3]);
    const scale = tf.ones([3]);
    const a = sampleLatents(loc, scale, 2, 'logistic', 4);
    const b = sampleLatents(loc, scale, 2, 'logistic', 4);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([a, b]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) sampleLatents(loc, scale, 2, 'logistic', i).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([loc, scale]);
  });

  it('rejects bad inputs, naming the argument', () => {
    const loc = tf.zeros([2, 3]);
    const scale = tf.ones([2, 3]);
    expect(() => sampleLatents(loc, tf.ones([3, 2]), 2, 'normal', 1)).toThrow(
      'sampleLatents: scale must be of the same shape as loc ([2, 3]), got [3, 2]',
    );
    expect(() => sampleLatents(loc, scale, 0, 'normal', 1)).toThrow(
      'sampleLatents: numSamples must be an integer >= 1, got 0',
    );
    expect(() => sampleLatents(loc, scale, 2, 'cauchy' as 'normal', 1)).toThrow(
      `sampleLatents: kind must be one of 'normal', 'logistic', 'gumbel', got "cauchy"`,
    );
    expect(() => sampleLatents(loc, scale, 2, 'normal', 1.5)).toThrow('sampleLatents: seed');
    const negative = tf.tensor2d([
      [1, 1, 1],
      [1, -0.5, 1],
    ]);
    expectValueCheck(
      () => sampleLatents(loc, negative, 2, 'normal', 1),
      'sampleLatents: scale must be >= 0 everywhere, got -0.5',
    );
    const nan = tf.tensor2d([
      [1, 1, 1],
      [1, Number.NaN, 1],
    ]);
    expectValueCheck(
      () => sampleLatents(loc, nan, 2, 'normal', 1),
      'sampleLatents: scale must be free of NaN, got NaN',
    );
    expectValueCheck(
      () => sampleLatents(nan, scale, 2, 'normal', 1),
      'sampleLatents: loc must be free of NaN, got NaN',
    );
    const infinite = tf.fill([2, 3], Number.POSITIVE_INFINITY);
    expectValueCheck(
      () => sampleLatents(infinite, scale, 2, 'normal', 1),
      'sampleLatents: loc must be finite, got Infinity',
    );
    infinite.dispose();
    expect(() => sampleLatents('x' as unknown as tf.Tensor, scale, 2, 'normal', 1)).toThrow(
      'sampleLatents: loc must be a tf.Tensor',
    );
    tf.dispose([loc, scale, negative, nan]);
  });
});

describe('checkTensorValues', () => {
  it('accepts finite values and reports NaN, Infinity and negatives (not on webgpu: no read-back)', () => {
    const ok = tf.tensor1d([0, 2]);
    expect(() => checkTensorValues(ok, 'loc', 'f', { nonNegative: true })).not.toThrow();
    const inf = tf.tensor1d([0, Infinity]);
    expectValueCheck(
      () => checkTensorValues(inf, 'loc', 'f'),
      'f: loc must be finite, got Infinity',
    );
    const neg = tf.tensor1d([-1, 2]);
    expect(() => checkTensorValues(neg, 'loc', 'f')).not.toThrow();
    expectValueCheck(
      () => checkTensorValues(neg, 'scale', 'f', { nonNegative: true }),
      'f: scale must be >= 0 everywhere, got -1',
    );
    tf.dispose([ok, inf, neg]);
  });

  it('finds one bad value among many, puts NaN before Infinity, passes huge finite values, keeps no tensors', () => {
    const values = new Float32Array(128 * 1024).map((_, i) => Math.sin(i));
    const huge = tf.tensor2d(
      values.map((v) => v * 3e38),
      [128, 1024],
    ); // finite, near float32's max
    const before = tf.memory().numTensors;
    expect(() => checkTensorValues(huge, 'x', 'f')).not.toThrow();
    const cases: [number, string][] = [
      [Number.NEGATIVE_INFINITY, 'f: x must be finite, got Infinity'],
      [Number.POSITIVE_INFINITY, 'f: x must be finite, got Infinity'],
      [Number.NaN, 'f: x must be free of NaN, got NaN'],
    ];
    for (const [bad, message] of cases) {
      const copy = values.slice();
      copy[77_777] = bad;
      const x = tf.tensor2d(copy, [128, 1024]);
      expectValueCheck(() => checkTensorValues(x, 'x', 'f', { nonNegative: true }), message);
      x.dispose();
    }
    const both = tf.tensor1d([Number.POSITIVE_INFINITY, -1, Number.NaN]);
    expectValueCheck(
      () => checkTensorValues(both, 'x', 'f', { nonNegative: true }),
      'f: x must be free of NaN, got NaN',
    );
    const ints = tf.tensor1d([3, -2], 'int32');
    expectValueCheck(
      () => checkTensorValues(ints, 'x', 'f', { nonNegative: true }),
      'f: x must be >= 0 everywhere, got -2',
    );
    tf.dispose([both, ints]);
    expect(tf.memory().numTensors).toBe(before);
    huge.dispose();
  });
});
