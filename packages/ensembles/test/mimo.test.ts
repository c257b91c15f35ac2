import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  initializers,
  input,
  layers,
  loadLayersModel,
} from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it, vi } from 'vitest';
import { MimoHead, MimoStack, mimoBatch, mimoLoss, mimoPredict } from '../src/index.js';
import { read, readArray } from './helpers.js';

/** Rows whose features are their own row id (`x[b] = [b, -b]`), so a slot's source is readable. */
function idRows(rows: number) {
  const ids = Array.from({ length: rows }, (_, b) => b);
  const x = tf.tensor2d(
    ids.flatMap((b) => [b, -b]),
    [rows, 2],
  );
  const labels = tf.tensor1d(
    ids.map((b) => b % 3),
    'int32',
  );
  return { x, labels };
}

/** The source row of every slot, `[B][M]`, read from the id features. */
async function sources(inputs: tf.Tensor): Promise<number[][]> {
  const values = await readArray<number[][][]>(inputs);
  return values.map((row) => row.map((slot) => slot[0]!));
}

/** A small MIMO classifier: [B, M, 2] -> MimoStack -> dense(8, tanh) -> MimoHead -> [B, M, K]. */
function mimoMlp(members: number, classes: number, seed: number) {
  const x = input({ shape: [members, 2] });
  const stacked = new MimoStack().apply(x);
  const hidden = layers
    .dense({
      units: 8,
      activation: 'tanh',
      kernelInitializer: initializers.glorotUniform({ seed: seed + 1000 }),
    })
    .apply(stacked);
  const out = new MimoHead({ members, units: classes, seed }).apply(hidden);
  return functionalModel({ inputs: x, outputs: out as never });
}

/** Saves `m` to memory and loads it back (the model.json + weights path of tf.io). */
async function roundTrip(m: ReturnType<typeof functionalModel>) {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return loadLayersModel(tf.io.fromMemory(saved!));
}

