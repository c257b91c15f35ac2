import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { simdRowMaxFor, simdRowSumFor } from '../../src/kernels/reduce-simd.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { normalArray, Rng, relativeError, valuesOn } from '../helpers/compare.js';

/** [shape, axes] cases: leading axes (the fast path) and others (the stock kernels). */
const CASES: [number[], number | number[]][] = [
  [[1000, 128, 10], 0], // Monte Carlo samples of a [B, K] head
  [[7, 5], 0], // 5 columns: one SIMD group and a JavaScript column
  [[3, 3], [0]],
  [
    [6, 4, 3],
    [0, 1],
  ], // two leading axes
  [
    [6, 4, 3],
    [1, 0],
  ], // the same, unsorted
  [[1, 9], 0], // one row
  [[9, 1], 0], // one column (JavaScript only)
  [[6, 4, 3], 1], // a middle axis: stock
  [[6, 4, 3], -1], // innermost: stock
  [
    [6, 4],
    [0, 1],
  ], // all axes: stock
];

describe('Sum / Max over leading axes on wasm', () => {
  it('runs the SIMD functions in Node', async () => {
    await tf.setBackend('wasm');
    const memory = backendMemory(tf.backend());
    expect(simdRowSumFor(memory)).toBeTypeOf('function');
    expect(simdRowMaxFor(memory)).toBeTypeOf('function');
  });

  for (const [shape, axes] of CASES) {
    for (const keepDims of [false, true]) {
      it(`equals cpu for shape [${shape}], axes ${JSON.stringify(axes)}, keepDims ${keepDims}`, async () => {
        const values = normalArray(
          new Rng(shape.length * 100 + shape[0]!),
          tf.util.sizeFromShape(shape),
        );
        const run = () => {
          const x = tf.tensor(values, shape);
          return [tf.sum(x, axes, keepDims), tf.max(x, axes, keepDims)];
        };
        const got = await valuesOn('wasm', run);
        const want = await valuesOn('cpu', run);
        const shapesOn = async (backend: string) => {
          await tf.setBackend(backend);
          return tf.tidy(() => run().map((t) => t.shape));
        };
        expect(await shapesOn('wasm')).toEqual(await shapesOn('cpu'));
        // Sums of up to 1000 terms in another order; maxima are exact.
        expect(relativeError(got[0]!, want[0]!)).toBeLessThan(1e-5);
        expect(got[1]).toEqual(want[1]);
      });
    }
  }

  it('propagates NaN in a maximum, sums int32 on the stock kernel', async () => {
    await tf.setBackend('wasm');
    const max = tf.max(tf.tensor2d([1, Number.NaN, 3, 4, 5, 6, 7, 8, 2, 0, 1, 9], [2, 6]), 0);
    expect(Array.from(max.dataSync()).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([
      7,
      'NaN',
      3,
      4,
      5,
      9,
    ]);
    const ints = tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([4, 6]);
    tf.dispose([max, ints]);
  });
});
