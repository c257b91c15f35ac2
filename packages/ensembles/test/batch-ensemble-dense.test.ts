import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it, vi } from 'vitest';
import {
  BatchEnsembleDense,
  batchEnsembleMembers,
  batchEnsemblePredict,
  membersPredictive,
} from '../src/index.js';
import { expectValueCheck, read, readArray } from './helpers.js';

const M = 3;

/** Reference: member m is a dense layer with kernel W o (r_m s_m^T) and bias c_m. */
function referenceOutput(x: number[][], weights: number[][][]): number[][][] {
  const [w, r, s, c] = weights as [number[][], number[][], number[][], number[][]];
  return x.map((row) =>
    r.map((rm, m) =>
      s[m]!.map((smu, u) => {
        let acc = 0;
        row.forEach((xd, d) => {
          acc += xd * w[d]![u]! * rm[d]! * smu;
        });
        return acc + c[m]![u]!;
      }),
    ),
  );
}

async function randomize(layer: BatchEnsembleDense): Promise<number[][][]> {
  // Random fast weights and bias (not just signs and zeros) so every factor is exercised.
  const values = layer
    .getWeights()
    .map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 10 + i));
  layer.setWeights(values);
  const arrays = await Promise.all(values.map((v) => readArray<number[][]>(v)));
  tf.dispose(values);
  return arrays;
}

describe('BatchEnsembleDense', () => {
  it('computes member m as a dense layer with kernel W o (r_m s_m^T) plus c_m, for [B, D] input', async () => {
    const layer = new BatchEnsembleDense({ units: 4, ensembleSize: M, seed: 1 });
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 2);
    layer.apply(x); // builds
    const weights = await randomize(layer);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([5, M, 4]);
    const expected = referenceOutput(await readArray<number[][]>(x), weights);
    (await readArray<number[][][]>(y)).forEach((row, b) => {
      row.forEach((member, m) => {
        member.forEach((v, u) => {
          expect(v).toBeCloseTo(expected[b]![m]![u]!, 4);
        });
      });
    });
    tf.dispose([x, y]);
  });

  it('takes [B, M, D] input row per member from a previous BatchEnsemble layer', async () => {
    const layer = new BatchEnsembleDense({
      units: 2,
      ensembleSize: M,
      seed: 3,
      activation: 'relu',
    });
    const x = tf.randomNormal([4, M, 3], 0, 1, 'float32', 5);
    layer.apply(x);
    const weights = await randomize(layer);
    const y = await readArray<number[][][]>(layer.apply(x) as tf.Tensor);
    const rows = await readArray<number[][][]>(x);
    rows.forEach((perMember, b) => {
      perMember.forEach((xm, m) => {
        // Member m's own input row goes through member m's weights only.
        const ref = referenceOutput([xm], weights)[0]![m]!;
        ref.forEach((v, u) => {
          expect(y[b]![m]![u]).toBeCloseTo(Math.max(0, v), 4);
        });
      });
    });
    x.dispose();
  });

  it('starts fast weights at random signs, reproducibly for a seed', async () => {
    const make = (seed: number) => {
      const layer = new BatchEnsembleDense({ units: 8, ensembleSize: M, seed });
      layer.build([null, 6]);
      return Promise.all(layer.getWeights().map(read));
    };
    const [kernel, r, s, bias] = await make(7);
    expect(new Set([...r!, ...s!])).toEqual(new Set([-1, 1]));
    expect(bias!.every((v) => v === 0)).toBe(true);
    // Glorot uniform limit sqrt(6 / (6 + 8)).
    expect(kernel!.every((v) => Math.abs(v) <= Math.sqrt(6 / 14))).toBe(true);
    expect(await make(7)).toEqual([kernel, r, s, bias]);
    expect((await make(8))[1]).not.toEqual(r);
  });

  it('serializes: save/load round trip gives identical predictions', async () => {
    const model = sequential();
    model.add(
      new BatchEnsembleDense({
        inputShape: [2],
        units: 6,
        ensembleSize: M,
        activation: 'tanh',
        seed: 1,
      }),
    );
    model.add(
      new BatchEnsembleDense({ units: 3, ensembleSize: M, activation: 'softmax', seed: 2 }),
    );
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.layers[1] as BatchEnsembleDense;
    expect(layer).toBeInstanceOf(BatchEnsembleDense);
    expect(layer.getConfig()).toMatchObject({
      units: 3,
      ensembleSize: M,
      activation: 'softmax',
      useBias: true,
      seed: 2,
    });
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 9);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(await read(b)).toEqual(await read(a));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('trains with model.fit on targets repeated per member', async () => {
    const model = sequential();
    model.add(
      new BatchEnsembleDense({
        inputShape: [2],
        units: 16,
        ensembleSize: M,
        activation: 'relu',
        seed: 1,
      }),
    );
    model.add(
      new BatchEnsembleDense({ units: 2, ensembleSize: M, activation: 'softmax', seed: 2 }),
    );
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    // Two Gaussian blobs at (-1, -1) and (1, 1).
    const x = tf.concat([
      tf.randomNormal([40, 2], -1, 0.3, 'float32', 1),
      tf.randomNormal([40, 2], 1, 0.3, 'float32', 2),
    ]);
    const labels = tf.concat([tf.zeros([40], 'int32'), tf.ones([40], 'int32')]);
    // y [N, K] -> [N, 1, K] -> [N, M, K]: the same target for every member.
    const y = tf.tile(tf.expandDims(tf.oneHot(labels, 2), 1), [1, M, 1]);
    const history = await model.fit(x, y, {
      epochs: 20,
      batchSize: 16,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 2);
    const p = batchEnsemblePredict(
      model,
      tf.tensor2d([
        [-1, -1],
        [1, 1],
      ]),
    );
    expect(p.members!.shape).toEqual([M, 2, 2]);
    const probs = await readArray<number[][]>(p.probs);
    expect(probs[0]![0]).toBeGreaterThan(0.9);
    expect(probs[1]![1]).toBeGreaterThan(0.9);
    tf.dispose([x, labels, y]);
    disposePredictive(p);
    model.dispose();
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => new BatchEnsembleDense({ units: 0, ensembleSize: 2 })).toThrow(
      'BatchEnsembleDense: units must be an integer >= 1, got 0',
    );
    expect(() => new BatchEnsembleDense({ units: 2, ensembleSize: 1.5 })).toThrow(
      'BatchEnsembleDense: ensembleSize must be an integer >= 1, got 1.5',
    );
    expect(
      () => new BatchEnsembleDense({ units: 2, ensembleSize: 2, activation: 'gelu' as 'relu' }),
    ).toThrow(
      "BatchEnsembleDense: activation must be one of 'linear', 'relu', 'elu', 'tanh', 'sigmoid', 'softplus', 'softmax', got \"gelu\"",
    );
    expect(() => new BatchEnsembleDense(null as never)).toThrow(
      'BatchEnsembleDense: args must be an object { units, ensembleSize, ... }, got null',
    );
    // Sizes a model.json could ask for are capped, and the limit is stated.
    expect(() => new BatchEnsembleDense({ units: 1e6, ensembleSize: 2 })).toThrow(
      'BatchEnsembleDense: units must be a number in [1, 65536], got 1000000',
    );
    expect(() => new BatchEnsembleDense({ units: 2, ensembleSize: 5000 })).toThrow(
      'BatchEnsembleDense: ensembleSize must be a number in [1, 1000], got 5000',
    );
    const layer = new BatchEnsembleDense({ units: 2, ensembleSize: 2 });
    expect(() => layer.build([null, 3, 4])).toThrow(
      'BatchEnsembleDense: inputShape must be [B, D] or [B, 2, D] with D known, got [null, 3, 4]',
    );
  });
});

