import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { enableFastWasmTraining, registerDilatedConv2dGradient } from '../../src/index.js';

// tfjs-core's own Conv2D gradient, captured before this package replaces it.
const ORIGINAL = tf.getGradient(tf.Conv2D);
// wasm needs the fast kernels (Conv2DBackpropFilter); this also registers the gradient.
enableFastWasmTraining();
// The backend the suite runs on (wasm by default, webgpu with UQJS_TEST_BACKEND=webgpu).
const BACKEND = tf.getBackend();

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface DilatedCase {
  readonly x: Shape4; // [B, H, W, C]
  readonly filter: Shape4; // [fh, fw, C, O]
  readonly dilations: [number, number];
  readonly pad: Pad;
}

const CASES: DilatedCase[] = [
  { x: [1, 7, 7, 2], filter: [3, 3, 2, 3], dilations: [2, 2], pad: 'same' },
  { x: [2, 8, 6, 1], filter: [3, 2, 1, 2], dilations: [2, 3], pad: 'same' },
  { x: [1, 9, 8, 3], filter: [3, 3, 3, 2], dilations: [3, 1], pad: 'valid' },
  { x: [2, 6, 9, 2], filter: [2, 3, 2, 1], dilations: [1, 2], pad: 'valid' },
  { x: [1, 10, 7, 2], filter: [3, 3, 2, 2], dilations: [4, 2], pad: 'same' },
  { x: [1, 8, 8, 2], filter: [3, 3, 2, 2], dilations: [2, 2], pad: 1 },
  {
    x: [1, 7, 6, 1],
    filter: [2, 3, 1, 3],
    dilations: [2, 2],
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  // A dilated filter as large as the image (one output row per phase and batch).
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], dilations: [2, 2], pad: 'valid' },
];

function normals(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

/**
 * The dilated convolution in float64, from its definition:
 * `y[b,i,j,o] = sum_{p,q,c} x[b, i + p dh - top, j + q dw - left, c] w[p,q,c,o]` (zero outside).
 */
function referenceConv(c: DilatedCase, x: Float64Array, w: Float64Array): Float64Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, 1, c.dilations, c.pad);
  const [batch, height, width, channels] = c.x;
  const [fh, fw, , outChannels] = c.filter;
  const [dh, dw] = c.dilations;
  const { top, left } = info.padInfo;
  const y = new Float64Array(tf.util.sizeFromShape(info.outShape));
  let k = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < info.outHeight; i++)
      for (let j = 0; j < info.outWidth; j++)
        for (let o = 0; o < outChannels; o++) {
          let sum = 0;
          for (let p = 0; p < fh; p++) {
            const h = i + p * dh - top;
            if (h < 0 || h >= height) continue;
            for (let q = 0; q < fw; q++) {
              const v = j + q * dw - left;
              if (v < 0 || v >= width) continue;
              for (let ch = 0; ch < channels; ch++) {
                sum +=
                  x[((b * height + h) * width + v) * channels + ch]! *
                  w[((p * fw + q) * channels + ch) * outChannels + o]!;
              }
            }
          }
          y[k++] = sum;
        }
  return y;
}

/** Central finite differences of `L = sum(conv(x, w) * g)` in float64, for x and w. */
function finiteDifferences(
  c: DilatedCase,
  x: Float64Array,
  w: Float64Array,
  g: Float64Array,
): { dx: Float64Array; dw: Float64Array } {
  const loss = (xs: Float64Array, ws: Float64Array) =>
    referenceConv(c, xs, ws).reduce((acc, y, i) => acc + y * g[i]!, 0);
  const h = 1e-3;
  const diff = (values: Float64Array, at: (v: Float64Array) => number) =>
    values.map((value, i) => {
      const plus = values.slice();
      const minus = values.slice();
      plus[i] = value + h;
      minus[i] = value - h;
      return (at(plus) - at(minus)) / (2 * h);
    });
  return { dx: diff(x, (xs) => loss(xs, w)), dw: diff(w, (ws) => loss(x, ws)) };
}

/** `max |got - want| / max |want|`. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

/** Forward and `tf.grads` of `sum(conv(x, w) * g)` on `backend` (NHWC or NCHW). */
async function tfGradients(
  backend: string,
  c: DilatedCase,
  x: Float64Array,
  w: Float64Array,
  g: Float64Array,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array }> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, 1, c.dilations, c.pad);
    const outputs = tf.tidy(() => {
      const toNchw = (t: tf.Tensor4D) => tf.transpose(t, [0, 3, 1, 2]);
      const fromNchw = (t: tf.Tensor4D) => tf.transpose(t, [0, 2, 3, 1]);
      const nhwc = dataFormat === 'NHWC';
      const xT = tf.tensor4d(Float32Array.from(x), c.x);
      const gT = tf.tensor4d(Float32Array.from(g), info.outShape);
      const xIn = nhwc ? xT : toNchw(xT);
      const gIn = nhwc ? gT : toNchw(gT);
      const wT = tf.tensor4d(Float32Array.from(w), c.filter);
      const conv = (xs: tf.Tensor4D, ws: tf.Tensor4D) =>
        tf.conv2d(xs, ws, 1, c.pad, dataFormat, c.dilations);
      const [dx, dw] = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
        tf.sum(tf.mul(conv(xs as tf.Tensor4D, ws as tf.Tensor4D), gIn)),
      )([xIn, wT]);
      const y = conv(xIn, wT);
      return nhwc ? [y, dx!, dw!] : [fromNchw(y), fromNchw(dx as tf.Tensor4D), dw!];
    });
    const [y, dx, dw] = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
    tf.dispose(outputs);
    return { y: y!, dx: dx!, dw: dw! };
  } finally {
    await tf.setBackend(previous);
  }
}

