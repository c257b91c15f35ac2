import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { meanFieldLogits } from '../src/index.js';
import { expectNoLeak, normals, onWebgpu, SKIPPED_ON_WEBGPU } from './helpers.js';

describe('meanFieldLogits', () => {
  const logits = tf.tensor2d(normals(12, 1, 3), [4, 3]);
  const variance = tf.tensor1d([0, 0.5, 2, 40]);

  it('is logits / sqrt(1 + lambda * variance), with lambda = pi / 8 by default', async () => {
    const z = await logits.data();
    const v = await variance.data();
    for (const lambda of [undefined, 0.3, 0]) {
      const out = await meanFieldLogits(logits, variance, lambda).data();
      const l = lambda ?? Math.PI / 8;
      for (let b = 0; b < 4; b++) {
        for (let k = 0; k < 3; k++) {
          expect(out[b * 3 + k]).toBeCloseTo(z[b * 3 + k]! / Math.sqrt(1 + l * v[b]!), 5);
        }
      }
    }
  });

  it('takes per-class variances [B, K]', async () => {
    const perClass = tf.tensor2d(normals(12, 2).map(Math.abs), [4, 3]);
    const out = await meanFieldLogits(logits, perClass, 1).data();
    const z = await logits.data();
    const v = await perClass.data();
    for (let i = 0; i < 12; i++) expect(out[i]).toBeCloseTo(z[i]! / Math.sqrt(1 + v[i]!), 5);
  });

  it('matches the probit approximation E[sigmoid(z)] for two classes (MC check)', async () => {
    // softmax([0, m / sqrt(1 + pi/8 s)])[1] ~ E[sigmoid(z)], z ~ N(m, s): the classic
    // probit approximation, accurate to ~0.02 (MacKay, 1992). 20000 draws: SE < 0.004.
    const m = 1.5;
    const s = 2;
    const z = tf.add(tf.mul(tf.randomNormal([20000], 0, 1, 'float32', 3), Math.sqrt(s)), m);
    const mc = (await tf.mean(tf.sigmoid(z)).data())[0]!;
    const adjusted = meanFieldLogits(tf.tensor2d([[0, m]]), tf.tensor1d([s]));
    const approx = (await tf.softmax(adjusted).data())[1]!;
    expect(Math.abs(approx - mc)).toBeLessThan(0.02);
    const plain = (await tf.sigmoid(tf.scalar(m)).data())[0]!;
    expect(Math.abs(plain - mc)).toBeGreaterThan(0.03); // the adjustment matters here
  });

  it('returns (a copy of) the logits unchanged when lambda = 0', async () => {
    const out = meanFieldLogits(logits, variance, 0);
    expect(out).not.toBe(logits);
    expect(Array.from(await out.data())).toEqual(Array.from(await logits.data()));
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => meanFieldLogits(tf.ones([3]), variance)).toThrow(
      'meanFieldLogits: logits must be of rank 2, got [3]',
    );
    expect(() => meanFieldLogits(logits, tf.ones([5]))).toThrow(
      'meanFieldLogits: variance must be of shape [4], got [5]',
    );
    expect(() => meanFieldLogits(logits, tf.ones([4, 2]))).toThrow(ShapeError);
    expect(() => meanFieldLogits(logits, variance, Number.NaN)).toThrow(
      'meanFieldLogits: lambda must be a finite number, got NaN',
    );
    expect(() => meanFieldLogits(logits, variance, -1)).toThrow(
      'meanFieldLogits: lambda must be a finite number >= 0 (0 returns the logits unchanged), got -1',
    );
  });

  it('rejects negative or NaN variances, naming them', (ctx) => {
    ctx.skip(onWebgpu(), SKIPPED_ON_WEBGPU);
    expect(() => meanFieldLogits(logits, tf.tensor1d([1, -0.5, 2, 0]))).toThrow(
      'meanFieldLogits: variance must be all >= 0 (variances), got -0.5',
    );
    expect(() => meanFieldLogits(logits, tf.tensor1d([1, Number.NaN, 2, 0]))).toThrow(
      'meanFieldLogits: variance must be all >= 0 (variances), got NaN',
    );
  });

  it('does not leak tensors', () => {
    expectNoLeak(() => meanFieldLogits(logits, variance));
    expectNoLeak(() => meanFieldLogits(logits, variance, 0));
  });
});
