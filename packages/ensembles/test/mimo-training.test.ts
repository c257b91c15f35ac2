import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, initializers, input, layers } from '@tensorflow/tfjs-layers';
import { deriveSeed, disposePredictive, Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { MimoHead, MimoStack, mimoBatch, mimoLoss, mimoPredict } from '../src/index.js';
import { readArray } from './helpers.js';

const M = 3;
const K = 3;

/** `n` points of three Gaussian blobs (std 0.5) centred at radius 2, 120 degrees apart. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % K;
    const angle = (2 * Math.PI * k) / K;
    xs.push(2 * Math.cos(angle) + 0.5 * rng.normal(), 2 * Math.sin(angle) + 0.5 * rng.normal());
    ys.push(k);
  }
  return { x: tf.tensor2d(xs, [n, 2]), y: tf.tensor1d(ys, 'int32') };
}

/** `n` points far from the data: uniform directions at radius 6 to 10 (the blobs reach ~3.5). */
function farPoints(n: number, seed: number) {
  const rng = new Rng(seed);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const angle = 2 * Math.PI * rng.uniform();
    const radius = 6 + 4 * rng.uniform();
    xs.push(radius * Math.cos(angle), radius * Math.sin(angle));
  }
  return tf.tensor2d(xs, [n, 2]);
}

function buildMimo(seed: number) {
  const x = input({ shape: [M, 2] });
  let h = new MimoStack().apply(x) as ReturnType<typeof input>;
  for (let i = 0; i < 2; i++) {
    h = layers
      .dense({
        units: 32,
        activation: 'relu',
        kernelInitializer: initializers.heNormal({ seed: deriveSeed(seed, 'hidden', i) }),
      })
      .apply(h) as ReturnType<typeof input>;
  }
  const out = new MimoHead({ members: M, units: K, seed: deriveSeed(seed, 'head') }).apply(h);
  return functionalModel({ inputs: x, outputs: out as never });
}

/** Trains with Adam on mimoBatch batches (a fresh batch seed per step); returns the last epoch's mean loss. */
async function train(
  model: ReturnType<typeof buildMimo>,
  x: tf.Tensor,
  y: tf.Tensor,
  seed: number,
): Promise<number> {
  const optimizer = tf.train.adam(0.01);
  const rows = x.shape[0]!;
  const batchSize = 32;
  let last = 0;
  for (let epoch = 0; epoch < 40; epoch++) {
    const order = new Rng(deriveSeed(seed, 'order', epoch)).permutation(rows);
    let total = 0;
    for (let b = 0, start = 0; start < rows; b++, start += batchSize) {
      const idx = tf.tensor1d(order.subarray(start, Math.min(rows, start + batchSize)), 'int32');
      const [xb, yb] = [tf.gather(x, idx), tf.gather(y, idx)];
      const batch = mimoBatch(xb, yb, M, { seed: deriveSeed(seed, 'batch', epoch, b) });
      const cost = optimizer.minimize(
        () => mimoLoss(batch.labels, model.apply(batch.inputs, { training: true }) as tf.Tensor),
        true,
      )!;
      total += (await cost.data())[0]! * idx.shape[0]!;
      tf.dispose([idx, xb, yb, batch.inputs, batch.labels, cost]);
    }
    last = total / rows;
  }
  optimizer.dispose();
  return last;
}

/** Mean over rows of sum_k Var_m p_m(k | x): how much the members disagree. */
async function disagreement(variance: tf.Tensor): Promise<number> {
  const rows = await readArray<number[][]>(variance);
  return rows.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0) / rows.length;
}

describe('MIMO training', () => {
  it('learns a toy with M = 3, and its members disagree off the data more than on it', async () => {
    const train0 = blobs(300, 1);
    const test = blobs(300, 2);
    const far = farPoints(300, 3);
    const model = buildMimo(4);
    const before = tf.memory().numTensors;
    const loss = await train(model, train0.x, train0.y, 5);
    expect(tf.memory().numTensors).toBe(before); // the training loop frees every step
    // The sum of 3 members' cross-entropies starts near 3 log 3 = 3.3; blobs 2 std apart
    // overlap little (Bayes error about 1%), so a trained model is far below.
    expect(loss).toBeLessThan(0.5);
    const onData = mimoPredict(model, test.x, { members: M });
    const offData = mimoPredict(model, far, { members: M });
    const probs = await readArray<number[][]>(onData.probs);
    const labels = await readArray<number[]>(test.y);
    const accuracy = probs.filter((p, i) => p.indexOf(Math.max(...p)) === labels[i]).length / 300;
    // Bayes accuracy is about 0.99; 0.95 leaves room for a small network.
    expect(accuracy).toBeGreaterThan(0.95);
    // Each member on its own is accurate too: the subnetworks are real classifiers.
    const members = await readArray<number[][][]>(onData.members!);
    for (const member of members) {
      const own = member.filter((p, i) => p.indexOf(Math.max(...p)) === labels[i]).length / 300;
      expect(own).toBeGreaterThan(0.9);
    }
    const near = await disagreement(onData.variance!);
    const away = await disagreement(offData.variance!);
    // Off the data nothing ties the subnetworks together: with these seeds the disagreement is
    // about 45 times the in-distribution one (0.023 against 0.0005); 5 times is asked.
    expect(away).toBeGreaterThan(5 * near);
    disposePredictive(onData);
    disposePredictive(offData);
    tf.dispose([train0.x, train0.y, test.x, test.y, far]);
    model.dispose();
  });
});