describe('batchEnsemblePredict', () => {
  const model = () => {
    const m = sequential();
    m.add(new BatchEnsembleDense({ inputShape: [2], units: 3, ensembleSize: M, seed: 5 }));
    return m;
  };

  it('moves the member axis first and averages members as probabilities', async () => {
    const m = model();
    const x = tf.randomNormal([7, 2], 0, 1, 'float32', 1);
    const p = batchEnsemblePredict(m, x, { output: 'logits', batchSize: 3 });
    const logits = await readArray<number[][][]>(m.predict(x) as tf.Tensor); // [N, M, K]
    const members = await readArray<number[][][]>(p.members!); // [M, N, K]
    const probs = await readArray<number[][]>(p.probs);
    logits.forEach((perMember, n) => {
      const mean = [0, 0, 0];
      perMember.forEach((z, mi) => {
        const e = z.map(Math.exp);
        const total = e.reduce((a, b) => a + b, 0);
        e.forEach((v, k) => {
          expect(members[mi]![n]![k]).toBeCloseTo(v / total, 5);
          mean[k]! += v / total / M;
        });
      });
      mean.forEach((v, k) => {
        expect(probs[n]![k]).toBeCloseTo(v, 5);
      });
    });
    disposePredictive(p);
    x.dispose();
  });

  it('rejects logits read as probabilities and outputs without a member axis', () => {
    const x = tf.ones([2, 2]);
    expectValueCheck(
      () => batchEnsemblePredict(model(), x),
      /batchEnsemblePredict: model output\[\d+\]/,
    );
    const plain = sequential();
    plain.add(layers.dense({ inputShape: [2], units: 3, activation: 'softmax' }));
    expect(() => batchEnsemblePredict(plain, x)).toThrow(
      'batchEnsemblePredict: model output must be of rank 3, got [2, 3]',
    );
    expect(() => batchEnsemblePredict(plain, x, null as never)).toThrow(
      'batchEnsemblePredict: options must be an object { output?, batchSize? }, got null',
    );
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [[{ batchSize: 1 }], x]) {
      expect(() => batchEnsemblePredict(plain, x, bad as never)).toThrow(
        /^batchEnsemblePredict: options must be an object \{ output\?, batchSize\? \}, got /,
      );
    }
    x.dispose();
  });

  it('does not leak tensors', () => {
    const m = model();
    const x = tf.ones([5, 2]);
    disposePredictive(batchEnsemblePredict(m, x, { output: 'logits', batchSize: 2 }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      disposePredictive(batchEnsemblePredict(m, x, { output: 'logits', batchSize: 2 }));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('batchEnsembleMembers', () => {
  const model = (activation: 'linear' | 'softmax' = 'linear') => {
    const m = sequential();
    m.add(
      new BatchEnsembleDense({ inputShape: [2], units: 3, ensembleSize: M, seed: 5, activation }),
    );
    return m;
  };

  it("with one pass gives batchEnsemblePredict's members, bit for bit", async () => {
    const m = model();
    const x = tf.randomNormal([7, 2], 0, 1, 'float32', 2);
    const members = batchEnsembleMembers(m, x, { output: 'logits', batchSize: 3 });
    const p = batchEnsemblePredict(m, x, { output: 'logits', batchSize: 3 });
    expect(members.shape).toEqual([M, 7, 3]);
    expect(await read(members)).toEqual(await read(p.members!));
    disposePredictive(p);
    tf.dispose([members, x]);
  });

  it('stacks P passes pass-major, calling onPass(p) before pass p, with one probability read', async () => {
    const m = model('softmax');
    const layer = m.layers[0] as BatchEnsembleDense;
    const base = layer.getWeights().map((w) => w.clone());
    // Pass p scales the shared kernel W by (p + 1), so every pass is a different network.
    const setScale = (p: number) => {
      const scaled = tf.mul(base[0]!, p + 1);
      layer.setWeights([scaled, ...base.slice(1)]);
      scaled.dispose();
    };
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 3);
    const calls: number[] = [];
    const reads = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    let members: tf.Tensor;
    try {
      members = batchEnsembleMembers(m, x, {
        batchSize: 2,
        passes: 3,
        onPass: (p) => {
          calls.push(p);
          setScale(p);
        },
      });
      // 3 passes of 3 batches: one check of the whole output (skipped on webgpu).
      expect(reads).toHaveBeenCalledTimes(tf.getBackend() === 'webgpu' ? 0 : 1);
    } finally {
      reads.mockRestore();
    }
    expect(calls).toEqual([0, 1, 2]);
    expect(members.shape).toEqual([3 * M, 5, 3]);
    const all = await readArray<number[][][]>(members);
    for (let p = 0; p < 3; p++) {
      setScale(p);
      // The same network predicted on its own: pass p, member j at row p M + j, same kernels.
      const single = batchEnsembleMembers(m, x, { batchSize: 2 });
      const expected = await readArray<number[][][]>(single);
      expected.forEach((rows, j) => {
        expect(all[p * M + j]).toEqual(rows);
      });
      single.dispose();
    }
    // Different scales give different members (the check above cannot pass by repetition).
    expect(all[0]).not.toEqual(all[M]);
    tf.dispose([members, x, ...base]);
  });

  it('rejects bad arguments, naming them, and leaks nothing', () => {
    const m = model();
    const x = tf.ones([4, 2]);
    const fn = 'batchEnsembleMembers';
    expect(() => batchEnsembleMembers(m, x, { passes: 0 })).toThrow(`${fn}: options.passes`);
    expect(() => batchEnsembleMembers(m, x, { onPass: 1 as never })).toThrow(InvalidArgumentError);
    expect(() => batchEnsembleMembers(m, x, { onPass: 1 as never })).toThrow(
      `${fn}: options.onPass`,
    );
    expect(() => batchEnsembleMembers(m, x, null as never)).toThrow(`${fn}: options`);
    expect(() => batchEnsembleMembers(m, x, { output: 'x' as never })).toThrow(
      `${fn}: options.output`,
    );
    expect(() => batchEnsembleMembers(m, tf.zeros([0, 2]))).toThrow(`${fn}: x`);
    expect(() => batchEnsembleMembers(null as never, x)).toThrow(`${fn}: model`);
    expect(() => membersPredictive(tf.zeros([2, 3]))).toThrow(ShapeError);
    tf.dispose(batchEnsembleMembers(m, x, { output: 'logits', batchSize: 3, passes: 2 }));
    const before = tf.memory().numTensors;
    tf.dispose(batchEnsembleMembers(m, x, { output: 'logits', batchSize: 3, passes: 2 }));
    disposePredictive(
      tf.tidy(() => membersPredictive(batchEnsembleMembers(m, x, { output: 'logits' }))),
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
