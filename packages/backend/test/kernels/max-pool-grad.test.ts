import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { normalArray, Rng, relativeError, valuesOn, wasmDataIds } from '../helpers/compare.js';

type Pad = 'same' | 'valid' | number;

interface PoolCase {
  readonly x: [number, number, number, number];
  readonly filterSize: number | [number, number];
  readonly strides: number | [number, number];
  readonly pad: Pad;
  /** Draw inputs from {0, 1, 2} so windows hold ties (the first maximum gets the gradient). */
  readonly ties: boolean;
}

function cases(): PoolCase[] {
  const rng = new Rng(31);
  const size = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const out: PoolCase[] = [];
  for (const pad of ['valid', 'same', 1] as const) {
    for (const strides of [1, 2, [1, 2]] as PoolCase['strides'][]) {
      for (const ties of [false, true]) {
        // With a numeric pad tfjs-core sizes the output from the window height alone, and the
        // stock wasm MaxPool forward then overruns its output for non-square windows (a tfjs
        // bug outside these kernels), so numeric pads get square windows.
        const window = size(2, 3);
        out.push({
          x: [size(1, 3), size(3, 9), size(3, 9), size(1, 6)],
          filterSize: pad === 1 ? window : [size(1, 3), window],
          strides,
          pad,
          ties,
        });
      }
    }
  }
  // The paper's CNN pooling: 2x2 windows, stride 1; batch 1 and odd sizes.
  out.push({ x: [1, 7, 9, 5], filterSize: 2, strides: 1, pad: 'valid', ties: false });
  out.push({ x: [2, 5, 5, 3], filterSize: 2, strides: 1, pad: 'valid', ties: true });
  return out;
}

function poolValues(rng: Rng, c: PoolCase): Float32Array {
  const n = tf.util.sizeFromShape(c.x);
  return c.ties ? Float32Array.from({ length: n }, () => rng.int(3)) : normalArray(rng, n);
}

describe('MaxPoolGrad on wasm', () => {
  it.each(
    cases().map((c, i) => [JSON.stringify(c), c, i] as const),
  )('gives tf.grads of tf.maxPool equal to the cpu backend: %s', async (_, c, i) => {
    const rng = new Rng(200 + i);
    const x = poolValues(rng, c);
    const outShape = tf.backend_util.computePool2DInfo(
      c.x,
      c.filterSize,
      c.strides,
      1,
      c.pad,
    ).outShape;
    const dy = normalArray(rng, tf.util.sizeFromShape(outShape));
    // d/dx sum(maxPool(x) * dy) routes each dy to its window's (first) maximum.
    const grad = () =>
      tf.grad((xs: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.maxPool(xs as tf.Tensor4D, c.filterSize, c.strides, c.pad),
            tf.tensor(dy, outShape),
          ),
        ),
      )(tf.tensor4d(x, c.x));
    const got = await valuesOn('wasm', grad);
    const want = await valuesOn('cpu', grad);
    // Each dx is a sum of the same few dy values on both backends (order may differ): 1e-6.
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(1e-6);
  });

  it('sends the gradient of a tied window to its first maximum (row-major)', async () => {
    // One 2x2 window, all equal: cpu and wasm both give the whole gradient to [0, 0].
    const grad = () =>
      tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xs as tf.Tensor4D, 2, 1, 'valid'), 3)))(
        tf.ones([1, 2, 2, 1]),
      );
    const [got] = await valuesOn('wasm', grad);
    expect(Array.from(got!)).toEqual([3, 0, 0, 0]);
  });

  it('frees nothing it should keep and leaks nothing', async () => {
    const grad = () =>
      tf.grad((xs: tf.Tensor) => tf.sum(tf.maxPool(xs as tf.Tensor4D, 2, 1, 'valid')))(
        tf.ones([2, 5, 5, 3]),
      );
    await valuesOn('wasm', grad);
    const before = wasmDataIds();
    await valuesOn('wasm', grad);
    expect(wasmDataIds()).toBe(before);
  });
});
