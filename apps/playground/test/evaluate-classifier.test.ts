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
    result = await evaluateClassifier(twoMembers, task, 12);
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
