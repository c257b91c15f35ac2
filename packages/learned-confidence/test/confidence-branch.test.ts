import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, type Predictive, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { ConfidenceBranch, confidencePredict } from '../src/index.js';

function model(seed = 1) {
  const m = sequential();
  m.add(layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }));
  m.add(new ConfidenceBranch({ units: 3, seed, confidenceBiasInit: 0.5 }));
  return m;
}

describe('ConfidenceBranch', () => {
  it('outputs [B, K + 1]: the logits h W + b beside the confidence logit h w_c + b_c', async () => {
    const branch = new ConfidenceBranch({ units: 2, seed: 3 });
    const h = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 0],
    ]);
    const out = branch.apply(h) as tf.Tensor;
    expect(out.shape).toEqual([2, 3]);
    expect(branch.computeOutputShape([null, 3])).toEqual([null, 3]);
    // The weights in order: kernel [3, 2], bias [2], confidenceKernel [3, 1], confidenceBias [1].
    const [w, b, wc, bc] = await Promise.all(branch.getWeights().map((t) => t.array()));
    expect((bc as number[])[0]).toBe(0);
    const rows = (await h.array()) as number[][];
    const got = (await out.array()) as number[][];
    rows.forEach((row, i) => {
      for (let k = 0; k < 2; k++) {
        const logit = row.reduce(
          (s, v, f) => s + v * (w as number[][])[f]![k]!,
          (b as number[])[k]!,
        );
        expect(got[i]![k]).toBeCloseTo(logit, 5);
      }
      const conf = row.reduce((s, v, f) => s + v * (wc as number[][])[f]![0]!, 0);
      expect(got[i]![2]).toBeCloseTo(conf, 5);
    });
    tf.dispose([h, out]);
    branch.dispose();
  });

  it('starts at c = sigmoid(confidenceBiasInit) for zero features', async () => {
    const m = model();
    const branch = m.layers[1] as ConfidenceBranch;
    const out = branch.apply(tf.zeros([1, 4])) as tf.Tensor;
    const [, , , s] = await out.data();
    expect(s).toBeCloseTo(0.5, 6);
    tf.dispose(out);
    m.dispose();
  });

  it('repeats its initialization by seed', async () => {
    const read = async (seed: number) => {
      const b = new ConfidenceBranch({ units: 2, seed });
      const x = tf.zeros([1, 5]);
      tf.dispose([x, b.apply(x) as tf.Tensor]);
      const values = await Promise.all(b.getWeights().map(async (t) => Array.from(await t.data())));
      b.dispose();
      return values;
    };
    expect(await read(7)).toEqual(await read(7));
    expect((await read(8))[0]).not.toEqual((await read(7))[0]);
  });

  it('saves and loads with identical predictions and config', async () => {
    const m = model(4);
    const x = tf.tensor2d([
      [0.1, -0.2, 0.3],
      [1, 2, -1],
    ]);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await m.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await loadLayersModel(tf.io.fromMemory(artifacts!));
    const branch = loaded.layers[1] as ConfidenceBranch;
    expect(branch).toBeInstanceOf(ConfidenceBranch);
    expect(branch.getConfig()).toMatchObject({ units: 3, seed: 4, confidenceBiasInit: 0.5 });
    const a = confidencePredict(m, x);
    const b = confidencePredict(loaded, x);
    expect(await b.probs.data()).toEqual(await a.probs.data());
    expect(await b.confidence.data()).toEqual(await a.confidence.data());
    tf.dispose([x, a, b]);
    m.dispose();
    loaded.dispose();
  });

  it('gives probabilities that sum to 1 and a confidence in (0, 1), without leaks', async () => {
    const m = model();
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(confidencePredict(m, x, { batchSize: 2 }));
    expect(tf.memory().numTensors).toBe(before);
    const prediction = confidencePredict(m, x);
    // What metrics score: it is a Predictive (a compile-time check).
    const { probs }: Predictive = prediction;
    const { confidence } = prediction;
    expect(probs.shape).toEqual([5, 3]);
    expect(confidence.shape).toEqual([5]);
    const p = (await probs.array()) as number[][];
    for (const row of p) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    for (const c of await confidence.data()) expect(c > 0 && c < 1).toBe(true);
    tf.dispose([x, probs, confidence]);
    m.dispose();
  });

  it('rejects bad arguments and inputs, naming them', () => {
    expect(() => new ConfidenceBranch({ units: 1 })).toThrow(/units/);
    expect(() => new ConfidenceBranch({ units: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => new ConfidenceBranch(null as unknown as { units: number })).toThrow(/args/);
    expect(() => new ConfidenceBranch({ units: 2, seed: -1 })).toThrow(/seed/);
    expect(() => new ConfidenceBranch({ units: 2, confidenceBiasInit: Number.NaN })).toThrow(
      /confidenceBiasInit/,
    );
    const branch = new ConfidenceBranch({ units: 2 });
    expect(() => branch.computeOutputShape([null, 2, 2])).toThrow(ShapeError);
    const x = tf.zeros([2, 3]);
    tf.dispose(branch.apply(x) as tf.Tensor);
    const wrong = tf.zeros([2, 4]);
    expect(() => branch.apply(wrong)).toThrow(/built size/);
    tf.dispose([x, wrong]);
    branch.dispose();
  });
});
