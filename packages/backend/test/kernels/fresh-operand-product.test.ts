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
 * N a multiple of 1024, at least 2^18 elements, and `a` too large to flip: `2 (|a| + |c|) >
 * |b|`) and some that do not.
 */
const PADDED_CASES: { name: string; a: number[]; b: number[] }[] = [
  { name: 'a dense layer, [200, 300] x [300, 1024]', a: [200, 300], b: [300, 1024] },
  { name: 'a batch of 3 against one matrix', a: [3, 70, 256], b: [1, 256, 1024] },
  { name: 'N = 2048', a: [100, 200], b: [200, 2048] },
  { name: 'too small to pad', a: [6, 100], b: [100, 1024] },
  { name: 'rows not 4 KiB-aligned', a: [160, 300], b: [300, 1000] },
];

/** First products that run flipped: `a` small against a `b` of at least 2^18 elements. */
const FLIPPED_CASES: { name: string; a: number[]; b: number[] }[] = [
  {
    name: 'a dense layer at batch 128, [128, 1024] x [1024, 1024]',
    a: [128, 1024],
    b: [1024, 1024],
  },
  {
    name: 'the first layer of the MNIST MLP, [128, 784] x [784, 1024]',
    a: [128, 784],
    b: [784, 1024],
  },
  { name: 'a batch of 3 against one matrix', a: [3, 7, 256], b: [1, 256, 1024] },
  { name: 'rows not 4 KiB-aligned', a: [6, 300], b: [300, 1000] },
];

function draw(seed: number, shape: number[]): tf.Tensor {
  return tf.tensor(normalArray(new Rng(seed), tf.util.sizeFromShape(shape)), shape);
}

describe('first products of a fresh right operand on wasm', () => {
  for (const { name, a: shapeA, b: shapeB } of FLIPPED_CASES) {
    it(`flipped, ${name}: equals cpu to rounding, the same bits on every call`, async () => {
      await tf.setBackend('wasm');
      const a = draw(1, shapeA);
      const bias = draw(3, [shapeB.at(-1)!]);
      for (const withBias of [false, true]) {
        const product = (b: tf.Tensor) =>
          withBias ? tf.fused.matMul({ a, b, bias }) : tf.matMul(a, b);
        const b = draw(2, shapeB);
        const first = product(b);
        const second = product(b); // b seen before: flipped again (decided by the shapes)
        expect(first.shape).toEqual(second.shape);
        expect(first.dataSync()).toEqual(second.dataSync());
        const [want] = await valuesOn('cpu', () => {
          const [ca, cb, cbias] = [draw(1, shapeA), draw(2, shapeB), draw(3, [shapeB.at(-1)!])];
          return withBias ? tf.fused.matMul({ a: ca, b: cb, bias: cbias }) : tf.matMul(ca, cb);
        });
        expect(relativeError(first.dataSync() as Float32Array, want!)).toBeLessThan(
          FLOAT32_SUM_TOLERANCE,
        );
        tf.dispose([first, second, b]);
      }
      tf.dispose([a, bias]);
    });
  }

  it('does not flip a product with an activation, or with a large left operand', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as {
      makeOutput(shape: number[], dtype: string): unknown;
    };
    const allocations = vi.spyOn(backend, 'makeOutput');
    const shapes = () => allocations.mock.calls.map(([shape]) => shape.join('x'));
    const [a, b, bias, big] = [
      draw(4, [8, 300]),
      draw(5, [300, 1000]),
      draw(6, [1000]),
      draw(7, [200, 300]),
    ];
    try {
      tf.dispose(tf.matMul(a, b));
      expect(shapes()).toContain('1000x300'); // b^T: flipped
      allocations.mockClear();
      const [b2, b3] = [draw(5, [300, 1000]), draw(5, [300, 1000])]; // new buffers: first products
      tf.dispose(tf.fused.matMul({ a, b: b2, bias, activation: 'relu' }));
      tf.dispose(tf.matMul(big, b3));
      tf.dispose([b2, b3]);
      expect(shapes()).not.toContain('1000x300');
    } finally {
      allocations.mockRestore();
      tf.dispose([a, b, bias, big]);
    }
  });

  it('frees its flipped copies: one new buffer per product, the result', async () => {
    await tf.setBackend('wasm');
    const [a, b, bias] = [draw(8, [8, 300]), draw(9, [300, 1024]), draw(10, [1024])];
    const before = wasmDataIds();
    const product = tf.fused.matMul({ a, b, bias });
    expect(wasmDataIds()).toBe(before + 1);
    tf.dispose([a, b, bias, product]);
  });

  for (const { name, a: shapeA, b: shapeB } of PADDED_CASES) {
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
      const [a, b, bias] = [draw(3, [160, 300]), draw(4, [300, 1024]), draw(5, [1024])];
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
      draw(13, [200, 300]),
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
    const [a, b] = [draw(11, [200, 300]), draw(12, [300, 1024])];
    const before = wasmDataIds();
    const product = tf.matMul(a, b);
    expect(wasmDataIds()).toBe(before + 1);
    tf.dispose([a, b, product]);
  });
});
