import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { adaptLambda, confidenceLoss, drawHints, splitConfidence } from '../src/index.js';

// Three examples, K = 3: [logits..., confidence logit], labels, hints.
const OUTPUT = [
  [1.2, -0.3, 0.4, 0.7],
  [-0.5, 0.9, 0.1, -1.1],
  [0.3, 0.2, -0.8, 2.0],
];
const LABELS = [0, 2, 1];
const HINTS = [1, 0, 1];
const LAMBDA = 0.37;

const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));
function softmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** The loss and its gradient w.r.t. the output, by hand in float64 (see confidenceLoss's formula). */
function byHand() {
  const B = OUTPUT.length;
  let nll = 0;
  let penalty = 0;
  const grad = OUTPUT.map((row) => row.map(() => 0));
  OUTPUT.forEach((row, b) => {
    const K = row.length - 1;
    const p = softmaxRow(row.slice(0, K));
    const c = sigmoid(row[K]!);
    const y = LABELS[b]!;
    const py = p[y]!;
    penalty += -Math.log(c) / B;
    // d(-log c)/ds = -(1 - c).
    grad[b]![K]! += (LAMBDA * -(1 - c)) / B;
    if (HINTS[b] === 1) {
      const q = c * py + 1 - c;
      nll += -Math.log(q) / B;
      // d(-log q)/dl_j = -(c / q) p_y (delta_jy - p_j); d(-log q)/ds = (1 - p_y) c (1 - c) / q.
      for (let j = 0; j < K; j++) grad[b]![j]! += (-(c / q) * py * ((j === y ? 1 : 0) - p[j]!)) / B;
      grad[b]![K]! += ((1 - py) * c * (1 - c)) / q / B;
    } else {
      nll += -Math.log(py) / B;
      for (let j = 0; j < K; j++) grad[b]![j]! += (p[j]! - (j === y ? 1 : 0)) / B;
    }
  });
  return { nll, penalty, loss: nll + LAMBDA * penalty, grad };
}

function inputs() {
  const output = tf.tensor2d(OUTPUT);
  const targets = tf.tensor2d(LABELS.map((y) => [0, 1, 2].map((k) => (k === y ? 1 : 0))));
  const hints = tf.tensor1d(HINTS);
  return { output, targets, hints };
}

describe('confidenceLoss', () => {
  it('equals the hand computation (values and gradient w.r.t. the output)', async () => {
    const { output, targets, hints } = inputs();
    const value = confidenceLoss(output, targets, hints, LAMBDA);
    const grad = tf.grad((o: tf.Tensor) => confidenceLoss(o, targets, hints, LAMBDA).loss)(output);
    const expected = byHand();
    // float32 arithmetic on O(1) values: a few ulps of 1 (1.2e-7 each), far below 1e-5.
    expect((await value.nll.data())[0]).toBeCloseTo(expected.nll, 5);
    expect((await value.penalty.data())[0]).toBeCloseTo(expected.penalty, 5);
    expect((await value.loss.data())[0]).toBeCloseTo(expected.loss, 5);
    const g = (await grad.array()) as number[][];
    g.forEach((row, b) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(expected.grad[b]![j]!, 5);
      });
    });
    tf.dispose([output, targets, hints, grad, value.loss, value.nll, value.penalty]);
  });

  it('a hint with c -> 0 removes the classification loss, c -> 1 gives plain cross-entropy', async () => {
    // Logits that are badly wrong for label 0; confidence logit -30 (c ~ 1e-13) or +30.
    const targets = tf.tensor2d([[1, 0]]);
    const hint = tf.tensor1d([1]);
    const low = tf.tensor2d([[-5, 5, -30]]);
    const high = tf.tensor2d([[-5, 5, 30]]);
    const lowNll = (await confidenceLoss(low, targets, hint, 0).nll.data())[0]!;
    const highNll = (await confidenceLoss(high, targets, hint, 0).nll.data())[0]!;
    // p'_y = c p_y + 1 - c: ~1 (nll ~ 0) at c ~ 0; p_y = 1 / (1 + e^10) at c ~ 1.
    expect(lowNll).toBeLessThan(1e-6);
    expect(highNll).toBeCloseTo(Math.log(1 + Math.exp(10)), 4);
    tf.dispose([targets, hint, low, high]);
  });

  it('stays finite for extreme logits (log space for unhinted rows, softplus for -log c)', async () => {
    const output = tf.tensor2d([[-200, 200, -200]]);
    const targets = tf.tensor2d([[1, 0]]);
    const hints = tf.tensor1d([0]);
    const v = confidenceLoss(output, targets, hints, 1);
    // -log p_y = 400 exactly in log space; -log sigmoid(-200) = 200.
    expect((await v.nll.data())[0]).toBeCloseTo(400, 2);
    expect((await v.penalty.data())[0]).toBeCloseTo(200, 2);
    tf.dispose([output, targets, hints, v.loss, v.nll, v.penalty]);
  });

  it('leaves no tensor behind', () => {
    const { output, targets, hints } = inputs();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const v = confidenceLoss(output, targets, hints, LAMBDA);
      tf.dispose([v.loss, v.nll, v.penalty]);
      const g = tf.grad((o: tf.Tensor) => confidenceLoss(o, targets, hints, LAMBDA).loss)(output);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([output, targets, hints]);
  });

  it('rejects bad shapes and lambda, naming the argument', () => {
    const { output, targets, hints } = inputs();
    const short = tf.tensor1d([1, 0]);
    const wrongK = tf.tensor2d([[1, 0]]);
    expect(() => confidenceLoss(output, targets, hints, -1)).toThrow(InvalidArgumentError);
    expect(() => confidenceLoss(output, targets, hints, Number.NaN)).toThrow(/lambda/);
    expect(() => confidenceLoss(output, targets, short, 1)).toThrow(/hints/);
    expect(() => confidenceLoss(output, wrongK, hints, 1)).toThrow(ShapeError);
    expect(() => confidenceLoss(output, wrongK, hints, 1)).toThrow(/targets/);
    expect(() => splitConfidence(tf.zeros([2, 2]))).toThrow(/output/);
    tf.dispose([output, targets, hints, short, wrongK]);
  });
});

