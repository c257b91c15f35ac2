import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import {
  FLOAT32_SUM_TOLERANCE,
  normalArray,
  Rng,
  relativeError,
  valuesOn,
  wasmDataIds,
} from '../helpers/compare.js';

/**
 * Untransposed products whose right operand qualifies for padding on its first use (one matrix,
 * N a multiple of 1024, at least 2^18 elements) and some that do not.
 */
const CASES: { name: string; a: number[]; b: number[] }[] = [
  { name: 'a dense layer, [5, 300] x [300, 1024]', a: [5, 300], b: [300, 1024] },
  { name: 'a batch of 3 against one matrix', a: [3, 7, 256], b: [1, 256, 1024] },
  { name: 'N = 2048', a: [4, 200], b: [200, 2048] },
  { name: 'too small to pad', a: [6, 100], b: [100, 1024] },
  { name: 'rows not 4 KiB-aligned', a: [6, 300], b: [300, 1000] },
];

function draw(seed: number, shape: number[]): tf.Tensor {
  return tf.tensor(normalArray(new Rng(seed), tf.util.sizeFromShape(shape)), shape);
}

describe('padded untransposed products on wasm', () => {
  for (const { name, a: shapeA, b: shapeB } of CASES) {
    it(`${name}: equals cpu, and equals bit for bit the stock product of the second use`, async () => {
      await tf.setBackend('wasm');
      const a = draw(1, shapeA);
      const b = draw(2, shapeB);
      const first = tf.matMul(a, b); // b's first product: padded where it qualifies
      const second = tf.matMul(a, b); // b seen before: the stock kernel
      expect(first.shape).toEqual(second.shape);
      expect(first.dataSync()).toEqual(second.dataSync());
      const [want] = await valuesOn('cpu', () => tf.matMul(draw(1, shapeA), draw(2, shapeB)));
      expect(relativeError(first.dataSync() as Float32Array, want!)).toBeLessThan(
        FLOAT32_SUM_TOLERANCE,
      );
      tf.dispose([a, b, first, second]);
    });
  }

  for (const activation of ['linear', 'relu', 'leakyrelu', 'elu'] as const) {
    it(`fused product with a bias vector and ${activation}: equal to the stock one`, async () => {
      await tf.setBackend('wasm');
      const [a, b, bias] = [draw(3, [9, 300]), draw(4, [300, 1024]), draw(5, [1024])];
      const run = () => tf.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.3 });
      const padded = run();
      const stock = run();
      expect(padded.dataSync()).toEqual(stock.dataSync());
      tf.dispose([a, b, bias, padded, stock]);
    });
  }

  it('leaves PReLU (whose weights may vary by row) to the stock kernel, correctly', async () => {
    const run = () =>
      tf.fused.matMul({
        a: draw(6, [4, 300]),
        b: draw(9, [300, 1024]),
        activation: 'prelu',
        preluActivationWeights: draw(10, [1024]),
      });
    const got = await valuesOn('wasm', run);
    const want = await valuesOn('cpu', run);
    got.forEach((g, i) => {
      expect(relativeError(g, want[i]!), `output ${i}`).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    });
  });

  it("pads on the first product of an operand only (later ones hit XNNPACK's packed copy)", async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as {
      makeOutput(shape: number[], dtype: string): unknown;
    };
    const allocations = vi.spyOn(backend, 'makeOutput');
    const [a, b, c, small] = [
      draw(13, [2, 300]),
      draw(14, [300, 1024]),
      draw(16, [2, 100]),
      draw(15, [100, 1024]),
    ];
    const shapes = () => allocations.mock.calls.map(([shape]) => shape.join('x'));
    try {
      tf.dispose(tf.matMul(a, b));
      expect(shapes()).toContain('300x1028');
      allocations.mockClear();
      tf.dispose(tf.matMul(a, b));
      tf.dispose(tf.matMul(c, small)); // too small to pad
      expect(shapes().filter((s) => s.endsWith('x1028'))).toEqual([]);
    } finally {
      allocations.mockRestore();
      tf.dispose([a, b, c, small]);
    }
  });

  it('frees its padded copies: one new buffer per product, the result', async () => {
    await tf.setBackend('wasm');
    const [a, b] = [draw(11, [8, 300]), draw(12, [300, 1024])];
    const before = wasmDataIds();
    const product = tf.matMul(a, b);
    expect(wasmDataIds()).toBe(before + 1);
    tf.dispose([a, b, product]);
  });
});
