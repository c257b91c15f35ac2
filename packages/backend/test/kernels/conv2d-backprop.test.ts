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
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface ConvCase {
  readonly x: Shape4; // [B, H, W, C]
  readonly kernel: [number, number]; // [fh, fw]
  readonly outChannels: number;
  readonly strides: number | [number, number];
  readonly dilation: number;
  readonly pad: Pad;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The filter shape `[fh, fw, C, O]` of a case. */
function filterShape(c: ConvCase): Shape4 {
  return [c.kernel[0], c.kernel[1], c.x[3], c.outChannels];
}

/** Random sizes (often odd) for one stride / dilation / padding combination. */
function randomCase(rng: Rng, strides: ConvCase['strides'], dilation: number, pad: Pad): ConvCase {
  const size = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const kernel: [number, number] = [size(1, 4), size(1, 4)];
  // 'valid' needs the dilated filter to fit in the image.
  const side = (f: number) => Math.max(size(3, 11), (f - 1) * dilation + 1);
  return {
    x: [size(1, 3), side(kernel[0]), side(kernel[1]), size(1, 5)],
    kernel,
    outChannels: size(1, 6),
    strides,
    dilation,
    pad,
  };
}

const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [1, 2],
    [0, 3],
    [0, 0],
  ],
];

function cases(): ConvCase[] {
  const rng = new Rng(20240503);
  const all: ConvCase[] = [];
  for (const pad of PADS) {
    for (const strides of [1, 2, [2, 1]] as ConvCase['strides'][])
      all.push(randomCase(rng, strides, 1, pad));
    // tf.conv2d takes a dilation > 1 only with stride 1.
    all.push(randomCase(rng, 1, 2, pad));
    all.push(randomCase(rng, 1, 3, pad));
  }
  // Batch 1, a filter as large as the image, odd sizes everywhere, rounding of numeric pads.
  const fixed = { dilation: 1 };
  all.push({ ...fixed, x: [1, 7, 5, 3], kernel: [7, 5], outChannels: 2, strides: 1, pad: 'valid' });
  all.push({ ...fixed, x: [1, 9, 9, 1], kernel: [2, 2], outChannels: 1, strides: 2, pad: 'valid' });
  all.push({ ...fixed, x: [2, 8, 6, 2], kernel: [1, 1], outChannels: 3, strides: 2, pad: 'same' });
  all.push({
    ...fixed,
    x: [1, 8, 8, 2],
    kernel: [3, 3],
    outChannels: 2,
    strides: 2,
    pad: 1,
    dimRoundingMode: 'ceil',
  });
  return all;
}

function describeCase(c: ConvCase): string {
  return `x [${c.x}] filter [${filterShape(c)}] strides ${JSON.stringify(c.strides)} dilation ${c.dilation} pad ${JSON.stringify(c.pad)}${c.dimRoundingMode ? ` ${c.dimRoundingMode}` : ''}`;
}

/** Filter and input gradients from the kernels: wasm as registered, cpu as reference. */
async function gradients(c: ConvCase, seed: number) {
  const filter = filterShape(c);
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    filter,
    c.strides,
    c.dilation,
    c.pad,
    c.dimRoundingMode,
  );
  const rng = new Rng(seed);
  const x = normalArray(rng, tf.util.sizeFromShape(c.x));
  const w = normalArray(rng, tf.util.sizeFromShape(filter));
  const dy = normalArray(rng, tf.util.sizeFromShape(info.outShape));
  const common = {
    strides: c.strides,
    pad: c.pad,
    dataFormat: 'NHWC',
    ...(c.dimRoundingMode === undefined ? {} : { dimRoundingMode: c.dimRoundingMode }),
  };
  const run = (filter: { values: Float32Array; shape: Shape4 }, dilations: number) => [
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, info.outShape) },
        { ...common, dilations, filterShape: filter.shape },
      ) as tf.Tensor,
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor4d(dy, info.outShape), filter: tf.tensor4d(filter.values, filter.shape) },
        { ...common, dilations, inputShape: c.x },
      ) as tf.Tensor,
  ];
  const got = await valuesOn('wasm', () => run({ values: w, shape: filter }, c.dilation));
  // Reference: the cpu kernels on the zero-inserted filter; the dilated filter's gradient
  // is the gradient at the taps that exist (every `dilation`-th).
  const dilated = dilateFilter(w, filter, c.dilation);
  const want = await valuesOn('cpu', () => {
    const [dwDilated, dx] = run(dilated, 1) as [tf.Tensor4D, tf.Tensor];
    const dw = tf.stridedSlice(dwDilated, [0, 0, 0, 0], dilated.shape, [
      c.dilation,
      c.dilation,
      1,
      1,
    ]);
    return [dw, dx];
  });
  return { got, want };
}

describe('Conv2DBackpropFilter / Conv2DBackpropInput on wasm', () => {
  it.each(
    cases().map((c, i) => [describeCase(c), c, i] as const),
  )('match the cpu backend: %s', async (_, c, i) => {
    const { got, want } = await gradients(c, 100 + i);
    // Sums of at most B*oh*ow = 3*11*11 products: FLOAT32_SUM_TOLERANCE (1e-5) relative.
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    expect(relativeError(got[1]!, want[1]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  it('handles NCHW operands (transposed to NHWC inside)', async () => {
    const rng = new Rng(7);
    const xShape: Shape4 = [2, 3, 9, 7]; // [B, C, H, W]
    const filterShape: Shape4 = [3, 2, 3, 4];
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      2,
      1,
      'same',
      undefined,
      false,
      'channelsFirst',
    );
    const x = normalArray(rng, tf.util.sizeFromShape(xShape));
    const w = normalArray(rng, tf.util.sizeFromShape(filterShape));
    const dy = normalArray(rng, tf.util.sizeFromShape(info.outShape));
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
    const run = () => [
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor(x, xShape), dy: tf.tensor(dy, info.outShape) },
          { ...attrs, filterShape },
        ) as tf.Tensor,
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy: tf.tensor(dy, info.outShape), filter: tf.tensor(w, filterShape) },
          { ...attrs, inputShape: xShape },
        ) as tf.Tensor,
    ];
    const got = await valuesOn('wasm', run);
    const want = await valuesOn('cpu', run);
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    expect(relativeError(got[1]!, want[1]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
  });

  it('gives tf.grads of tf.conv2d equal to the cpu backend, for stride 1 and 2', async () => {
    const rng = new Rng(11);
    for (const [strides, pad] of [
      [1, 'same'],
      [2, 'valid'],
    ] as const) {
      const x = normalArray(rng, 2 * 9 * 8 * 3);
      const w = normalArray(rng, 3 * 3 * 3 * 5);
      const grads = () =>
        tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, strides, pad))),
        )([tf.tensor4d(x, [2, 9, 8, 3]), tf.tensor4d(w, [3, 3, 3, 5])]);
      const got = await valuesOn('wasm', grads);
      const want = await valuesOn('cpu', grads);
      expect(relativeError(got[0]!, want[0]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
      expect(relativeError(got[1]!, want[1]!)).toBeLessThan(FLOAT32_SUM_TOLERANCE);
    }
  });

  it('frees every intermediate buffer', async () => {
    const c = cases()[6]!; // 'same', strides [2, 1]: the canvas path
    await gradients(c, 1); // warm up
    const before = wasmDataIds();
    await gradients(c, 2);
    expect(wasmDataIds()).toBe(before);
  });
});