function softmaxRow(logits: number[]): number[] {
  const top = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

describe('mimoBatch', () => {
  it('keeps slot 0 in order and fills slot m > 0 with a seeded permutation of the rows', async () => {
    const { x, labels } = idRows(50);
    const batch = mimoBatch(x, labels, 4, { seed: 3 });
    expect(batch.inputs.shape).toEqual([50, 4, 2]);
    expect(batch.labels.shape).toEqual([50, 4]);
    expect(batch.labels.dtype).toBe('int32');
    const src = await sources(batch.inputs);
    const ids = Array.from({ length: 50 }, (_, b) => b);
    expect(src.map((row) => row[0])).toEqual(ids);
    const columns = [1, 2, 3].map((m) => src.map((row) => row[m]!));
    for (const column of columns) {
      // A permutation: every row exactly once, and not the identity.
      expect([...column].sort((a, b) => a - b)).toEqual(ids);
      expect(column).not.toEqual(ids);
    }
    // Independent permutations per slot.
    expect(columns[0]).not.toEqual(columns[1]);
    expect(columns[1]).not.toEqual(columns[2]);
    // The second feature moved with the first (whole rows are gathered).
    const values = await readArray<number[][][]>(batch.inputs);
    values.forEach((row) => {
      row.forEach((slot) => {
        expect(slot[1]).toBe(-slot[0]!);
      });
    });
    // Labels follow their examples.
    const picked = await readArray<number[][]>(batch.labels);
    picked.forEach((row, b) => {
      row.forEach((label, m) => {
        expect(label).toBe(src[b]![m]! % 3);
      });
    });
    // Same seed, same batch; another seed, other permutations.
    const again = mimoBatch(x, labels, 4, { seed: 3 });
    const other = mimoBatch(x, labels, 4, { seed: 4 });
    expect(await read(again.inputs)).toEqual(await read(batch.inputs));
    expect(await read(other.inputs)).not.toEqual(await read(batch.inputs));
    tf.dispose([x, labels, batch, again, other]);
  });

  it('repeats slot 0 in every slot of a row with probability `repetition`', async () => {
    // B = 4000 rows, rho = 0.3: the repeated count is Binomial(B, rho), mean 1200 and
    // SE sqrt(B rho (1 - rho)) = 29. 4 SE bounds a false failure below 1e-4. A row that is not
    // repeated shows slot 0's row in both other slots only by chance, about (1 / B)^2 per row.
    const rows = 4000;
    const rho = 0.3;
    const { x, labels } = idRows(rows);
    const batch = mimoBatch(x, labels, 3, { seed: 11, repetition: rho });
    const src = await sources(batch.inputs);
    const repeated = src.filter((row, b) => row.every((s) => s === b)).length;
    const se = Math.sqrt(rows * rho * (1 - rho));
    expect(Math.abs(repeated - rows * rho)).toBeLessThan(4 * se);
    // Without repetition almost no row is repeated (expected count B (1 / B)^2 = 1 / B).
    const plain = mimoBatch(x, labels, 3, { seed: 11 });
    const plainRepeated = (await sources(plain.inputs)).filter((row, b) =>
      row.every((s) => s === b),
    ).length;
    expect(plainRepeated).toBeLessThanOrEqual(1);
    tf.dispose([x, labels, batch, plain]);
  });

  it('takes images and regression targets [B, T]', async () => {
    const rows = 6;
    // x[b] is an image [2, 2, 1] filled with b; y[b] = [b, 10 b].
    const x = tf.tensor4d(
      Array.from({ length: rows * 4 }, (_, i) => Math.floor(i / 4)),
      [rows, 2, 2, 1],
    );
    const y = tf.tensor2d(Array.from({ length: rows }, (_, b) => [b, 10 * b]).flat(), [rows, 2]);
    const batch = mimoBatch(x, y, 2, { seed: 5 });
    expect(batch.inputs.shape).toEqual([rows, 2, 2, 2, 1]);
    expect(batch.labels.shape).toEqual([rows, 2, 2]);
    const images = await readArray<number[][][][][]>(batch.inputs);
    const targets = await readArray<number[][][]>(batch.labels);
    images.forEach((row, b) => {
      row.forEach((image, m) => {
        const id = image[0]![0]![0]!;
        expect(image.flat(2)).toEqual([id, id, id, id]);
        expect(targets[b]![m]).toEqual([id, 10 * id]);
        if (m === 0) expect(id).toBe(b);
      });
    });
    tf.dispose([x, y, batch]);
  });

  it('rejects bad arguments, naming them', () => {
    const { x, labels } = idRows(4);
    const floatLabels = tf.tensor1d([0, 1, 2, 0]);
    const short = tf.tensor1d([0, 1], 'int32');
    const flat = tf.tensor1d([1, 2, 3, 4]);
    expect(() => mimoBatch(flat, labels, 2, { seed: 1 })).toThrow(ShapeError);
    expect(() => mimoBatch(flat, labels, 2, { seed: 1 })).toThrow(/mimoBatch: x/);
    expect(() => mimoBatch(x, short, 2, { seed: 1 })).toThrow(/labels/);
    expect(() => mimoBatch(x, floatLabels, 2, { seed: 1 })).toThrow(/labels.dtype/);
    expect(() => mimoBatch(x, labels, 0, { seed: 1 })).toThrow(/members/);
    expect(() => mimoBatch(x, labels, 2.5, { seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => mimoBatch(x, labels, 2, { seed: -1 })).toThrow(/options.seed/);
    expect(() => mimoBatch(x, labels, 2, {} as never)).toThrow(/options.seed/);
    expect(() => mimoBatch(x, labels, 2, null as never)).toThrow(/options/);
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [null, [{ seed: 1 }], x]) {
      expect(() => mimoBatch(x, labels, 2, bad as never)).toThrow(
        /^mimoBatch: options must be an object \{ seed, repetition\? \}, got /,
      );
    }
    // Left out, the options read as {} and the error names the missing seed.
    expect(() => mimoBatch(x, labels, 2, undefined as never)).toThrow(
      /^mimoBatch: options\.seed must be/,
    );
    expect(() => mimoBatch(x, labels, 2, { seed: 1, repetition: 1 })).toThrow(/options.repetition/);
    expect(() => mimoBatch(x, labels, 2, { seed: 1, repetition: -0.1 })).toThrow(
      /options.repetition/,
    );
    tf.dispose([x, labels, floatLabels, short, flat]);
  });

  it('leaks no tensor beyond the batch it returns', () => {
    const { x, labels } = idRows(10);
    const before = tf.memory().numTensors;
    const batch = mimoBatch(x, labels, 3, { seed: 2, repetition: 0.5 });
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([batch.inputs, batch.labels]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
  });
});

describe('MimoStack', () => {
  it('concatenates member vectors: [B, M, D] -> [B, M * D], member m at columns [m D, (m + 1) D)', async () => {
    const x = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 1);
    const layer = new MimoStack();
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([4, 15]);
    expect(layer.computeOutputShape([null, 3, 5])).toEqual([null, 15]);
    const xs = await readArray<number[][][]>(x);
    const ys = await readArray<number[][]>(y);
    xs.forEach((row, b) => {
      expect(ys[b]).toEqual(row.flat());
    });
    tf.dispose([x, y]);
  });

  it('stacks member images along channels: [B, M, H, W, C] -> [B, H, W, M * C]', async () => {
    const [B, M, H, W, C] = [2, 3, 4, 5, 2];
    const x = tf.randomNormal([B, M, H, W, C], 0, 1, 'float32', 2);
    const layer = new MimoStack();
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([B, H, W, M * C]);
    expect(layer.computeOutputShape([null, M, H, W, C])).toEqual([null, H, W, M * C]);
    const xs = await readArray<number[][][][][]>(x);
    const ys = await readArray<number[][][][]>(y);
    for (let b = 0; b < B; b++)
      for (let m = 0; m < M; m++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++)
            for (let c = 0; c < C; c++) {
              expect(ys[b]![h]![w]![m * C + c]).toBe(xs[b]![m]![h]![w]![c]);
            }
    tf.dispose([x, y]);
  });

  it('rejects other ranks, naming the layer', () => {
    const layer = new MimoStack();
    expect(() => layer.computeOutputShape([null, 3])).toThrow(/MimoStack: inputShape/);
    expect(() => layer.computeOutputShape([null, 3, 4, 4])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([null, null, 4])).toThrow(ShapeError);
  });
});

describe('MimoHead', () => {
  it('is one dense map to M * U columns, member m reading columns [m U, (m + 1) U)', async () => {
    const head = new MimoHead({ members: 3, units: 2, seed: 1 });
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    head.apply(x); // builds
    // A random bias so its layout is checked too.
    const [kernel, zeroBias] = head.getWeights() as [tf.Tensor, tf.Tensor];
    expect(kernel.shape).toEqual([4, 6]);
    expect(await read(zeroBias)).toEqual([0, 0, 0, 0, 0, 0]);
    const bias = tf.randomNormal([6], 0, 1, 'float32', 4);
    head.setWeights([kernel, bias]);
    const y = head.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([5, 3, 2]);
    expect(head.computeOutputShape([null, 4])).toEqual([null, 3, 2]);
    const [xs, w, c, ys] = await Promise.all([
      readArray<number[][]>(x),
      readArray<number[][]>(kernel),
      read(bias),
      readArray<number[][][]>(y),
    ]);
    xs.forEach((row, b) => {
      for (let m = 0; m < 3; m++)
        for (let u = 0; u < 2; u++) {
          const col = m * 2 + u;
          const ref = row.reduce((s, v, f) => s + v * w[f]![col]!, c[col]!);
          // float32 dot product of 4 O(1) terms: 1e-5.
          expect(ys[b]![m]![u]).toBeCloseTo(ref, 5);
        }
    });
    tf.dispose([x, bias, y]);
  });

  it('initializes reproducibly from its seed', async () => {
    const kernelOf = async (seed: number, init?: 'heNormal') => {
      const head = new MimoHead({ members: 2, units: 3, seed, kernelInitializer: init });
      head.build([null, 4]);
      return read(head.getWeights()[0]!);
    };
    expect(await kernelOf(7)).toEqual(await kernelOf(7));
    expect(await kernelOf(7)).not.toEqual(await kernelOf(8));
    expect(await kernelOf(7, 'heNormal')).not.toEqual(await kernelOf(7));
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => new MimoHead(null as never)).toThrow(/MimoHead: args/);
    expect(() => new MimoHead({ members: 0, units: 2 })).toThrow(/members/);
    expect(() => new MimoHead({ members: 1001, units: 2 })).toThrow(/members/);
    expect(() => new MimoHead({ members: 2, units: 1.5 })).toThrow(/units/);
    expect(() => new MimoHead({ members: 2, units: 2, seed: -1 })).toThrow(/seed/);
    expect(
      () => new MimoHead({ members: 2, units: 2, kernelInitializer: 'ones' as never }),
    ).toThrow(/kernelInitializer/);
    expect(() => new MimoHead({ members: 2, units: 2, useBias: 1 as never })).toThrow(/useBias/);
    const head = new MimoHead({ members: 2, units: 2 });
    expect(() => head.computeOutputShape([null, 2, 4])).toThrow(/MimoHead: inputShape/);
    expect(() => head.computeOutputShape([null, null])).toThrow(ShapeError);
  });
});

describe('MIMO models', () => {
  it('round-trip through model.save and loadLayersModel with identical predictions', async () => {
    const m = mimoMlp(3, 4, 5);
    const loaded = await roundTrip(m);
    const head = loaded.layers[loaded.layers.length - 1] as MimoHead;
    expect(head).toBeInstanceOf(MimoHead);
    expect(head.getConfig()).toMatchObject({
      members: 3,
      units: 4,
      kernelInitializer: 'glorotUniform',
      useBias: true,
      seed: 5,
    });
    expect(loaded.layers[1]).toBeInstanceOf(MimoStack);
    const x = tf.randomNormal([6, 3, 2], 0, 1, 'float32', 9);
    const a = m.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([6, 3, 4]);
    expect(await read(b)).toEqual(await read(a));
    tf.dispose([x, a, b]);
    m.dispose();
    loaded.dispose();
  });

  it('round-trip a convolutional MIMO model (images stacked along channels)', async () => {
    const x = input({ shape: [2, 6, 6, 1] });
    const conv = layers
      .conv2d({ filters: 3, kernelSize: 3, activation: 'relu' })
      .apply(new MimoStack().apply(x));
    const pooled = layers.globalAveragePooling2d({}).apply(conv);
    const out = new MimoHead({ members: 2, units: 3, seed: 2 }).apply(pooled);
    const m = functionalModel({ inputs: x, outputs: out as never });
    const loaded = await roundTrip(m);
    const images = tf.randomNormal([4, 2, 6, 6, 1], 0, 1, 'float32', 3);
    const a = m.predict(images) as tf.Tensor;
    const b = loaded.predict(images) as tf.Tensor;
    expect(a.shape).toEqual([4, 2, 3]);
    expect(await read(b)).toEqual(await read(a));
    tf.dispose([images, a, b]);
    m.dispose();
    loaded.dispose();
  });
});

describe('mimoLoss', () => {
  it('is the sum over members of their mean softmax cross-entropy, against a hand computation', async () => {
    const logits = [
      [
        [1, 2, 0.5],
        [0, -1, 3],
      ],
      [
        [-2, 0, 2],
        [4, 4, 1],
      ],
    ];
    const labels = [
      [1, 2],
      [0, 1],
    ];
    // -(1/B) sum_b sum_m log softmax(logits[b][m])[labels[b][m]], in float64.
    let total = 0;
    logits.forEach((row, b) => {
      row.forEach((z, m) => {
        total -= Math.log(softmaxRow(z)[labels[b]![m]!]!);
      });
    });
    const expected = total / 2;
    const loss = mimoLoss(tf.tensor2d(labels, [2, 2], 'int32'), tf.tensor3d(logits));
    // float32 log-softmax of O(1) logits: 1e-6 relative, on a value of about 4.
    expect((await loss.data())[0]).toBeCloseTo(expected, 5);
    loss.dispose();
  });

  it('has the gradient softmax - onehot per member, divided by B', async () => {
    const z = tf.tensor3d([[[0.3, -0.2]], [[1, 1]], [[2, -1]]]); // [B = 3, M = 1, K = 2]
    const y = tf.tensor2d([[0], [1], [1]], [3, 1], 'int32');
    const grad = tf.grad((logits: tf.Tensor) => mimoLoss(y, logits))(z);
    const zs = await readArray<number[][][]>(z);
    const gs = await readArray<number[][][]>(grad);
    const labels = [0, 1, 1];
    zs.forEach((row, b) => {
      const p = softmaxRow(row[0]!);
      p.forEach((pk, k) => {
        expect(gs[b]![0]![k]).toBeCloseTo((pk - (k === labels[b] ? 1 : 0)) / 3, 6);
      });
    });
    tf.dispose([z, y, grad]);
  });

  it('rejects bad arguments, naming them, and leaks nothing', () => {
    const logits = tf.zeros([2, 3, 4]);
    const labels = tf.zeros([2, 3], 'int32');
    expect(() => mimoLoss(labels, tf.zeros([2, 4]))).toThrow(/mimoLoss: logits/);
    expect(() => mimoLoss(tf.zeros([2, 2], 'int32'), logits)).toThrow(/labels/);
    expect(() => mimoLoss(tf.zeros([2, 3]), logits)).toThrow(/labels.dtype/);
    const before = tf.memory().numTensors;
    tf.dispose(mimoLoss(labels, logits));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, labels]);
  });
});

