import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { ImageDataset } from '../src/index.js';

/** 7 images of 2x3x2 whose pixel values encode (example, position): 12 n + k, plus 100. */
function tiny(): ImageDataset {
  const n = 7;
  const images = Uint8Array.from({ length: n * 12 }, (_, i) => 100 + i);
  return new ImageDataset({
    images,
    shape: [n, 2, 3, 2],
    labels: Int32Array.from([0, 1, 2, 0, 1, 2, 0]),
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
  });
}

describe('ImageDataset', () => {
  it('validates its parts with messages naming them', () => {
    const ok = { images: new Uint8Array(8), shape: [2, 2, 2, 1] as const, numClasses: 2 };
    const labels = Int32Array.from([0, 1]);
    expect(() => new ImageDataset({ ...ok, labels, images: new Uint8Array(7) })).toThrow(
      'ImageDataset: images.length must be N*H*W*C = 8 for shape [2, 2, 2, 1], got 7',
    );
    expect(() => new ImageDataset({ ...ok, labels, shape: [2, 2, 2] as never })).toThrow(
      ShapeError,
    );
    expect(() => new ImageDataset({ ...ok, labels: Int32Array.from([0, 2]) })).toThrow(
      'ImageDataset: labels[1] must be an integer class label in [0, 1], got 2',
    );
    expect(() => new ImageDataset({ ...ok, labels: Int32Array.from([0]) })).toThrow(
      'labels must be an Int32Array of length N = 2',
    );
    expect(
      () => new ImageDataset({ ...ok, labels, images: new Float32Array(8).fill(Number.NaN) }),
    ).toThrow('ImageDataset: images[0] must be finite, got NaN');
    expect(() => new ImageDataset({ ...ok, labels, classNames: ['x'] })).toThrow(
      'classNames must be 2 names (one per class)',
    );
    expect(() => new ImageDataset({ ...ok, labels, images: [1] as never })).toThrow(
      InvalidArgumentError,
    );
    const d = new ImageDataset({ ...ok, labels });
    expect(d.classNames).toEqual(['0', '1']);
    expect(d.size).toBe(2);
  });

  it('toTensors scales uint8 pixels by 1/255 and keeps the layout', async () => {
    const d = tiny();
    const { x, y } = d.toTensors();
    expect(x.shape).toEqual([7, 2, 3, 2]);
    expect(x.dtype).toBe('float32');
    const values = await x.data();
    for (let i = 0; i < values.length; i++) expect(values[i]).toBe(Math.fround((100 + i) / 255));
    expect(Array.from(await y.data())).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(y.dtype).toBe('int32');
    const flat = d.toTensors({ flatten: true });
    expect(flat.x.shape).toEqual([7, 12]);
    expect(Array.from(await flat.x.data())).toEqual(Array.from(values));
    tf.dispose([x, y, flat.x, flat.y]);
  });

  it('uses float32 storage as it is', async () => {
    const images = Float32Array.from({ length: 8 }, (_, i) => i - 3.5);
    const d = new ImageDataset({
      images,
      shape: [2, 2, 2, 1],
      labels: Int32Array.from([1, 0]),
      numClasses: 2,
    });
    const { x, y } = d.toTensors();
    expect(Array.from(await x.data())).toEqual(Array.from(images));
    tf.dispose([x, y]);
  });

  it('batches without shuffle concatenate to toTensors, with a short last batch', async () => {
    const d = tiny();
    const sizes: number[] = [];
    const xs: number[] = [];
    const ys: number[] = [];
    for (const { x, y } of d.batches({ batchSize: 3 })) {
      sizes.push(x.shape[0]!);
      expect(x.shape.slice(1)).toEqual([2, 3, 2]);
      xs.push(...(await x.data()));
      ys.push(...(await y.data()));
      tf.dispose([x, y]);
    }
    expect(sizes).toEqual([3, 3, 1]);
    const all = d.toTensors();
    expect(xs).toEqual(Array.from(await all.x.data()));
    expect(ys).toEqual(Array.from(await all.y.data()));
    tf.dispose([all.x, all.y]);
    const dropped = [...d.batches({ batchSize: 3, dropLast: true })];
    expect(dropped.map((b) => b.x.shape[0])).toEqual([3, 3]);
    tf.dispose(dropped.flatMap((b) => [b.x, b.y]));
  });

  it('shuffles into a seeded permutation: every example once, same seed same order', () => {
    const d = tiny();
    const order = (seed: number) =>
      [...d.arrayBatches({ batchSize: 2, shuffle: true, seed })].flatMap((b) => [...b.indices]);
    const a = order(5);
    expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(order(5)).toEqual(a);
    expect(order(6)).not.toEqual(a);
    // Each batch's x and y belong to the examples it names.
    for (const b of d.arrayBatches({ batchSize: 3, shuffle: true, seed: 1, flatten: true })) {
      expect(b.shape).toEqual([b.indices.length, 12]);
      b.indices.forEach((index, i) => {
        expect(b.y[i]).toBe(d.labels[index]);
        expect(b.x[i * 12]).toBe(Math.fround((100 + 12 * index) / 255));
      });
    }
  });

  it('rejects bad batch options', () => {
    const d = tiny();
    expect(() => d.batches({ batchSize: 0 })).toThrow(
      'ImageDataset.batches: batchSize must be an integer >= 1, got 0',
    );
    expect(() => d.arrayBatches({ batchSize: 2, shuffle: true, seed: -1 })).toThrow(
      'ImageDataset.arrayBatches: seed must be an integer seed',
    );
  });

  it('subset copies the chosen examples; withLabels swaps labels only', () => {
    const d = tiny();
    const s = d.subset([6, 0, 0]);
    expect(s.shape).toEqual([3, 2, 3, 2]);
    expect(Array.from(s.labels)).toEqual([0, 0, 0]);
    expect(s.images[0]).toBe(100 + 72);
    expect(s.images[12]).toBe(100);
    expect(s.classNames).toEqual(['a', 'b', 'c']);
    expect(() => d.subset([7])).toThrow(
      'ImageDataset.subset: indices[0] must be an integer in [0, 6], got 7',
    );
    const relabelled = d.withLabels(Int32Array.from([2, 2, 2, 2, 2, 2, 1]));
    expect(relabelled.images).toBe(d.images);
    expect(Array.from(relabelled.classCounts())).toEqual([0, 1, 6]);
    expect(() => d.withLabels(Int32Array.from([3, 0, 0, 0, 0, 0, 0]))).toThrow(
      'ImageDataset.withLabels: labels[0] must be an integer class label in [0, 2], got 3',
    );
    expect(() => d.withLabels(new Int32Array(2))).toThrow('N = 7');
    expect(Array.from(d.classCounts())).toEqual([3, 2, 2]);
  });

  it('leaves no tensors behind beyond the ones it hands out', () => {
    const d = tiny();
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      const { x, y } = d.toTensors({ flatten: round % 2 === 1 });
      tf.dispose([x, y]);
      for (const batch of d.batches({ batchSize: 2, shuffle: true, seed: round })) {
        tf.dispose([batch.x, batch.y]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
