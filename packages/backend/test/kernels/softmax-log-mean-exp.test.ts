import * as tf from '@tensorflow/tfjs-core';
import { assembleWasm, InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { SOFTMAX_LOG_MEAN_EXP, SOFTMAX_LOG_MEAN_EXP_GRAD } from '../../src/index.js';
import { backendMemory, simdFunction } from '../../src/kernels/simd-module.js';
import {
  type RowSoftmax,
  rowBackwardFor,
  rowSoftmaxFor,
  softmaxPassFunction,
} from '../../src/kernels/softmax-rows.js';
import { normalArray, Rng, relativeError, wasmDataIds } from '../helpers/compare.js';
import { BLOCK_CASES, guardedOutputs, heapOf, readBlockPass } from './row-pass-blocks.js';
import { logSumExpOverSamples64 } from './sample-log-sum-exp.js';

/**
 * An independent reference in double precision: per-sample log-softmax over the last axis of
 * `x` `[S, W / K, K]` (flattened), `lse[c] = log sum_s exp(l[s, c])`, and the gradient of
 * `sum_c dy[c] lse[c]` with respect to `x`, from the chain rule written the long way
 * (`dlse_c / dl_s,c = softmax over s`; `dl_s,j / dx_s,i = [i = j] - softmax(x_s)_i`).
 */
function reference(x: Float32Array, samples: number, classes: number, dy: Float64Array) {
  const width = x.length / samples;
  const l = new Float64Array(x.length);
  const p = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const row = Array.from(x.subarray(o, o + classes));
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    for (let k = 0; k < classes; k++) {
      l[o + k] = row[k]! - max - logSum;
      p[o + k] = Math.exp(l[o + k]!);
    }
  }
  const lse = logSumExpOverSamples64(l, samples, width);
  const dx = new Float64Array(x.length);
  for (let s = 0; s < samples; s++) {
    for (let r = 0; r < width; r += classes) {
      const o = s * width + r;
      for (let i = 0; i < classes; i++) {
        let total = 0;
        for (let j = 0; j < classes; j++) {
          const dlse = dy[r + j]! * Math.exp(l[o + j]! - lse[r + j]!);
          total += dlse * ((i === j ? 1 : 0) - p[o + i]!);
        }
        dx[o + i] = total;
      }
    }
  }
  return { p, lse, dx };
}

/** Both kernels on wasm: `[probs, lse, dx]` for latents `x` and `dy = dL/dlse`. */
function runKernels(x: Float32Array, shape: number[], dy: Float32Array): Float32Array[] {
  const xt = tf.tensor(x, shape);
  const dyt = tf.tensor(dy, shape.slice(1));
  const [probs, lse] = tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP, { x: xt }, {}) as tf.Tensor[];
  const dx = tf
    .engine()
    .runKernel(
      SOFTMAX_LOG_MEAN_EXP_GRAD,
      { x: xt, probs: probs!, lse: lse!, dy: dyt },
      {},
    ) as tf.Tensor;
  const out = [probs!, lse!, dx].map((t) => t.dataSync() as Float32Array);
  expect(probs!.shape).toEqual(shape);
  expect(lse!.shape).toEqual(shape.slice(1));
  expect(dx.shape).toEqual(shape);
  tf.dispose([xt, dyt, probs!, lse!, dx]);
  return out;
}

/** Latents `sd u + gap k` (`u` normal, `k` the class index) of `shape`; `dy` normal. */
function inputs(seed: number, shape: number[], sd: number, gap = 0) {
  const rng = new Rng(seed);
  const classes = shape[shape.length - 1]!;
  const x = normalArray(rng, tf.util.sizeFromShape(shape)).map(
    (v, i) => v * sd + gap * (i % classes),
  );
  const dy = normalArray(rng, tf.util.sizeFromShape(shape.slice(1)));
  return { x, dy };
}

/** `max |got - want|` over entries, each relative to max(1, |want|). */
function maxError(got: Float32Array, want: Float64Array): number {
  let err = 0;
  want.forEach((w, i) => {
    err = Math.max(err, Math.abs(got[i]! - w) / Math.max(1, Math.abs(w)));
  });
  return err;
}

