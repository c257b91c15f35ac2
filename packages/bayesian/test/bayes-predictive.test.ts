import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, type Predictive, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, DenseFlipout, DenseReparameterization } from '../src/index.js';
import { read } from './helpers.js';

function model(activation: 'softmax' | 'linear' = 'softmax') {
  const m = sequential();
  m.add(
    new DenseReparameterization({
      inputShape: [4],
      units: 8,
      activation: 'relu',
      seed: 1,
      initStd: 0.3,
    }),
  );
  m.add(new DenseFlipout({ units: 3, activation, seed: 2, initStd: 0.3 }));
  return m;
}

const free = (...ps: Predictive[]) => {
  for (const p of ps) disposePredictive(p);
};

describe('bayesPredictive', () => {
  it('returns members [S, N, K] with their mean and population variance', async () => {
    const x = tf.randomNormal([10, 4], 0, 1, 'float32', 3);
    const p = bayesPredictive(model(), x, 6, { seed: 1 });
    expect(p.members!.shape).toEqual([6, 10, 3]);
    const members = await read(p.members!);
    const probs = await read(p.probs);
    const variance = await read(p.variance!);
    for (let i = 0; i < 30; i++) {
      const column = Array.from({ length: 6 }, (_, s) => members[s * 30 + i]!);
      const mean = column.reduce((a, b) => a + b) / 6;
      // float32 means and variances of six values in [0, 1]: 1e-6 absolute.
      expect(probs[i]).toBeCloseTo(mean, 6);
      expect(variance[i]).toBeCloseTo(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 6, 6);
    }
    // Passes differ from one another.
    expect(members.slice(0, 30)).not.toEqual(members.slice(30, 60));
    x.dispose();
    free(p);
  });

  it('depends only on its seed; a pass is one network across batches', async () => {
    const x = tf.randomNormal([9, 4], 0, 1, 'float32', 4);
    const m = model();
    const a = bayesPredictive(m, x, 3, { seed: 5 });
    tf.dispose(m.predict(x) as tf.Tensor); // advances the layers' own call counters
    const again = bayesPredictive(m, x, 3, { seed: 5 });
    const other = bayesPredictive(m, x, 3, { seed: 6 });
    const am = await read(a.members!);
    expect(await read(again.members!)).toEqual(am);
    expect(await read(other.members!)).not.toEqual(am);
    // Without Flipout (whose signs are drawn per batch row), batching changes nothing: every
    // batch of a pass sees the same weight draw.
    const rep = sequential();
    rep.add(
      new DenseReparameterization({
        inputShape: [4],
        units: 3,
        activation: 'softmax',
        seed: 7,
        initStd: 0.3,
      }),
    );
    const whole = bayesPredictive(rep, x, 3, { seed: 1 });
    const batched = bayesPredictive(rep, x, 3, { seed: 1, batchSize: 4 });
    const wm = await read(whole.members!);
    (await read(batched.members!)).forEach((v, i) => {
      // Same weights, rows multiplied in different batch shapes: float32 rounding only.
      expect(v).toBeCloseTo(wm[i]!, 6);
    });
    x.dispose();
    free(a, again, other, whole, batched);
  });

  it('applies softmax per pass to logits', async () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
    const m = model('linear');
    const p = bayesPredictive(m, x, 4, { seed: 2, output: 'logits' });
    const members = await read(p.members!);
    for (let r = 0; r < 20; r++) {
      const sum = members[3 * r]! + members[3 * r + 1]! + members[3 * r + 2]!;
      expect(sum).toBeCloseTo(1, 5);
    }
    const raw = bayesPredictive(m, x, 4, { seed: 2 });
    const logits = await read(raw.members!);
    const e = [0, 1, 2].map((k) => Math.exp(logits[k]!));
    expect(members[0]).toBeCloseTo(e[0]! / (e[0]! + e[1]! + e[2]!), 5);
    x.dispose();
    free(p, raw);
  });

  it('leaks no tensor', () => {
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 1);
    const m = model();
    free(bayesPredictive(m, x, 2));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) free(bayesPredictive(m, x, 3, { seed: i, batchSize: 4 }));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('names bad arguments', () => {
    const x = tf.zeros([2, 4]);
    const m = model();
    expect(() => bayesPredictive(m, x, 0)).toThrow(/numSamples/);
    expect(() => bayesPredictive(m, x, 2, { seed: -1 })).toThrow(/options.seed/);
    expect(() => bayesPredictive(m, x, 2, { batchSize: 0 })).toThrow(/options.batchSize/);
    expect(() => bayesPredictive(m, x, 2, { output: 'x' as never })).toThrow(/options.output/);
    expect(() => bayesPredictive(m, x, 2, null as never)).toThrow(InvalidArgumentError);
    expect(() => bayesPredictive({} as never, x, 2)).toThrow(/model/);
    const zeros3 = tf.zeros([2, 4, 1]);
    expect(() => bayesPredictive(m, zeros3, 2)).toThrow(ShapeError);
    const plain = sequential();
    plain.add(layers.dense({ inputShape: [4], units: 2, activation: 'softmax' }));
    expect(() => bayesPredictive(plain, x, 2)).toThrow(/at least one Bayesian layer/);
    tf.dispose([x, zeros3]);
  });
});
