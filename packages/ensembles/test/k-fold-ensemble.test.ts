import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { DeepEnsemble, kFoldEnsemble, kFoldSplit } from '../src/index.js';

/**
 * Passes its input through and, in training calls only, keeps a copy of each batch, so the
 * test can read afterwards which rows a member was trained on.
 */
class Recorder extends layers.Layer {
  static className = 'KFoldTestRecorder';
  readonly seen: tf.Tensor[] = [];
  record = false;
  override computeOutputShape(shape: (number | null)[]): (number | null)[] {
    return shape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (this.record && kwargs.training === true) this.seen.push(tf.keep(x.clone()));
    return x.clone();
  }
}

/** Rows of x: [row id / N, feature]; the id column lets the test name the rows a member saw. */
function data(n: number) {
  const ids = Array.from({ length: n }, (_, i) => i);
  const feature = ids.map((i) => Math.sin(i * 2.3));
  const x = tf.tensor2d(
    ids.flatMap((i) => [i / n, feature[i]!]),
    [n, 2],
  );
  const y = tf.tensor1d(
    feature.map((f) => (f > 0 ? 1 : 0)),
    'int32',
  );
  return { x, y };
}

function mlp(recorders?: Recorder[]) {
  return () => {
    const model = sequential();
    const recorder = new Recorder({ inputShape: [2] });
    if (recorders !== undefined) {
      recorder.record = true;
      recorders.push(recorder);
    }
    model.add(recorder);
    model.add(layers.dense({ units: 8, activation: 'tanh' }));
    model.add(layers.dense({ units: 2, activation: 'softmax' }));
    return model;
  };
}

describe('kFoldSplit', () => {
  it('partitions the rows into k folds of floor or ceil(n / k), repeatably by seed', () => {
    const folds = kFoldSplit(23, 4, 5);
    const all = folds.flatMap((f) => Array.from(f)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of folds) {
      expect([5, 6]).toContain(f.length);
      expect(Array.from(f)).toEqual([...f].sort((a, b) => a - b));
    }
    expect(kFoldSplit(23, 4, 5)).toEqual(folds);
    expect(kFoldSplit(23, 4, 6)).not.toEqual(folds);
    expect(() => kFoldSplit(3, 4, 0)).toThrow(/k/);
    expect(() => kFoldSplit(10, 1, 0)).toThrow(InvalidArgumentError);
  });
});

