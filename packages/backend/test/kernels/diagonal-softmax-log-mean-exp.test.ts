import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP,
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
} from '../../src/index.js';
import {
  diagonalBackwardFor,
  diagonalSoftmaxFor,
} from '../../src/kernels/diagonal-softmax-rows.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { normalArray, Rng, relativeError, wasmDataIds } from '../helpers/compare.js';
import { BLOCK_CASES, guardedOutputs, heapOf, readBlockPass } from './row-pass-blocks.js';
import { logSumExpOverSamples64 } from './sample-log-sum-exp.js';

// The diagonal kernels against two independent computations: the plain kernels
// (softmax-log-mean-exp.test.ts checks those against double precision) on latents formed in
// JavaScript, and a double-precision reference of the gradients with respect to loc and scale.

interface Inputs {
  readonly loc: Float32Array; // [W]
  readonly scale: Float32Array; // [W]
  readonly u: Float32Array; // [S, W]
  readonly dy: Float32Array; // [W]
}

/** loc `sd v + gap k` (`k` the class index), scale in (0.1, 1.6), u and dy normal. */
function inputs(seed: number, shape: number[], sd: number, gap: number): Inputs {
  const rng = new Rng(seed);
  const classes = shape[shape.length - 1]!;
  const width = tf.util.sizeFromShape(shape.slice(1));
  const loc = normalArray(rng, width).map((v, i) => v * sd + gap * (i % classes));
  const scale = Float32Array.from({ length: width }, () => 0.1 + 1.5 * rng.uniform());
  const u = normalArray(rng, tf.util.sizeFromShape(shape));
  const dy = normalArray(rng, width);
  return { loc, scale, u, dy };
}

/** `x = loc + scale u` as float32: the product rounded, then the sum (as tf.mul, tf.add). */
function latents({ loc, scale, u }: Inputs): Float32Array {
  const width = loc.length;
  return u.map((v, i) => loc[i % width]! + Math.fround(scale[i % width]! * v));
}

/** The diagonal kernels: `[probs, lse, dLoc, dScale]`. */
function runDiagonal(input: Inputs, shape: number[]): Float32Array[] {
  const loc = tf.tensor(input.loc, shape.slice(1));
  const scale = tf.tensor(input.scale, shape.slice(1));
  const u = tf.tensor(input.u, shape);
  const dy = tf.tensor(input.dy, shape.slice(1));
  const engine = tf.engine();
  const [probs, lse] = engine.runKernel(DIAGONAL_SOFTMAX_LOG_MEAN_EXP, { loc, scale, u }, {}) as [
    tf.Tensor,
    tf.Tensor,
  ];
  const grads = engine.runKernel(
    DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
    { loc, scale, u, probs, lse, dy },
    {},
  ) as tf.Tensor[];
  expect(grads.map((g) => g.shape)).toEqual([shape.slice(1), shape.slice(1)]);
  const out = [probs, lse, ...grads].map((t) => t.dataSync() as Float32Array);
  tf.dispose([loc, scale, u, dy, probs, lse, ...grads]);
  return out;
}

/** The plain kernels on the latents: `[probs, lse, dx]`. */
function runPlain(x: Float32Array, shape: number[], dyValues: Float32Array): Float32Array[] {
  const xt = tf.tensor(x, shape);
  const dy = tf.tensor(dyValues, shape.slice(1));
  const [probs, lse] = tf.engine().runKernel(SOFTMAX_LOG_MEAN_EXP, { x: xt }, {}) as tf.Tensor[];
  const dx = tf
    .engine()
    .runKernel(SOFTMAX_LOG_MEAN_EXP_GRAD, { x: xt, probs: probs!, lse: lse!, dy }, {}) as tf.Tensor;
  const out = [probs!, lse!, dx].map((t) => t.dataSync() as Float32Array);
  tf.dispose([xt, dy, probs!, lse!, dx]);
  return out;
}

/** `[sum_s dx_s, sum_s u_s dx_s]`, summed in sample order in float32. */
function float32SampleSums(dx: Float32Array, u: Float32Array, width: number): Float32Array[] {
  const dLoc = new Float32Array(width);
  const dScale = new Float32Array(width);
  for (let i = 0; i < dx.length; i++) {
    dLoc[i % width] = dLoc[i % width]! + dx[i]!;
    dScale[i % width] = dScale[i % width]! + Math.fround(u[i]! * dx[i]!);
  }
  return [dLoc, dScale];
}

/**
 * The gradients of `sum_c dy_c log sum_s exp(l_s,c)` with respect to loc and scale in double
 * precision, written the long way: `dL/dx_s,i = sum_j dy_j w_s,j ([i = j] - p_s,i)` with
 * `w_s = softmax over s of l_s`, then the chain rule through `x = loc + scale u`.
 */
