import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { HistogramBinning } from '../src/index.js';
import { overconfidentBinary, overconfidentMulticlass } from './helpers.js';

/** The equal-width bin of p under (lo, hi] bins with 0 in the first: ceil(p M) - 1, at least 0. */
const widthBin = (p: number, bins: number) => Math.max(0, Math.ceil(p * bins) - 1);

describe('HistogramBinning', () => {
  it('maps each probability to the frequency of positives in its equal-width bin', async () => {
    const { probs, labels } = overconfidentBinary(1, 500);
    const bins = 10;
    const fit = await HistogramBinning.fit(probs, labels, { bins });
    const positives = new Array(bins).fill(0);
    const counts = new Array(bins).fill(0);
    probs.forEach((p, i) => {
      positives[widthBin(p, bins)] += labels[i]!;
      counts[widthBin(p, bins)] += 1;
    });
    const grid = Array.from({ length: 101 }, (_, i) => i / 100);
    const out = await fit.apply(grid);
    grid.forEach((p, i) => {
      const m = widthBin(p, bins);
      expect(out[i]).toBeCloseTo(counts[m] > 0 ? positives[m] / counts[m] : (m + 0.5) / bins, 12);
    });
  });

  it('maps an empty bin to its midpoint', async () => {
    const fit = await HistogramBinning.fit([0.05, 0.95], [0, 1], { bins: 4 });
    expect(Array.from(await fit.apply([0.3, 0.6]))).toEqual([0.375, 0.625]);
  });

  it('equal-mass bins hold equally many fitting examples', async () => {
    const rng = new Rng(2);
    const probs = Array.from({ length: 300 }, () => rng.uniform());
    const labels = probs.map((p) => (rng.uniform() < p ? 1 : 0));
    const fit = await HistogramBinning.fit(probs, labels, { bins: 10, binning: 'equal-mass' });
    const { edges, values } = fit.maps[0]!;
    expect(edges).toHaveLength(11);
    for (let m = 0; m < 10; m++) {
      const inBin = probs
        .map((p, i) => ({ p, y: labels[i]! }))
        .filter(({ p }) => (m === 0 ? p <= edges[1]! : p > edges[m]! && p <= edges[m + 1]!));
      expect(inBin).toHaveLength(30);
      expect(values[m]).toBeCloseTo(inBin.reduce((s, e) => s + e.y, 0) / 30, 12);
    }
  });

  it('merges tied quantiles into one bin', async () => {
    const probs = [...Array(8).fill(0.5), 0.1, 0.9];
    const fit = await HistogramBinning.fit(probs, [1, 1, 1, 1, 0, 0, 0, 0, 0, 1], {
      bins: 5,
      binning: 'equal-mass',
    });
    // Sorted: 0.1, 0.5 (x8), 0.9; the quantile edges (ranks 2, 4, 6, 8) are all 0.5: one edge.
    expect(fit.maps[0]!.edges).toEqual([0, 0.5, 1]);
    const out = Array.from(await fit.apply([0.05, 0.5, 0.7]));
    expect(out).toEqual([4 / 9, 4 / 9, 1]);
  });

  it('calibrates [N, K] one-vs-rest with renormalized rows; tensors in and out', async () => {
    const { probs, labels } = overconfidentMulticlass(3, 400, 3);
    const fit = await HistogramBinning.fit(probs, labels, { bins: 5 });
    const test = overconfidentMulticlass(4, 30, 3).probs;
    const out = await fit.apply(test);
    test.forEach((row, i) => {
      const raw = row.map((p, k) => fit.maps[k]!.values[widthBin(p, 5)]!);
      const sum = raw.reduce((a, b) => a + b, 0);
      raw.forEach((v, k) => {
        expect(out[i]![k]).toBeCloseTo(v / sum, 12);
      });
    });
    const t = tf.tensor2d(test);
    const before = tf.memory().numTensors;
    const fromTensor = await fit.apply(t);
    const values = await fromTensor.data();
    out.flat().forEach((v, j) => {
      expect(values[j]).toBeCloseTo(v, 6);
    });
    fromTensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('round-trips through JSON and refuses corrupt JSON', async () => {
    const { probs, labels } = overconfidentMulticlass(5, 100, 3);
    const fit = await HistogramBinning.fit(probs, labels);
    const back = HistogramBinning.fromJSON(JSON.parse(JSON.stringify(fit)));
    expect(await back.apply(probs)).toEqual(await fit.apply(probs));
    const json = fit.toJSON();
    expect(() =>
      HistogramBinning.fromJSON({
        ...json,
        maps: [{ edges: [0, 0.6, 0.5, 1], values: [0, 0, 0] }, ...json.maps.slice(1)],
      }),
    ).toThrow(/edges must increase/);
    expect(() => HistogramBinning.fromJSON({ ...json, numClasses: 4 })).toThrow(
      /maps must be an array of 4/,
    );
  });
});