function inputs(c: DilatedCase, seed: number) {
  const rng = new Rng(seed);
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, 1, c.dilations, c.pad);
  return {
    x: normals(rng, tf.util.sizeFromShape(c.x)),
    w: normals(rng, tf.util.sizeFromShape(c.filter)),
    g: normals(rng, tf.util.sizeFromShape(info.outShape)),
  };
}

function describeCase(c: DilatedCase): string {
  return `x [${c.x}] filter [${c.filter}] dilations [${c.dilations}] pad ${JSON.stringify(c.pad)}`;
}

// float32 sums of at most ~50 products of N(0, 1) values: errors ~1e-6 relative to the scale.
const TOLERANCE = 1e-5;

describe('registerDilatedConv2dGradient', () => {
  CASES.forEach((c, index) => {
    it(`matches float64 finite differences and the cpu backend on ${BACKEND}: ${describeCase(c)}`, async () => {
      const { x, w, g } = inputs(c, 100 + index);
      const want = finiteDifferences(c, x, w, g);
      const got = await tfGradients(BACKEND, c, x, w, g);
      const cpu = await tfGradients('cpu', c, x, w, g);
      // The reference forward is the convolution tfjs computes (so its gradient is the one to match).
      expect(relativeError(got.y, referenceConv(c, x, w))).toBeLessThan(TOLERANCE);
      expect(relativeError(got.dx, want.dx)).toBeLessThan(TOLERANCE);
      expect(relativeError(got.dw, want.dw)).toBeLessThan(TOLERANCE);
      expect(relativeError(cpu.dx, want.dx)).toBeLessThan(TOLERANCE);
      expect(relativeError(cpu.dw, want.dw)).toBeLessThan(TOLERANCE);
      expect(relativeError(got.dx, cpu.dx)).toBeLessThan(TOLERANCE);
      expect(relativeError(got.dw, cpu.dw)).toBeLessThan(TOLERANCE);
    });
  });

  it('handles NCHW inputs (cpu: the JS backends run NCHW convolutions there)', async () => {
    const c = CASES[1]!;
    const { x, w, g } = inputs(c, 7);
    const want = finiteDifferences(c, x, w, g);
    const got = await tfGradients('cpu', c, x, w, g, 'NCHW');
    expect(relativeError(got.dx, want.dx)).toBeLessThan(TOLERANCE);
    expect(relativeError(got.dw, want.dw)).toBeLessThan(TOLERANCE);
  });

  it("keeps the dilation-1 gradient exactly: it calls tfjs-core's own, unchanged", async () => {
    const replaced = tf.getGradient(tf.Conv2D);
    expect(replaced).not.toBe(ORIGINAL);
    const rng = new Rng(3);
    const x = tf.tensor4d(Float32Array.from(normals(rng, 2 * 6 * 5 * 3)), [2, 6, 5, 3]);
    const w = tf.tensor4d(Float32Array.from(normals(rng, 3 * 3 * 3 * 4)), [3, 3, 3, 4]);
    const dy = tf.tensor4d(Float32Array.from(normals(rng, 2 * 3 * 3 * 4)), [2, 3, 3, 4]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const run = (config: tf.GradConfig) => {
      const grads = config.gradFunc(dy, [x, w], attrs as unknown as tf.NamedAttrMap);
      return [grads.x!(), grads.filter!()];
    };
    const before = await Promise.all(run(ORIGINAL).map((t) => t.data()));
    const after = await Promise.all(run(replaced).map((t) => t.data()));
    expect(Array.from(after[0]!)).toEqual(Array.from(before[0]!));
    expect(Array.from(after[1]!)).toEqual(Array.from(before[1]!));
    tf.dispose([x, w, dy]);
  });

  it('is idempotent and leaks no tensors over repeated gradients', async () => {
    registerDilatedConv2dGradient();
    const replaced = tf.getGradient(tf.Conv2D);
    registerDilatedConv2dGradient();
    expect(tf.getGradient(tf.Conv2D)).toBe(replaced);
    const x = tf.ones([1, 6, 6, 2]);
    const w = tf.ones([3, 3, 2, 2]);
    const step = () => {
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2)),
      )([x, w]);
      tf.dispose([dx!, dw!]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it(`trains a tfjs-layers conv2d with dilationRate 2 and relu on ${BACKEND}, as on cpu`, async () => {
    const grads = async (backend: string) => {
      const previous = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const model = sequential({
          layers: [
            layers.conv2d({
              inputShape: [8, 8, 2],
              filters: 3,
              kernelSize: 3,
              dilationRate: 2,
              padding: 'same',
              activation: 'relu',
              kernelInitializer: 'glorotUniform',
              biasInitializer: 'ones',
            }),
          ],
        });
        // Same weights on both backends.
        model.setWeights([
          tf.tensor4d(Float32Array.from(normals(new Rng(11), 54)), [3, 3, 2, 3]),
          tf.fill([3], 0.1),
        ]);
        const x = tf.tensor4d(Float32Array.from(normals(new Rng(12), 128)), [1, 8, 8, 2]);
        const { grads: g } = tf.variableGrads(() =>
          tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)),
        );
        const kernel = await g[model.weights[0]!.originalName]!.data();
        tf.dispose([x, ...Object.values(g)]);
        model.dispose();
        return kernel;
      } finally {
        await tf.setBackend(previous);
      }
    };
    const got = await grads(BACKEND);
    const cpu = await grads('cpu');
    expect(relativeError(got, cpu)).toBeLessThan(TOLERANCE);
    expect(Math.max(...Array.from(got, Math.abs))).toBeGreaterThan(0);
  });
});
