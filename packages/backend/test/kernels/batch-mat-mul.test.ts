import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  FLOAT32_SUM_TOLERANCE,
  normalArray,
  Rng,
  relativeError,
  valuesOn,
  wasmDataIds,
} from '../helpers/compare.js';

/** Operand shapes for `a` `[..., M, K]` and `b` `[..., K, N]`, laid out for the flags. */
function operandShapes(
  batchA: number[],
  batchB: number[],
  [m, k, n]: [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
): [number[], number[]] {
  return [
    [...batchA, ...(transposeA ? [k, m] : [m, k])],
    [...batchB, ...(transposeB ? [n, k] : [k, n])],
  ];
}

const FLAGS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

const BATCHES: [number[], number[]][] = [
  [[], []], // rank 2
  [[3], [3]], // batched
  [[2], [1]], // b broadcast over the batch
  [[1], [4]], // a broadcast over the batch
];

describe('BatchMatMul / _FusedMatMul on wasm', () => {
  const rng = new Rng(5);
  const cases = FLAGS.flatMap(([ta, tb]) =>
    BATCHES.map(([ba, bb]) => {
      const dims: [number, number, number] = [1 + rng.int(13), 1 + rng.int(13), 1 + rng.int(13)];
      return { ta, tb, ba, bb, dims };
    }),
  );

  it.each(
    cases.map((c) => [JSON.stringify(c), c] as const),
  )('matMul matches the cpu backend: %s', async (_, c) => {
    const [aShape, bShape] = operandShapes(c.ba, c.bb, c.dims, c.ta, c.tb);
    const a = normalArray(rng, tf.util.sizeFromShape(aShape));
    const b = normalArray(rng, tf.util.sizeFromShape(bShape));
    const product = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), c.ta, c.tb);
    const got = await valuesOn('wasm', product);
    const want = await valuesOn('cpu', product);
    // Sums of K <= 13 products; FLOAT32_SUM_TOLERANCE (1e-5) relative.
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  // Element counts of the cost rule in batch-mat-mul.ts: with few rows M and a large operand B,
  // A B^T goes through (B A^T)^T; with a large M it transposes B directly.
  it.each([
    ['A B^T as (B A^T)^T', [2, 12], [13, 12], false, true],
    ['A B^T as (B A^T)^T, batched, b broadcast', [3, 2, 12], [1, 13, 12], false, true],
    ['A^T B^T as (B A)^T', [12, 2], [13, 12], true, true],
    ['A B^T directly', [13, 12], [2, 12], false, true],
    ['A^T B directly', [12, 13], [12, 2], true, false],
  ] as const)('matMul matches the cpu backend: %s', async (_, aShape, bShape, ta, tb) => {
    const a = normalArray(rng, tf.util.sizeFromShape([...aShape]));
    const b = normalArray(rng, tf.util.sizeFromShape([...bShape]));
    const product = () => tf.matMul(tf.tensor(a, [...aShape]), tf.tensor(b, [...bShape]), ta, tb);
    const got = await valuesOn('wasm', product);
    const want = await valuesOn('cpu', product);
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  it('fused matMul (bias + activation) with transposes matches the cpu backend', async () => {
    for (const [ta, tb] of FLAGS) {
      const [aShape, bShape] = operandShapes([], [], [7, 9, 5], ta, tb);
      const a = normalArray(rng, tf.util.sizeFromShape(aShape));
      const b = normalArray(rng, tf.util.sizeFromShape(bShape));
      const bias = normalArray(rng, 5);
      const product = () =>
        tf.fused.matMul({
          a: tf.tensor(a, aShape),
          b: tf.tensor(b, bShape),
          transposeA: ta,
          transposeB: tb,
          bias: tf.tensor1d(bias),
          activation: 'leakyrelu',
          leakyreluAlpha: 0.2,
        });
      const got = await valuesOn('wasm', product);
      const want = await valuesOn('cpu', product);
      expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    }
  });

  it('gives tf.grads of a matMul chain equal to the cpu backend', async () => {
    const x = normalArray(rng, 6 * 11);
    const w1 = normalArray(rng, 11 * 7);
    const w2 = normalArray(rng, 7 * 3);
    // The backward pass needs x^T dy (transposeA) and dy w^T (transposeB).
    const grads = () =>
      tf.grads((xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.matMul(
              tf.leakyRelu(tf.matMul(xs as tf.Tensor2D, a as tf.Tensor2D), 0.1),
              b as tf.Tensor2D,
            ),
          ),
        ),
      )([tf.tensor2d(x, [6, 11]), tf.tensor2d(w1, [11, 7]), tf.tensor2d(w2, [7, 3])]);
    const got = await valuesOn('wasm', grads);
    const want = await valuesOn('cpu', grads);
    for (let i = 0; i < 3; i++) {
      expect(relativeError(got[i]!, want[i]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    }
  });

  it('frees the transposed copies', async () => {
    const product = () => tf.matMul(tf.ones([4, 6]), tf.ones([5, 4]), true, true);
    await valuesOn('wasm', product);
    const before = wasmDataIds();
    await valuesOn('wasm', product);
    expect(wasmDataIds()).toBe(before);
  });
});