describe('kFoldEnsemble', () => {
  it('trains member i on every fold but fold i, and early-stops on fold i', async () => {
    const n = 30;
    const { x, y } = data(n);
    const recorders: Recorder[] = [];
    const result = await kFoldEnsemble(mlp(recorders), x, y, {
      k: 3,
      seed: 2,
      epochs: 4,
      batchSize: 8,
      learningRate: 0.05,
    });
    expect(result.ensemble).toBeInstanceOf(DeepEnsemble);
    expect(result.ensemble.size).toBe(3);
    expect(recorders.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const seenIds = new Set<number>();
      for (const batch of recorders[i]!.seen) {
        const rows = (await batch.array()) as number[][];
        for (const row of rows) seenIds.add(Math.round(row[0]! * n));
      }
      const heldOut = new Set(result.folds[i]);
      const expected = Array.from({ length: n }, (_, r) => r).filter((r) => !heldOut.has(r));
      // Every training row seen, no held-out row ever.
      expect([...seenIds].sort((a, b) => a - b)).toEqual(expected);
      // The kept weights are the best held-out epoch's: recompute its held-out loss.
      const rows = tf.tensor1d(result.folds[i]!, 'int32');
      const probs = result.ensemble.members[i]!.predict(tf.gather(x, rows)) as tf.Tensor;
      const labels = (await tf.gather(y, rows).data()) as Int32Array;
      const p = (await probs.data()) as Float32Array;
      const nll =
        -Array.from(labels).reduce((s, c, r) => s + Math.log(Math.max(p[r * 2 + c]!, 1e-7)), 0) /
        labels.length;
      const best = Math.min(...result.heldOutLoss[i]!);
      // float32 softmax and log: 1e-5 relative on an O(1) loss.
      expect(nll).toBeCloseTo(best, 4);
      expect(result.heldOutLoss[i]![result.bestEpoch[i]!]).toBe(best);
      tf.dispose([rows, probs]);
      tf.dispose(recorders[i]!.seen);
    }
    tf.dispose([x, y]);
    result.ensemble.dispose();
  });

  it('stops after patience epochs without a lower held-out loss', async () => {
    const { x, y } = data(24);
    const calls: [number, number, number][] = [];
    // A learning rate this large overshoots: the held-out loss soon stops improving.
    const result = await kFoldEnsemble(mlp(), x, y, {
      onEpochEnd: (member, epoch, _loss, heldOut) => calls.push([member, epoch, heldOut]),
      k: 2,
      seed: 3,
      epochs: 40,
      patience: 2,
      batchSize: 4,
      learningRate: 0.5,
    });
    for (let i = 0; i < 2; i++) {
      const run = result.heldOutLoss[i]!.length;
      if (run < 40) expect(run - 1 - result.bestEpoch[i]!).toBe(2);
      expect(result.loss[i]!.length).toBe(run);
    }
    expect(result.heldOutLoss.some((h) => h.length < 40)).toBe(true);
    // One call per epoch run, in order, with the recorded held-out loss.
    expect(calls).toEqual(result.heldOutLoss.flatMap((h, m) => h.map((v, e) => [m, e, v])));
    tf.dispose([x, y]);
    result.ensemble.dispose();
  });

  it('repeats by seed, and predicts the mean of its members', async () => {
    const { x, y } = data(20);
    const options = { k: 4, seed: 7, epochs: 3, batchSize: 5, learningRate: 0.05 };
    const a = await kFoldEnsemble(mlp(), x, y, options);
    const b = await kFoldEnsemble(mlp(), x, y, options);
    const c = await kFoldEnsemble(mlp(), x, y, { ...options, seed: 8 });
    expect(b.folds).toEqual(a.folds);
    expect(b.heldOutLoss).toEqual(a.heldOutLoss);
    expect(c.folds).not.toEqual(a.folds);
    const pa = a.ensemble.predict(x);
    const pb = b.ensemble.predict(x);
    expect(await pb.probs.data()).toEqual(await pa.probs.data());
    // probs = (1 / k) sum_i member_i(x), from the members' own predictions.
    const own = a.ensemble.members.map((m) => m.predict(x) as tf.Tensor);
    const values = await Promise.all(own.map((t) => t.data()));
    const probs = await pa.probs.data();
    probs.forEach((v, j) => {
      const mean = values.reduce((s, m) => s + m[j]!, 0) / values.length;
      // Mean of 4 float32 numbers in [0, 1]: rounding below 1e-7.
      expect(Math.abs(v - mean)).toBeLessThan(1e-6);
    });
    disposePredictive(pa);
    disposePredictive(pb);
    tf.dispose([x, y, ...own]);
    for (const r of [a, b, c]) r.ensemble.dispose();
  });

  it('leaks no tensor beyond the ensemble it returns', async () => {
    const { x, y } = data(12);
    const before = tf.memory().numTensors;
    const result = await kFoldEnsemble(mlp(), x, y, { k: 3, seed: 1, epochs: 2, batchSize: 4 });
    result.ensemble.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('rejects bad arguments, naming them', async () => {
    const { x, y } = data(6);
    await expect(kFoldEnsemble(mlp(), x, y, { k: 7 })).rejects.toThrow(/options.k/);
    await expect(kFoldEnsemble(mlp(), x, y, { k: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(
      kFoldEnsemble(mlp(), x, y, { k: 2, output: 'gaussian' as 'logits' }),
    ).rejects.toThrow(/options.output/);
    const short = tf.tensor1d([0, 1], 'int32');
    await expect(kFoldEnsemble(mlp(), x, short, { k: 2 })).rejects.toThrow(ShapeError);
    const bad = tf.tensor1d([0, 1, 2, 0, 1, 0], 'int32');
    await expect(kFoldEnsemble(mlp(), x, bad, { k: 2 })).rejects.toThrow(/y\[2\]/);
    await expect(kFoldEnsemble(mlp(), x, y, { k: 2, patience: 0 })).rejects.toThrow(
      /options.patience/,
    );
    tf.dispose([x, y, short, bad]);
  });
});