function reference(input: Inputs, samples: number, classes: number): Float64Array[] {
  const x = latents(input);
  const width = input.loc.length;
  const l = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const row = Array.from(x.subarray(o, o + classes));
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    for (let k = 0; k < classes; k++) l[o + k] = row[k]! - max - logSum;
  }
  const lse = logSumExpOverSamples64(l, samples, width);
  const dLoc = new Float64Array(width);
  const dScale = new Float64Array(width);
  for (let s = 0; s < samples; s++) {
    for (let r = 0; r < width; r += classes) {
      const o = s * width + r;
      for (let i = 0; i < classes; i++) {
        let dx = 0;
        for (let j = 0; j < classes; j++) {
          const weight = Math.exp(l[o + j]! - lse[r + j]!);
          dx += input.dy[r + j]! * weight * ((i === j ? 1 : 0) - Math.exp(l[o + i]!));
        }
        dLoc[r + i] = dLoc[r + i]! + dx;
        dScale[r + i] = dScale[r + i]! + input.u[o + i]! * dx;
      }
    }
  }
  return [dLoc, dScale];
}

// [shape [S, ..., K], loc spread, gap between classes], as in softmax-log-mean-exp.test.ts: the
// fast path, and the exact path (a gap of 30 or more puts class 0's log-weights below -60).
const CASES: [number[], number, number][] = [
  [[1000, 128, 10], 2, 0], // the paper's head: S = 1000, B = 128, K = 10
  [[7, 5, 3], 1, 0], // rows that do not fill a SIMD group
  [[1, 4, 6], 3, 0], // one sample
  [[9, 2, 3, 4], 2, 0], // a middle axis (pixels)
  [[5, 3, 1], 1, 0], // one class: p = 1, dx = 0
  [[6, 3, 19], 2, 0], // rows of more than 16 classes: loops over the classes
  [[6, 4, 5], 1, 30], // exact path
  [[3, 2, 7], 20, 100], // exact path, p of class 0 underflows to 0
];

