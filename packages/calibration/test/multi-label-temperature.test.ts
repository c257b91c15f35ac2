import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { MultiLabelTemperature } from '../src/index.js';
import { sigmoid } from './helpers.js';

describe('MultiLabelTemperature', () => {
  it('recovers the temperature of each output from data simulated with it', async () => {
    // Output l: logits z ~ N(0, 3^2), labels ~ Bernoulli(sigmoid(z / T_l)). The MLE of
    // beta = 1 / T has asymptotic std 1 / sqrt(I), I = sum_i z_i^2 s_i (1 - s_i) (the Fisher
    // information at the true beta); the test allows 4 of them.
    const trueT = [0.5, 1, 2.5];
    const n = 3000;
    const rng = new Rng(1);
    const logits: number[][] = [];
    const labels: number[][] = [];
    for (let i = 0; i < n; i++) {
      const z = trueT.map(() => 3 * rng.normal());
      logits.push(z);
      labels.push(z.map((v, l) => (rng.uniform() < sigmoid(v / trueT[l]!) ? 1 : 0)));
    }
    const fit = await MultiLabelTemperature.fit(logits, labels);
    expect(fit.hitBound).toEqual([null, null, null]);
    trueT.forEach((t, l) => {
      let info = 0;
      for (const z of logits) {
        const s = sigmoid(z[l]! / t);
        info += z[l]! ** 2 * s * (1 - s);
      }
      const se = 1 / Math.sqrt(info);
      expect(Math.abs(1 / fit.temperatures[l]! - 1 / t)).toBeLessThan(4 * se);
    });
    const out = await fit.apply([[1, 2, -3]]);
    [1, 2, -3].forEach((z, l) => {
      expect(out[0]![l]).toBeCloseTo(sigmoid(z / fit.temperatures[l]!), 12);
    });
  });

  it('has zero NLL slope at the fit', async () => {
    const rng = new Rng(2);
    const z = Array.from({ length: 200 }, () => 2 * rng.normal());
    const y = z.map((v) => (rng.uniform() < sigmoid(0.7 * v) ? 1 : 0));
    const fit = await MultiLabelTemperature.fit(z, y);
    const beta = 1 / fit.temperatures[0]!;
    // d/dbeta mean_i [softplus(beta z_i) - y_i beta z_i] = mean_i (sigmoid(beta z_i) - y_i) z_i.
    const slope = z.reduce((s, v, i) => s + (sigmoid(beta * v) - y[i]!) * v, 0) / z.length;
    expect(Math.abs(slope)).toBeLessThan(1e-9);
  });

  it('clamps to the bounds for separated or anti-correlated outputs', async () => {
    const z = [
      [-2, -2],
      [-1, -1],
      [1, 1],
      [2, 2],
    ];
    const y = [
      [0, 1],
      [0, 1],
      [1, 0],
      [1, 0],
    ];
    const fit = await MultiLabelTemperature.fit(z, y, { minTemperature: 0.05, maxTemperature: 20 });
    expect(fit.temperatures).toEqual([0.05, 20]);
    expect(fit.hitBound).toEqual(['lower', 'upper']);
  });

  it('takes tensors, returns a tensor, leaks none, and round-trips through JSON', async () => {
    const z = tf.tensor2d([
      [2, -1],
      [-3, 1],
      [1, 2],
      [0.5, -0.5],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 0],
      [0, 1],
      [1, 1],
    ]);
    const fit = await MultiLabelTemperature.fit(z, y);
    const before = tf.memory().numTensors;
    const out = await fit.apply(z);
    expect(out.shape).toEqual([4, 2]);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const back = MultiLabelTemperature.fromJSON(JSON.parse(JSON.stringify(fit)));
    expect(back.temperatures).toEqual(fit.temperatures);
    expect(() =>
      MultiLabelTemperature.fromJSON({ kind: 'multi-label-temperature', temperatures: [1, -2] }),
    ).toThrow(/numbers > 0/);
    tf.dispose([z, y]);
  });
});
