import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { evaluateClassifier, predictPoints } from '../src/evaluate-classifier.js';
import type { Classifier } from '../src/methods/index.js';
import type { ClassificationResult } from '../src/protocol.js';
import { type ClassificationTask, makeTask } from '../src/tasks.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** Entropy in nats of the two-class distribution [p, 1 - p]. */
const h2 = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));

/**
 * A classifier with two members known in closed form, depending on the first coordinate u:
 * member 0 says P(class 0) = sigmoid(u), member 1 says sigmoid(2u).
 */
const twoMembers: Classifier = {
  usableWhenStopped: true,
  fit: async () => ({ epochsDone: 0, stopped: false }),
  predict(x) {
    return tf.tidy(() => {
      // [N, 2] -> [N] first coordinates.
      const u = tf.squeeze(tf.slice(x, [0, 0], [-1, 1]), [1]);
      const member = (p: tf.Tensor) => tf.stack([p, tf.sub(1, p)], 1);
      const members = tf.stack([member(tf.sigmoid(u)), member(tf.sigmoid(tf.mul(2, u)))]);
      return { probs: tf.mean(members, 0) as tf.Tensor2D, members: members as tf.Tensor3D };
    });
  },
  dispose() {},
};

/** Closed-form decomposition at first coordinate u. */
function expected(u: number) {
  const [p, q] = [sigmoid(u), sigmoid(2 * u)];
  const total = h2((p + q) / 2);
  const aleatoric = (h2(p) + h2(q)) / 2;
  return { total, aleatoric, epistemic: total - aleatoric };
}

/** Conformal options of the evaluations (their sets are tested in conformal-split.test.ts). */
const CONFORMAL = { method: 'lac', alpha: 0.1, seed: 0 } as const;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('predictPoints', () => {
  test('decomposes the entropy of the members as in closed form', async () => {
    const x = new Float32Array([-2, 0, 0.5, 9, 1.5, -1]);
    const { probs, decomposition } = await predictPoints(twoMembers, x);
    [-2, 0.5, 1.5].forEach((u, i) => {
      const want = expected(u);
      expect(decomposition.total[i]).toBeCloseTo(want.total, 5);
      expect(decomposition.aleatoric[i]).toBeCloseTo(want.aleatoric, 5);
      expect(decomposition.epistemic[i]).toBeCloseTo(want.epistemic, 5);
      expect(probs[2 * i]).toBeCloseTo((sigmoid(u) + sigmoid(2 * u)) / 2, 6);
    });
  });

  test('leaves no tensor behind', async () => {
    const x = new Float32Array([1, 2, 3, 4]);
    await predictPoints(twoMembers, x);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await predictPoints(twoMembers, x);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('evaluateClassifier', () => {
  const task = makeTask('moons', 0) as ClassificationTask;
  let result: ClassificationResult;
  beforeAll(async () => {
    result = await evaluateClassifier(twoMembers, task, 12, CONFORMAL);
  });

  test('evaluates the grid over the window, x fastest', () => {
    expect(result.total.length).toBe(144);
    expect(result.probs.length).toBe(288);
    // Grid point i has first coordinate xs[i % 12], xs evenly spaced over [-3.5, 3.5].
    for (const i of [0, 5, 17, 143]) {
      const u = -3.5 + (7 * (i % 12)) / 11;
      expect(result.total[i]).toBeCloseTo(expected(u).total, 5);
      expect(result.epistemic[i]).toBeCloseTo(expected(u).epistemic, 5);
    }
  });

  test('summarizes training, held-out and OOD points by their mean uncertainty', () => {
    const at = (x: Float32Array, key: 'total' | 'aleatoric' | 'epistemic') =>
      mean(Array.from({ length: x.length / 2 }, (_, i) => expected(x[2 * i]!)[key]));
    expect(result.summary.train.total).toBeCloseTo(at(task.train.x, 'total'), 5);
    expect(result.summary.heldOut.aleatoric).toBeCloseTo(at(task.heldOut.x, 'aleatoric'), 5);
    expect(result.summary.ood!.epistemic).toBeCloseTo(at(task.ood!.x, 'epistemic'), 5);
  });

  test('scores the held-out split: class 0 is predicted where u > 0', () => {
    const hits = Array.from(task.heldOut.y, (label, i) =>
      (task.heldOut.x[2 * i]! > 0 ? 0 : 1) === label ? 1 : 0,
    );
    expect(result.heldOut.accuracy).toBeCloseTo(mean(hits), 9);
    expect(result.heldOut.nll).toBeGreaterThan(0);
    expect(result.reliabilitySvg.startsWith('<svg')).toBe(true);
    expect(result.reliabilitySvg).toContain('Held-out reliability');
  });
});

describe('a learned confidence', () => {
  /** twoMembers plus a confidence known in closed form: c = sigmoid(v), v the second coordinate. */
  const confident: Classifier = {
    ...twoMembers,
    predict(x) {
      const prediction = twoMembers.predict(x);
      // [N, 2] -> [N] second coordinates.
      const confidence = tf.tidy(() => tf.sigmoid(tf.squeeze(tf.slice(x, [0, 1], [-1, 1]), [1])));
      return { ...prediction, confidence: confidence as tf.Tensor1D };
    },
  };
  const task = makeTask('moons', 0) as ClassificationTask;

  test('is evaluated on the grid and at the training, held-out and OOD points', async () => {
    const result = await evaluateClassifier(confident, task, 12, CONFORMAL);
    const { confidence } = result;
    expect(confidence).not.toBeNull();
    expect(confidence!.grid.length).toBe(144);
    // Grid point i has second coordinate ys[floor(i / 12)], evenly spaced over [-2.5, 2.5].
    for (const i of [0, 13, 100, 143]) {
      expect(confidence!.grid[i]).toBeCloseTo(sigmoid(-2.5 + (5 * Math.floor(i / 12)) / 11), 6);
    }
    const at = (x: Float32Array) =>
      mean(Array.from({ length: x.length / 2 }, (_, i) => sigmoid(x[2 * i + 1]!)));
    expect(confidence!.train).toBeCloseTo(at(task.train.x), 5);
    expect(confidence!.heldOut).toBeCloseTo(at(task.heldOut.x), 5);
    expect(confidence!.ood).toBeCloseTo(at(task.ood!.x), 5);
    // The uncertainty panels are those of the members, as without a confidence.
    expect(result.total[17]).toBeCloseTo(expected(-3.5 + (7 * 5) / 11).total, 5);
  });

  test('is null for a method without one, and predictPoints frees it', async () => {
    expect((await evaluateClassifier(twoMembers, task, 8, CONFORMAL)).confidence).toBeNull();
    const x = new Float32Array([1, 2, 3, 4]);
    await predictPoints(confident, x);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await predictPoints(confident, x);
    expect(tf.memory().numTensors).toBe(before);
  });
});