// [shape [S, ..., K], latent spread, gap between classes]: the fast path, and the exact path
// (a gap of 30 or more puts class 0's log-weights below -60 in every sample).
const CASES: [number[], number, number][] = [
  [[1000, 128, 10], 2, 0], // the paper's head: S = 1000, B = 128, K = 10
  [[7, 5, 3], 1, 0], // width 15: SIMD groups and a tail
  [[1, 4, 6], 3, 0], // one sample: lse = l
  [[9, 2, 3, 4], 2, 0], // a middle axis (pixels)
  [[5, 3, 1], 1, 0], // one class: p = 1, l = 0
  [[6, 3, 19], 2, 0], // rows of more than 16 classes: loops over the classes
  [[6, 4, 5], 1, 30], // exact path
  [[3, 2, 7], 20, 100], // exact path, p of class 0 underflows to 0
];

describe('UqjsSoftmaxLogMeanExp and its gradient on wasm', () => {
  it('runs the row functions as WebAssembly in Node', async () => {
    await tf.setBackend('wasm');
    const memory = backendMemory(tf.backend());
    for (const k of [1, 3, 4, 10, 16, 17, 100])
      expect(rowSoftmaxFor(memory, k)).toBeTypeOf('function');
    expect(rowBackwardFor(memory)).toBeTypeOf('function');
  });

  for (const [shape, sd, gap] of CASES) {
    it(`equals a double-precision reference for [${shape}], latent sd ${sd}, class gap ${gap}`, async () => {
      await tf.setBackend('wasm');
      const samples = shape[0]!;
      const classes = shape[shape.length - 1]!;
      const { x, dy } = inputs(shape.length * 1000 + samples + sd, shape, sd, gap);
      const [probs, lse, dx] = runKernels(x, shape, dy);
      const want = reference(x, samples, classes, Float64Array.from(dy));
      // The path taken: exact where some lse (so every log-weight of that entry) is below -60.
      expect(Math.min(...want.lse) < -60).toBe(gap >= 30);
      // The float32 difference x - max is off by up to half an ulp of |x| (2^-24 |x|), which
      // moves p relatively by as much: the inherent error of a float32 softmax (the tf-ops
      // path has it too); 4x that, and at least 5e-6, covers the other few roundings of 6e-8.
      const largest = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const inherent = Math.max(5e-6, 4 * largest * 2 ** -24);
      // float32 softmax (exp within 2 ulp, one reciprocal) against double.
      expect(maxError(probs!, want.p)).toBeLessThan(inherent);
      // lse: log of a sum of up to 1000 float32 terms (~1e-7 relative each, ~3e-6 summed in
      // float32 order), or its exact-path equivalent; relative to max(1, |lse|).
      expect(maxError(lse!, want.lse)).toBeLessThan(inherent);
      // dx: the weights p exp(-lse) (fast path; two roundings plus exp's 2 ulp) times dy,
      // minus p times a K-term sum: ~1e-6 relative to the scale of dx.
      expect(relativeError(dx!, Float32Array.from(want.dx))).toBeLessThan(inherent);
    });
  }

  it('runs the forward pass in blocks, writing only its rows and sums (same bits as one block)', async () => {
    await tf.setBackend('wasm');
    const memory = backendMemory(tf.backend());
    for (const [shape, block] of BLOCK_CASES) {
      const [samples, , classes] = shape;
      const width = tf.util.sizeFromShape(shape.slice(1));
      const count = samples * width;
      const { x } = inputs(count, [...shape], 2);
      const pass = rowSoftmaxFor(memory, classes)!;
      const xt = tf.tensor(x);
      const { out, sums } = guardedOutputs(count, width);
      pass(
        heapOf(xt).byteOffset,
        heapOf(out).byteOffset,
        heapOf(sums).byteOffset,
        count,
        classes,
        width,
        block,
      );
      // Guards untouched; sums: p added over the samples in order in float32.
      const written = readBlockPass(out, sums, count, width);
      // The kernel (one block of ~2048 floats here) gives the same bits: blocks do not change
      // the arithmetic, only its order in time; its lse is the log of those sums.
      const [probs, lse] = runKernels(x, [...shape], new Float32Array(width));
      expect(written.p).toEqual(probs);
      expect(lse).toEqual(written.sums.map(Math.log));
      tf.dispose([xt, out, sums]);
    }
  });

  it('gives the same bits with rows written out class by class as with loops over the classes', async () => {
    await tf.setBackend('wasm');
    const memory = backendMemory(tf.backend());
    // The loop form runs rows of K >= 4 (the kernels use it above 16 classes).
    const loops = simdFunction<RowSoftmax>(() => softmaxPassFunction(false, null))(memory)!;
    for (const classes of [4, 5, 7, 10, 16]) {
      const shape = [9, 6, classes];
      const width = 6 * classes;
      const { x } = inputs(classes, shape, 3);
      const run = (pass: RowSoftmax) => {
        const [xt, out, sums] = [tf.tensor(x), tf.zeros([x.length]), tf.zeros([width])];
        const addresses = [xt, out, sums].map((t) => heapOf(t).byteOffset);
        pass(...(addresses as [number, number, number]), x.length, classes, width, 4 * classes);
        const values = [heapOf(out).slice(), heapOf(sums).slice()];
        tf.dispose([xt, out, sums]);
        return values;
      };
      expect(run(rowSoftmaxFor(memory, classes)!)).toEqual(run(loops));
    }
  });

  it('assembles row-pass modules under 4 KiB (browsers compile those synchronously on the main thread)', () => {
    for (const diagonal of [false, true]) {
      for (const classes of [null, ...Array.from({ length: 16 }, (_, i) => i + 1)]) {
        const bytes = assembleWasm({
          memory: { module: 'env', name: 'memory', shared: false },
          functions: [softmaxPassFunction(diagonal, classes)],
        });
        expect(bytes.length).toBeLessThan(4096);
      }
    }
    expect(() => softmaxPassFunction(false, 17)).toThrow(/classes must be an integer in \[1, 16\]/);
  });

  it('has the gradient of sum dy lse: central finite differences in double', async () => {
    await tf.setBackend('wasm');
    const shape = [6, 3, 4];
    const { x, dy } = inputs(11, shape, 1.5);
    const [, , dx] = runKernels(x, shape, dy);
    const objective = (values: Float32Array) => {
      const { lse } = reference(values, 6, 4, new Float64Array(12));
      return lse.reduce((sum, v, c) => sum + dy[c]! * v, 0);
    };
    // The reference objective is evaluated in double on float32-rounded inputs; a step of
    // 1e-2 keeps the rounding of x + h (6e-8 relative) small against h, and the central
    // difference's truncation error (h^2 f''' / 6 ~ 2e-5 for O(1) third derivatives).
    const h = 1e-2;
    for (const i of [0, 5, 13, 40, 71]) {
      const plus = Float32Array.from(x);
      const minus = Float32Array.from(x);
      plus[i] = x[i]! + h;
      minus[i] = x[i]! - h;
      const numeric = (objective(plus) - objective(minus)) / (plus[i]! - minus[i]!);
      expect(Math.abs(dx![i]! - numeric)).toBeLessThan(1e-4);
    }
  });

  it('gives NaN rows for NaN latents and keeps other rows', async () => {
    await tf.setBackend('wasm');
    const x = Float32Array.from([0, 1, 2, Number.NaN, 1, 0, 3, 2, 1, 0, 0, 0]); // [2, 2, 3]
    const [probs, lse] = runKernels(x, [2, 2, 3], new Float32Array(6).fill(1));
    expect(Array.from(probs!.subarray(3, 6)).every(Number.isNaN)).toBe(true);
    expect(Array.from(probs!.subarray(0, 3)).every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(lse![3]!)).toBe(true);
    expect(Number.isFinite(lse![0]!)).toBe(true);
  });

  it('handles empty tensors and frees every intermediate buffer', async () => {
    await tf.setBackend('wasm');
    expect(runKernels(new Float32Array(0), [0, 3, 4], new Float32Array(12))[0]).toHaveLength(0);
    const { x, dy } = inputs(3, [50, 8, 10], 1, 30); // the exact path allocates the most
    runKernels(x, [50, 8, 10], dy);
    const before = wasmDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) runKernels(x, [50, 8, 10], dy);
    expect(wasmDataIds()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('rejects latents that are not float32 of rank >= 2, naming the input', async () => {
    await tf.setBackend('wasm');
    const bad = [tf.tensor1d([1, 2]), tf.tensor2d([[1, 2]], [1, 2], 'int32')];
    for (const x of bad) {
      expect(() => tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP, { x }, {})).toThrow(
        InvalidArgumentError,
      );
      expect(() => tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP, { x }, {})).toThrow(
        /softmaxLogMeanExp: x must be/,
      );
    }
    tf.dispose(bad);
  });

  it('rejects gradient inputs whose shapes do not match, naming the input', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 1);
    const [probs, lse] = tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP, { x }, {}) as tf.Tensor[];
    const dy = tf.ones([3, 4]); // the classes of [3, 5] transposed
    expect(() =>
      tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP_GRAD, { x, probs: probs!, lse: lse!, dy }, {}),
    ).toThrow(/softmaxLogMeanExpGrad: dy must be a float32 tensor \[3, 5\]/);
    tf.dispose([x, probs!, lse!, dy]);
  });
});
