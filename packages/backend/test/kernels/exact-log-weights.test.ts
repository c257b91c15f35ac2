import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  enableFastWasmTraining,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
} from '../../src/index.js';
import {
  fastGradientFactors,
  LOWEST_FAST,
  logSumExpOverSamples,
} from '../../src/kernels/exact-log-weights.js';
import { Rng } from '../helpers/compare.js';
import { logSumExpOverSamples64 } from './sample-log-sum-exp.js';

/** Latents `[S, R, K]` whose class k sits `gap k` below class 0, plus normal noise. */
function confidentLatents(samples: number, rows: number, classes: number, gap: number, seed = 1) {
  const rng = new Rng(seed);
  return Float32Array.from(
    { length: samples * rows * classes },
    (_, i) => rng.normal() - gap * (i % classes),
  );
}

/** `log sum_s exp(l_s)` per column and `dL/dx` in double: the definitions, term by term. */
function reference(x: Float32Array, samples: number, classes: number, dy: Float64Array) {
  const width = x.length / samples;
  const l = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const row = Array.from(x.subarray(o, o + classes));
    const max = Math.max(...row);
    const shift = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    for (let k = 0; k < classes; k++) l[o + k] = x[o + k]! - shift;
  }
  const lse = logSumExpOverSamples64(l, samples, width);
  const dx = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const c0 = o % width;
    let total = 0;
    for (let k = 0; k < classes; k++) {
      dx[o + k] = Math.exp(l[o + k]! - lse[c0 + k]!) * dy[c0 + k]!;
      total += dx[o + k]!;
    }
    for (let k = 0; k < classes; k++) dx[o + k] = dx[o + k]! - Math.exp(l[o + k]!) * total;
  }
  return { lse, dx };
}

describe('the exact path of the fused MC softmax kernels, column by column', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    enableFastWasmTraining();
  });

  it('reads the latents of the rows whose columns fall below -60 only', () => {
    const [samples, rows, classes] = [30, 4, 3];
    const x = confidentLatents(samples, rows, classes, 0);
    // Row 2 only: class 2 far below (its column is the only exact one).
    for (let s = 0; s < samples; s++) x[s * rows * classes + 2 * classes + 2] = -200;
    const width = rows * classes;
    const p = new Float32Array(x.length);
    const sums = new Float32Array(width);
    for (let o = 0; o < x.length; o += classes) {
      const row = Array.from(x.subarray(o, o + classes));
      const max = Math.max(...row);
      const total = row.reduce((sum, v) => sum + Math.exp(v - max), 0);
      for (let k = 0; k < classes; k++) {
        p[o + k] = Math.exp(x[o + k]! - max) / total;
        sums[(o % width) + k] = sums[(o % width) + k]! + p[o + k]!;
      }
    }
    const read = new Set<number>();
    logSumExpOverSamples(sums, p, samples, classes, (i) => {
      read.add(Math.floor((i % width) / classes));
      return x[i]!;
    });
    expect([...read]).toEqual([2]);
    const { lse } = reference(x, samples, classes, new Float64Array(width));
    // Float32 latents and softmax: the recomputed column to ~1e-6 of its magnitude (~200).
    expect(Math.abs(sums[2 * classes + 2]! - lse[2 * classes + 2]!)).toBeLessThan(1e-3);
    expect(lse[2 * classes + 2]).toBeLessThan(LOWEST_FAST);
  });

  it('keeps columns with dy = 0 on the fast path whatever their lse, and makes rows exact only where dy != 0', () => {
    const lse = Float32Array.from([-1, -500, -70, -2, -3, -80]);
    const dy = Float32Array.from([0.5, 0, 0, 0, 1, -2]);
    const g = new Float32Array(6).fill(Number.NaN);
    const rows = fastGradientFactors(lse, dy, g, 3);
    // Row 0: class 0 fast, classes 1 and 2 below -60 but with dy = 0 (no overflow, no NaN).
    expect(Array.from(g.subarray(0, 3))).toEqual([Math.fround(0.5 * Math.exp(1)), 0, 0]);
    // Row 1: class 2 has dy != 0 below -60, so the row is exact and its factors 0.
    expect(rows).toEqual([1]);
    expect(Array.from(g.subarray(3, 6))).toEqual([0, 0, 0]);
  });

  it("matches the double reference for a confident model's gradient, one-hot dy (as logProbNll)", async () => {
    const [samples, rows, classes] = [40, 3, 4];
    const width = rows * classes;
    // Classes 1-3 are 150, 300, 450 below class 0: lse far below -88 (exp(-lse) overflows).
    const x = confidentLatents(samples, rows, classes, 150, 2);
    const dyValues = new Float64Array(width);
    for (let r = 0; r < rows; r++) dyValues[r * classes] = -1 / rows; // the top class only
    const latents = tf.tensor3d(x, [samples, rows, classes]);
    const [probs, lse] = tf
      .engine()
      .runKernel(SOFTMAX_LOG_MEAN_EXP, { x: latents }, {}) as tf.Tensor[];
    const dy = tf.tensor2d(Float32Array.from(dyValues), [rows, classes]);
    const dx = tf
      .engine()
      .runKernel(
        SOFTMAX_LOG_MEAN_EXP_GRAD,
        { x: latents, probs: probs!, lse: lse!, dy },
        {},
      ) as tf.Tensor;
    const want = reference(x, samples, classes, dyValues);
    const [gotLse, gotDx] = [
      (await lse!.data()) as Float32Array,
      (await dx.data()) as Float32Array,
    ];
    tf.dispose([latents, probs!, lse!, dy, dx]);
    expect(Math.min(...gotLse)).toBeLessThan(-400);
    // lse: float32 latents of magnitude ~450, so ~450 * 2^-24 ~ 3e-5 absolute, with margin.
    gotLse.forEach((v, c) => {
      expect(Math.abs(v - want.lse[c]!), `lse[${c}]`).toBeLessThan(1e-3);
    });
    // dx: the top class's weights are those of the samples (1/S each, float32 softmax rounding).
    gotDx.forEach((v, i) => {
      expect(Number.isFinite(v), `dx[${i}] finite`).toBe(true);
      expect(Math.abs(v - want.dx[i]!), `dx[${i}]`).toBeLessThan(1e-6);
    });
  });
});