describe('mimoPredict', () => {
  it('tiles each row to every member and averages their softmaxes, against a manual computation', async () => {
    const m = mimoMlp(3, 4, 1);
    const x = tf.randomNormal([7, 2], 0, 1, 'float32', 4);
    const predictive = mimoPredict(m, x, { members: 3, batchSize: 3 });
    expect(predictive.probs.shape).toEqual([7, 4]);
    expect(predictive.members!.shape).toEqual([3, 7, 4]);
    // Manual: x [N, 2] -> [N, 3, 2] by repeating each row, one predict, softmax per member.
    const rows = await readArray<number[][]>(x);
    const tiled = tf.tensor3d(rows.map((r) => [r, r, r]));
    const logits = await readArray<number[][][]>(m.predict(tiled) as tf.Tensor);
    const probs = await readArray<number[][]>(predictive.probs);
    const members = await readArray<number[][][]>(predictive.members!);
    const variance = await readArray<number[][]>(predictive.variance!);
    logits.forEach((row, b) => {
      const perMember = row.map(softmaxRow);
      for (let k = 0; k < 4; k++) {
        const values = perMember.map((p) => p[k]!);
        const mean = values.reduce((s, v) => s + v, 0) / 3;
        const v = values.reduce((s, p) => s + (p - mean) ** 2, 0) / 3;
        // float32 softmax of O(1) logits: 1e-6.
        expect(probs[b]![k]).toBeCloseTo(mean, 5);
        expect(variance[b]![k]).toBeCloseTo(v, 5);
        values.forEach((p, j) => {
          expect(members[j]![b]![k]).toBeCloseTo(p, 5);
        });
      }
    });
    // The same model with a softmax on top, read as probabilities, gives the same predictive.
    const soft = functionalModel({
      inputs: m.inputs,
      outputs: layers.softmax({ axis: -1 }).apply(m.outputs[0]!) as never,
    });
    const viaProbs = mimoPredict(soft, x, { members: 3, output: 'probabilities' });
    const a = await read(viaProbs.probs);
    (await read(predictive.probs)).forEach((v, i) => {
      expect(a[i]).toBeCloseTo(v, 6);
    });
    disposePredictive(predictive);
    disposePredictive(viaProbs);
    tf.dispose([x, tiled]);
    m.dispose();
  });

  it('tiles images [N, H, W, C] to [N, M, H, W, C] (every backend, webgpu included)', async () => {
    const x = input({ shape: [2, 5, 5, 1] });
    const conv = layers
      .conv2d({ filters: 2, kernelSize: 3, activation: 'relu' })
      .apply(new MimoStack().apply(x));
    const pooled = layers.globalAveragePooling2d({}).apply(conv);
    const out = new MimoHead({ members: 2, units: 3, seed: 5 }).apply(pooled);
    const m = functionalModel({ inputs: x, outputs: out as never });
    // Computed by a kernel, so that on webgpu the images live on the device (uploaded data would
    // still be readable synchronously from the CPU copy).
    const images = tf.tidy(() => tf.mul(tf.randomNormal([3, 5, 5, 1], 0, 1, 'float32', 8), 2));
    const predictive = mimoPredict(m, images, { members: 2 });
    // Manual: each image repeated in both member slots, one predict, softmax per member.
    const tiled = tf.stack([images, images], 1);
    const logits = await readArray<number[][][]>(m.predict(tiled) as tf.Tensor);
    const members = await readArray<number[][][]>(predictive.members!);
    logits.forEach((row, b) => {
      row.map(softmaxRow).forEach((p, j) => {
        p.forEach((v, k) => {
          // float32 softmax of O(1) logits: 1e-6.
          expect(members[j]![b]![k]).toBeCloseTo(v, 5);
        });
      });
    });
    disposePredictive(predictive);
    tf.dispose([images, tiled]);
    m.dispose();
  });

  it('reads model probabilities once for all batches, not once per batch', () => {
    const m = mimoMlp(3, 4, 1);
    const soft = functionalModel({
      inputs: m.inputs,
      outputs: layers.softmax({ axis: -1 }).apply(m.outputs[0]!) as never,
    });
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 6);
    const reads = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    try {
      // 5 batches of 1 row: one check of the whole [5, 3, 4] output (skipped on webgpu).
      const predictive = mimoPredict(soft, x, {
        members: 3,
        output: 'probabilities',
        batchSize: 1,
      });
      expect(reads).toHaveBeenCalledTimes(tf.getBackend() === 'webgpu' ? 0 : 1);
      disposePredictive(predictive);
    } finally {
      reads.mockRestore();
    }
    x.dispose();
    m.dispose();
  });

  it('gives the same numbers for the same seed, and leaks nothing', async () => {
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 6);
    const [m1, m2, m3] = [mimoMlp(2, 3, 4), mimoMlp(2, 3, 4), mimoMlp(2, 3, 5)];
    const before = tf.memory().numTensors;
    const [p1, p2, p3] = [m1, m2, m3].map((m) => mimoPredict(m, x, { members: 2 }));
    expect(await read(p2!.probs)).toEqual(await read(p1!.probs));
    expect(await read(p3!.probs)).not.toEqual(await read(p1!.probs));
    for (const p of [p1, p2, p3]) disposePredictive(p!);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    for (const m of [m1, m2, m3]) m.dispose();
  });

  it('rejects bad arguments, naming them', () => {
    const m = mimoMlp(3, 2, 1);
    const x = tf.zeros([4, 2]);
    expect(() => mimoPredict(m, x, { members: 2 })).toThrow(/mimoPredict: x/);
    expect(() => mimoPredict(m, tf.zeros([4, 3]), { members: 3 })).toThrow(ShapeError);
    expect(() => mimoPredict(m, tf.zeros([4]), { members: 3 })).toThrow(/mimoPredict: x/);
    expect(() => mimoPredict(m, tf.zeros([0, 2]), { members: 3 })).toThrow(/N >= 1/);
    expect(() => mimoPredict(m, x, { members: 0 })).toThrow(/options.members/);
    expect(() => mimoPredict(m, x, null as never)).toThrow(/options/);
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [null, [{ members: 3 }], x]) {
      expect(() => mimoPredict(m, x, bad as never)).toThrow(
        /^mimoPredict: options must be an object \{ members, output\?, batchSize\? \}, got /,
      );
    }
    // Left out, the options read as {} and the error names the missing members.
    expect(() => mimoPredict(m, x, undefined as never)).toThrow(
      /^mimoPredict: options\.members must be/,
    );
    expect(() => mimoPredict(m, x, { members: 3, output: 'x' as never })).toThrow(/options.output/);
    expect(() => mimoPredict(m, x, { members: 3, batchSize: 0 })).toThrow(/options.batchSize/);
    expect(() => mimoPredict(null as never, x, { members: 3 })).toThrow(/mimoPredict: model/);
    x.dispose();
    m.dispose();
  });
});
