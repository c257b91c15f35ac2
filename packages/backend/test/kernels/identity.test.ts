import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { wasmDataIds } from '../helpers/compare.js';

describe('Identity on wasm (shared buffer)', () => {
  it('clones without copying: one buffer, freed with the last tensor that uses it', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const buffers = wasmDataIds();
    const copy = tf.clone(x);
    expect(wasmDataIds()).toBe(buffers); // no new buffer
    expect(copy.shape).toEqual([2, 3]);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4, 5, 6]); // still alive
    expect(wasmDataIds()).toBe(buffers);
    copy.dispose();
    expect(wasmDataIds()).toBe(buffers - 1);
  });

  it('keeps values apart when the original variable is assigned afterwards', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, snapshot]);
  });

  it('clones int32, bool and string tensors with their dtype and values', async () => {
    await tf.setBackend('wasm');
    const originals = [
      tf.tensor1d([3, -1], 'int32'),
      tf.tensor1d([1, 0], 'bool'),
      tf.tensor1d(['a', 'bc'], 'string'),
    ];
    const clones = originals.map((t) => tf.clone(t));
    tf.dispose(originals);
    expect(clones.map((t) => t.dtype)).toEqual(['int32', 'bool', 'string']);
    expect(await Promise.all(clones.map((t) => t.array()))).toEqual([
      [3, -1],
      [1, 0],
      ['a', 'bc'],
    ]);
    tf.dispose(clones);
  });
});