describe('UqjsDiagonalSoftmaxLogMeanExp and its gradient on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('runs the diagonal row functions as WebAssembly in Node', () => {
    const memory = backendMemory(tf.backend());
    for (const k of [1, 3, 10, 17]) expect(diagonalSoftmaxFor(memory, k)).toBeTypeOf('function');
    expect(diagonalBackwardFor(memory)).toBeTypeOf('function');
  });

  for (const [shape, sd, gap] of CASES) {
    it(`equals the plain kernels on loc + scale u, and a double reference: [${shape}], sd ${sd}, gap ${gap}`, () => {
      const samples = shape[0]!;
      const classes = shape[shape.length - 1]!;
      const input = inputs(shape.length * 1000 + samples + sd + gap, shape, sd, gap);
      const [probs, lse, dLoc, dScale] = runDiagonal(input, shape);
      const [plainProbs, plainLse, dx] = runPlain(latents(input), shape, input.dy);
      // The same float32 latents through the same row passes: the same bits.
      expect(probs).toEqual(plainProbs);
      expect(lse).toEqual(plainLse);
      // The sums over samples of dx and of u * dx (as the element-wise path takes them from
      // dx), in sample order in float32, as the kernel documents: the same bits too.
      const [wantLoc, wantScale] = float32SampleSums(dx!, input.u, input.loc.length);
      expect(dLoc).toEqual(wantLoc);
      expect(dScale).toEqual(wantScale);
      // Against double precision: each dx carries the float32 softmax's error (a few ulp of
      // the largest latent, <= 4 * 2^-24 * |x|, as in softmax-log-mean-exp.test.ts), summed over
      // up to 1000 samples in float32 (~sqrt(S) ulp more, relative to the sum's scale):
      // 1e-4 of the result's scale, at least 5e-6 for small latents; a wrong index or a missing
      // factor u gives errors of order 1.
      const largest = latents(input).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const tolerance = Math.max(1e-4, 8 * largest * 2 ** -24);
      const [refLoc, refScale] = reference(input, samples, classes);
      expect(relativeError(dLoc!, Float32Array.from(refLoc!))).toBeLessThan(tolerance);
      expect(relativeError(dScale!, Float32Array.from(refScale!))).toBeLessThan(tolerance);
    });
  }

  it('runs the forward pass in blocks, writing only its rows and sums (same bits as one block)', () => {
    const memory = backendMemory(tf.backend());
    for (const [shape, block] of BLOCK_CASES) {
      const [samples, , classes] = shape;
      const width = tf.util.sizeFromShape(shape.slice(1));
      const count = samples * width;
      const input = inputs(count, [...shape], 2, 0);
      const pass = diagonalSoftmaxFor(memory, classes)!;
      const [loc, scale, u] = [input.loc, input.scale, input.u].map((a) => tf.tensor(a));
      const { out, sums } = guardedOutputs(count, width);
      const addresses = [loc!, scale!, u!, out, sums].map((t) => heapOf(t).byteOffset);
      pass(
        ...(addresses as [number, number, number, number, number]),
        count,
        classes,
        width,
        block,
      );
      // Guards untouched; sums: p added over the samples in order in float32.
      const written = readBlockPass(out, sums, count, width);
      // The kernel (one block here) and the plain kernel on loc + scale u: the same bits; the
      // kernel's lse is the log of those sums.
      const [probs, lse] = runDiagonal(input, [...shape]);
      expect(written.p).toEqual(probs);
      expect(written.p).toEqual(runPlain(latents(input), [...shape], input.dy)[0]);
      expect(lse).toEqual(written.sums.map(Math.log));
      tf.dispose([loc!, scale!, u!, out, sums]);
    }
  });

  it('has the gradients of sum dy lse: central finite differences in double', () => {
    const shape = [6, 3, 4];
    const input = inputs(17, shape, 1.5, 0);
    const [, , dLoc, dScale] = runDiagonal(input, shape);
    const objective = (loc: Float32Array, scale: Float32Array) => {
      const x = latents({ ...input, loc, scale });
      const l = new Float64Array(x.length);
      for (let o = 0; o < x.length; o += 4) {
        const row = Array.from(x.subarray(o, o + 4));
        const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v), 0));
        for (let k = 0; k < 4; k++) l[o + k] = row[k]! - logSum;
      }
      let total = 0;
      for (let c = 0; c < 12; c++) {
        let sum = 0;
        for (let s = 0; s < 6; s++) sum += Math.exp(l[s * 12 + c]!);
        total += input.dy[c]! * Math.log(sum);
      }
      return total;
    };
    // As in softmax-log-mean-exp.test.ts: a step of 1e-2 keeps float32 rounding of the
    // perturbed latents (6e-8 relative) small against h, and the truncation error ~2e-5.
    const h = 1e-2;
    for (const [which, grad] of [
      ['loc', dLoc!],
      ['scale', dScale!],
    ] as const) {
      for (const i of [0, 5, 11]) {
        const plus = Float32Array.from(input[which]);
        const minus = Float32Array.from(input[which]);
        plus[i] = plus[i]! + h;
        minus[i] = minus[i]! - h;
        const at = (v: Float32Array) =>
          which === 'loc' ? objective(v, input.scale) : objective(input.loc, v);
        const numeric = (at(plus) - at(minus)) / (plus[i]! - minus[i]!);
        expect(Math.abs(grad[i]! - numeric)).toBeLessThan(1e-4);
      }
    }
  });

  it('gives NaN rows for NaN noise, as the plain kernels for NaN latents, and keeps other rows', () => {
    // K = 3 (one class at a time) and K = 6 (a group of four, then two): a NaN in either part.
    for (const [classes, nans] of [
      [3, [0, 10]],
      [6, [1, 17]],
    ] as const) {
      const shape = [2, 2, classes];
      const input = inputs(5, shape, 1, 0);
      for (const i of nans) input.u[i] = Number.NaN; // sample 0 row 0, sample 1 row 0
      const [probs, lse] = runDiagonal(input, shape);
      const [plainProbs, plainLse] = runPlain(latents(input), shape, input.dy);
      expect(Array.from(probs!.subarray(0, classes)).every(Number.isNaN)).toBe(true);
      expect(Array.from(probs!.subarray(classes, 2 * classes)).every(Number.isFinite)).toBe(true);
      expect(probs).toEqual(plainProbs);
      expect(lse).toEqual(plainLse);
    }
  });

  it('handles empty tensors and frees every intermediate buffer', () => {
    const empty = runDiagonal(inputs(1, [0, 3, 4], 1, 0), [0, 3, 4]);
    expect(empty[0]).toHaveLength(0);
    expect(Array.from(empty[2]!)).toEqual(new Array(12).fill(0)); // no samples: zero gradients
    const input = inputs(3, [50, 8, 10], 1, 30); // the exact path allocates the most
    runDiagonal(input, [50, 8, 10]);
    const before = wasmDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) runDiagonal(input, [50, 8, 10]);
    expect(wasmDataIds()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('rejects inputs of the wrong shape or dtype, naming the input', () => {
    const u = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 1);
    const loc = tf.zeros([3, 5]);
    const broadcast = tf.ones([1, 5]); // a shared-noise shape is not accepted
    expect(() =>
      tf.engine().runKernel(DIAGONAL_SOFTMAX_LOG_MEAN_EXP, { loc, scale: broadcast, u }, {}),
    ).toThrow(/diagonalSoftmaxLogMeanExp: scale must be a float32 tensor \[3, 5\]/);
    expect(() =>
      tf.engine().runKernel(DIAGONAL_SOFTMAX_LOG_MEAN_EXP, { loc, scale: loc, u: tf.sum(loc) }, {}),
    ).toThrow(InvalidArgumentError);
    const [probs, lse] = tf
      .engine()
      .runKernel(DIAGONAL_SOFTMAX_LOG_MEAN_EXP, { loc, scale: loc, u }, {}) as tf.Tensor[];
    const dy = tf.ones([5, 3]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
          { loc, scale: loc, u, probs: probs!, lse: lse!, dy },
          {},
        ),
    ).toThrow(/diagonalSoftmaxLogMeanExpGrad: dy must be a float32 tensor \[3, 5\]/);
    tf.dispose([u, loc, broadcast, probs!, lse!, dy]);
  });
});
