import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { calibrateCqr, calibrateResidual } from '../src/index.js';

describe('calibrateResidual: by hand', () => {
  it('qhat is the k-th smallest |y - mu|; intervals are mu ± qhat', async () => {
    // Residuals 0.5, 1, 2, 0.25, 3: sorted 0.25, 0.5, 1, 2, 3. alpha 0.5: k = ceil(3) = 3 -> 1.
    const mu = [0, 1, 2, 3, 4];
    const y = [0.5, 0, 4, 3.25, 1];
    const cp = await calibrateResidual(mu, y, { alpha: 0.5 });
    expect(cp.threshold).toBe(1);
    expect(cp.numCalibration).toBe(5);
    const { lower, upper } = await cp.predictIntervals([10, -2]);
    expect([...lower]).toEqual([9, -3]);
    expect([...upper]).toEqual([11, -1]);
    // alpha 0.2: k = ceil(4.8) = 5, the largest residual.
    expect((await calibrateResidual(mu, y, { alpha: 0.2 })).threshold).toBe(3);
  });

  it('tensor inputs give the same intervals and leak nothing', async () => {
    const mu = tf.tensor1d([0, 1, 2, 3, 4]);
    const y = tf.tensor1d([0.5, 0, 4, 3.25, 1]);
    const test = tf.tensor1d([10, -2]);
    const before = tf.memory().numTensors;
    const cp = await calibrateResidual(mu, y, { alpha: 0.5 });
    expect([...(await cp.predictIntervals(test)).upper]).toEqual([11, -1]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mu, y, test]);
  });
});

describe('calibrateCqr: by hand', () => {
  it('scores max(lo - y, y - hi) may be negative; intervals widen or shrink by qhat', async () => {
    const lo = [0, 0, 0, 0];
    const hi = [2, 2, 2, 2];
    const y = [1, 2.5, -1, 1.8];
    // Scores: max(-1, -1) = -1, max(-2.5, 0.5) = 0.5, max(1, -3) = 1, max(-1.8, -0.2) = -0.2.
    // alpha 0.4: k = ceil(3) = 3 -> 0.5. alpha 0.8: k = 1 -> -1 (the band shrinks by 1).
    const cp = await calibrateCqr(lo, hi, y, { alpha: 0.4 });
    expect(cp.threshold).toBe(0.5);
    const { lower, upper } = await cp.predictIntervals([1, -1], [3, 0]);
    expect([...lower]).toEqual([0.5, -1.5]);
    expect([...upper]).toEqual([3.5, 0.5]);
    const shrink = await calibrateCqr(lo, hi, y, { alpha: 0.8 });
    expect(shrink.threshold).toBe(-1);
    const narrow = await shrink.predictIntervals([0], [2]);
    expect([narrow.lower[0], narrow.upper[0]]).toEqual([1, 1]);
  });
});
