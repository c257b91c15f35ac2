import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussianNll, gaussianParams, laplaceNll, laplaceParams } from '../src/index.js';
import { read, readArray, readScalar } from './helpers.js';

const softplus = (r: number) => Math.log1p(Math.exp(r));
const eps = 1e-6;
// Rows (mu, raw dispersion) and targets.
const rows = [
  [0.5, -1],
  [-2, 0],
  [3, 2.5],
];
const ys = [1, -2.5, 0];

describe('gaussianParams / laplaceParams', () => {
  it('split [B, 2] into the mean and softplus(raw) + eps', async () => {
    const out = tf.tensor2d(rows);
    const g = gaussianParams(out);
    const l = laplaceParams(out, { eps: 0.01 });
    expect(await read(g.mean)).toEqual([0.5, -2, 3]);
    (await read(g.variance)).forEach((v, i) => {
      expect(v).toBeCloseTo(softplus(rows[i]![1]!) + eps, 5);
    });
    (await read(l.scale)).forEach((b, i) => {
      expect(b).toBeCloseTo(softplus(rows[i]![1]!) + 0.01, 5);
    });
    (await read(l.variance)).forEach((v, i) => {
      expect(v).toBeCloseTo(2 * (softplus(rows[i]![1]!) + 0.01) ** 2, 4);
    });
    tf.dispose([out, g.mean, g.variance, l.mean, l.scale, l.variance]);
  });

  it('rejects null options with a clear error, not a TypeError', () => {
    const two = tf.zeros([4, 2]);
    expect(() => gaussianParams(two, null as never)).toThrow(
      'gaussianParams: options must be an object { eps? }, got null',
    );
    expect(() => laplaceNll(tf.zeros([4]), two, null as never)).toThrow(
      'laplaceNll: options must be an object { eps? }, got null',
    );
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [[{ eps: 1 }], two]) {
      expect(() => gaussianParams(two, bad as never)).toThrow(
        /^gaussianParams: options must be an object \{ eps\? \}, got /,
      );
      expect(() => laplaceNll(tf.zeros([4]), two, bad as never)).toThrow(
        /^laplaceNll: options must be an object \{ eps\? \}, got /,
      );
    }
    two.dispose();
  });

  it('rejects outputs that are not [B, 2] and eps <= 0', () => {
    const three = tf.zeros([4, 3]);
    expect(() => gaussianParams(three)).toThrow(
      'gaussianParams: output must be of shape [B, 2] (mean, raw dispersion), got [4, 3]',
    );
    const two = tf.zeros([4, 2]);
    expect(() => laplaceParams(two, { eps: 0 })).toThrow(
      'laplaceParams: options.eps must be a finite number > 0, got 0',
    );
    tf.dispose([three, two]);
  });
});

describe('gaussianNll', () => {
  it('equals the closed form mean of 0.5 log(2 pi s2) + (y - mu)^2 / (2 s2)', async () => {
    const expected =
      rows.reduce((acc, [mu, r], i) => {
        const s2 = softplus(r!) + eps;
        return acc + 0.5 * Math.log(2 * Math.PI * s2) + (ys[i]! - mu!) ** 2 / (2 * s2);
      }, 0) / rows.length;
    const out = tf.tensor2d(rows);
    const y = tf.tensor1d(ys);
    expect(await readScalar(gaussianNll(y, out))).toBeCloseTo(expected, 5);
    // [B, 1] targets are accepted too.
    const y2 = tf.tensor2d(ys, [3, 1]);
    expect(await readScalar(gaussianNll(y2, out))).toBeCloseTo(expected, 5);
    tf.dispose([out, y, y2]);
  });

  it('has the analytic gradients d/dmu = -(y - mu) / (B s2) and d/dr = sigmoid(r) (1/(2 s2) - (y - mu)^2/(2 s2^2)) / B', async () => {
    const out = tf.tensor2d(rows);
    const y = tf.tensor1d(ys);
    const g = await readArray<number[][]>(tf.grad((o: tf.Tensor) => gaussianNll(y, o))(out));
    rows.forEach(([mu, r], i) => {
      const s2 = softplus(r!) + eps;
      const sig = 1 / (1 + Math.exp(-r!));
      const d = ys[i]! - mu!;
      expect(g[i]![0]).toBeCloseTo(-d / s2 / 3, 5);
      expect(g[i]![1]).toBeCloseTo((sig * (1 / (2 * s2) - (d * d) / (2 * s2 * s2))) / 3, 5);
    });
    tf.dispose([out, y]);
  });

  it('is minimized over the variance at s2 = (y - mu)^2', async () => {
    // For one row with y - mu = 2, scan raw values: the NLL is smallest where softplus(r) = 4.
    const rStar = Math.log(Math.exp(4) - 1);
    const y = tf.tensor1d([2]);
    const nllAt = async (r: number) => {
      const out = tf.tensor2d([[0, r]]);
      const v = await readScalar(gaussianNll(y, out));
      out.dispose();
      return v;
    };
    expect(await nllAt(rStar)).toBeLessThan(await nllAt(rStar - 0.3));
    expect(await nllAt(rStar)).toBeLessThan(await nllAt(rStar + 0.3));
    y.dispose();
  });

  it('rejects targets that do not match the output rows', () => {
    const out = tf.zeros([3, 2]);
    const y = tf.zeros([4]);
    expect(() => gaussianNll(y, out)).toThrow(
      'gaussianNll: yTrue must be of shape [3] or [3, 1] (one target per row of output), got [4]',
    );
    tf.dispose([out, y]);
  });
});

describe('laplaceNll', () => {
  it('equals the closed form mean of log(2 b) + |y - mu| / b', async () => {
    const expected =
      rows.reduce((acc, [mu, r], i) => {
        const b = softplus(r!) + eps;
        return acc + Math.log(2 * b) + Math.abs(ys[i]! - mu!) / b;
      }, 0) / rows.length;
    const out = tf.tensor2d(rows);
    const y = tf.tensor1d(ys);
    expect(await readScalar(laplaceNll(y, out))).toBeCloseTo(expected, 5);
    tf.dispose([out, y]);
  });

  it('is minimized over the scale at b = |y - mu|', async () => {
    const rStar = Math.log(Math.exp(3) - 1); // softplus(rStar) = 3 = |y - mu|
    const y = tf.tensor1d([-3]);
    const nllAt = async (r: number) => {
      const out = tf.tensor2d([[0, r]]);
      const v = await readScalar(laplaceNll(y, out));
      out.dispose();
      return v;
    };
    expect(await nllAt(rStar)).toBeLessThan(await nllAt(rStar - 0.3));
    expect(await nllAt(rStar)).toBeLessThan(await nllAt(rStar + 0.3));
    y.dispose();
  });

  it('does not leak tensors', async () => {
    const out = tf.tensor2d(rows);
    const y = tf.tensor1d(ys);
    await readScalar(laplaceNll(y, out));
    await readScalar(gaussianNll(y, out));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await readScalar(laplaceNll(y, out));
      await readScalar(gaussianNll(y, out));
      const p = laplaceParams(out);
      tf.dispose([p.mean, p.scale, p.variance]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([out, y]);
  });
});
