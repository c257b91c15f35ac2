import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  dilateFilter,
  FLOAT32_SUM_TOLERANCE,
  normalArray,
  Rng,
  relativeError,
  valuesOn,
  wasmDataIds,
} from '../helpers/compare.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

interface DepthwiseCase {
  readonly x: Shape4; // [B, H, W, C]
  readonly kernel: [number, number];
  readonly multiplier: number;
  readonly strides: number | [number, number];
  readonly dilation: number;
  readonly pad: Pad;
}

function cases(): DepthwiseCase[] {
  const rng = new Rng(41);
  const size = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const out: DepthwiseCase[] = [];
  for (const pad of ['same', 'valid', 1] as const) {
    const combos: [DepthwiseCase['strides'], number][] = [
      [1, 1],
      [2, 1],
      [[1, 2], 1],
      [1, 2],
    ];
    for (const [strides, dilation] of combos) {
      const kernel: [number, number] = [size(1, 3), size(1, 3)];
      const side = (f: number) => Math.max(size(4, 9), (f - 1) * dilation + 1);
      out.push({
        x: [size(1, 3), side(kernel[0]), side(kernel[1]), size(1, 4)],
        kernel,
        multiplier: size(1, 3),
        strides,
        dilation,
        pad,
      });
    }
  }
  return out;
}

describe('DepthwiseConv2dNativeBackpropFilter / Input on wasm (missing in stock tfjs-wasm)', () => {
  it.each(
    cases().map((c, i) => [JSON.stringify(c), c, i] as const),
  )('match the cpu backend: %s', async (_, c, i) => {
    const filter: Shape4 = [c.kernel[0], c.kernel[1], c.x[3], c.multiplier];
    const info = tf.backend_util.computeConv2DInfo(
      c.x,
      filter,
      c.strides,
      c.dilation,
      c.pad,
      undefined,
      true,
    );
    const rng = new Rng(300 + i);
    const x = normalArray(rng, tf.util.sizeFromShape(c.x));
    const w = normalArray(rng, tf.util.sizeFromShape(filter));
    const dy = normalArray(rng, tf.util.sizeFromShape(info.outShape));
    const run = (f: { values: Float32Array; shape: Shape4 }, dilations: number) => {
      const attrs = { strides: c.strides, dilations, pad: c.pad };
      return [
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, info.outShape) },
            { ...attrs, filterShape: f.shape },
          ) as tf.Tensor4D,
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(f.values, f.shape) },
            { ...attrs, inputShape: c.x },
          ) as tf.Tensor,
      ];
    };
    const got = await valuesOn('wasm', () => run({ values: w, shape: filter }, c.dilation));
    // Reference: cpu kernels (which ignore dilation) on the zero-inserted filter.
    const dilated = dilateFilter(w, filter, c.dilation);
    const want = await valuesOn('cpu', () => {
      const [dwDilated, dx] = run(dilated, 1) as [tf.Tensor4D, tf.Tensor];
      return [
        tf.stridedSlice(dwDilated, [0, 0, 0, 0], dilated.shape, [c.dilation, c.dilation, 1, 1]),
        dx,
      ];
    });
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    expect(relativeError(got[1]!, want[1]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  it('lets tf.grads of tf.depthwiseConv2d run on wasm and equal the cpu backend', async () => {
    const rng = new Rng(43);
    const x = normalArray(rng, 2 * 7 * 6 * 3);
    const w = normalArray(rng, 3 * 3 * 3 * 2);
    const grads = () =>
      tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 2, 'same'))),
      )([tf.tensor4d(x, [2, 7, 6, 3]), tf.tensor4d(w, [3, 3, 3, 2])]);
    const got = await valuesOn('wasm', grads);
    const want = await valuesOn('cpu', grads);
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    expect(relativeError(got[1]!, want[1]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  it('frees every intermediate buffer', async () => {
    const grads = () =>
      tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
        tf.sum(tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, 'valid')),
      )([tf.ones([1, 5, 5, 2]), tf.ones([2, 2, 2, 3])]);
    await valuesOn('wasm', grads);
    const before = wasmDataIds();
    await valuesOn('wasm', grads);
    expect(wasmDataIds()).toBe(before);
  });
});
