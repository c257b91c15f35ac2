import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { PlattScaling } from '../src/index.js';
import { logisticGradient, logisticLoss, logit, overconfidentBinary, sigmoid } from './helpers.js';

describe('PlattScaling', () => {
  it('matches the closed-form MLE when the score takes two values', async () => {
    // s = -1: 3 of 10 positive; s = 2: 6 of 8 positive. The MLE fits each frequency exactly:
    // sigmoid(-a + b) = 0.3 and sigmoid(2a + b) = 0.75.
    const scores = [...Array(10).fill(-1), ...Array(8).fill(2)];
    const labels = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    const fit = await PlattScaling.fit(scores, labels, { input: 'logits' });
    const a = (logit(0.75) - logit(0.3)) / 3;
    expect(fit.maps[0]!.a).toBeCloseTo(a, 9);
    expect(fit.maps[0]!.b).toBeCloseTo(logit(0.3) + a, 9);
    expect(fit.diagnostics[0]).toMatchObject({ converged: true, separable: false });
  });

  it('has zero gradient and the least loss at the fit (non-separable data)', async () => {
    const { probs, labels } = overconfidentBinary(1, 400);
    const fit = await PlattScaling.fit(probs, labels);
    const { a, b } = fit.maps[0]!;
    const features = [probs.map(logit), probs.map(() => 1)];
    const gradient = logisticGradient(features, labels, [a, b]);
    gradient.forEach((g) => {
      expect(Math.abs(g)).toBeLessThan(1e-9);
    });
    const best = logisticLoss(features, labels, [a, b]);
    for (const [da, db] of [
      [0.01, 0],
      [-0.01, 0],
      [0, 0.01],
      [0, -0.01],
    ] as const) {
      expect(logisticLoss(features, labels, [a + da, b + db])).toBeGreaterThan(best);
    }
    // The model is overconfident by 2.5x in logit: the fitted slope is near 1 / 2.5.
    expect(a).toBeGreaterThan(0.25);
    expect(a).toBeLessThan(0.6);
  });

  it('flags separable data, and Platt targets give a finite MLE there', async () => {
    const scores = [-2, -1, 1, 2];
    const labels = [0, 0, 1, 1];
    const plain = await PlattScaling.fit(scores, labels, { input: 'logits' });
    expect(plain.diagnostics[0]!.separable).toBe(true);
    const out = await plain.apply(scores);
    out.forEach((p, i) => {
      expect(Math.abs(p - labels[i]!)).toBeLessThan(1e-3);
    });

    const smoothed = await PlattScaling.fit(scores, labels, { input: 'logits', targets: 'platt' });
    expect(smoothed.diagnostics[0]).toMatchObject({ converged: true, separable: false });
    // Two positives -> target 3/4, two negatives -> 1/4; gradient zero for those targets.
    const { a, b } = smoothed.maps[0]!;
    const g = logisticGradient([scores, [1, 1, 1, 1]], [0.25, 0.25, 0.75, 0.75], [a, b]);
    g.forEach((v) => {
      expect(Math.abs(v)).toBeLessThan(1e-9);
    });
    expect(b).toBeCloseTo(0, 9); // symmetric data
  });

  it('on probabilities is Platt on their logits', async () => {
    const { probs, labels } = overconfidentBinary(2, 200);
    const fromProbs = await PlattScaling.fit(probs, labels);
    const fromLogits = await PlattScaling.fit(probs.map(logit), labels, { input: 'logits' });
    expect(fromProbs.maps[0]!.a).toBeCloseTo(fromLogits.maps[0]!.a, 8);
    const p = await fromProbs.apply([0.2, 0.9]);
    const { a, b } = fromLogits.maps[0]!;
    expect(p[0]).toBeCloseTo(sigmoid(a * logit(0.2) + b), 8);
    expect(p[1]).toBeCloseTo(sigmoid(a * logit(0.9) + b), 8);
  });

  it('one-vs-rest on [N, K] logits, tensors in and out, JSON round trip, no leak', async () => {
    const rng = new Rng(3);
    const logits = Array.from({ length: 150 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    // Labels: the argmax of the logits plus noise.
    const labels = logits.map((z) => {
      const noisy = z.map((v) => v + rng.normal());
      return noisy.indexOf(Math.max(...noisy));
    });
    const z = tf.tensor2d(logits);
    const fit = await PlattScaling.fit(z, labels, { input: 'logits' });
    expect(fit.maps).toHaveLength(3);
    const before = tf.memory().numTensors;
    const out = await fit.apply(z);
    const rows = (await out.array()) as number[][];
    rows.forEach((r) => {
      expect(r.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    });
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const back = PlattScaling.fromJSON(JSON.parse(JSON.stringify(fit)));
    expect(await back.apply(logits)).toEqual(await fit.apply(logits));
    z.dispose();
  });
});