describe('splitConfidence', () => {
  it('splits [B, K + 1] into logits [B, K] and the last column [B]', async () => {
    const output = tf.tensor2d(OUTPUT);
    const { logits, confidenceLogit } = splitConfidence(output);
    expect(logits.shape).toEqual([3, 3]);
    expect(await logits.array()).toEqual(
      OUTPUT.map((row) => row.slice(0, 3).map((v) => Math.fround(v))),
    );
    expect(Array.from(await confidenceLogit.data())).toEqual(OUTPUT.map((r) => Math.fround(r[3]!)));
    tf.dispose([output, logits, confidenceLogit]);
  });
});

describe('adaptLambda', () => {
  it('multiplies by 1.01 above the budget and divides by 1.01 at or below it', () => {
    expect(adaptLambda(0.1, 0.5, 0.3)).toBeCloseTo(0.101, 12);
    expect(adaptLambda(0.1, 0.2, 0.3)).toBeCloseTo(0.1 / 1.01, 12);
    expect(adaptLambda(0.1, 0.3, 0.3)).toBeCloseTo(0.1 / 1.01, 12);
  });
});

describe('drawHints', () => {
  it('is Bernoulli(0.5) and repeats by seed', () => {
    const a = drawHints(20_000, 7);
    expect(Array.from(drawHints(20_000, 7))).toEqual(Array.from(a));
    expect(Array.from(drawHints(64, 8))).not.toEqual(Array.from(a.subarray(0, 64)));
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    const rate = a.reduce((s, v) => s + v, 0) / a.length;
    // Binomial sd sqrt(0.25 / 20000) = 0.0035; 5 sd = 0.018.
    expect(Math.abs(rate - 0.5)).toBeLessThan(0.018);
  });
});
