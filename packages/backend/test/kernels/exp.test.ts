import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { simdExpFor } from '../../src/kernels/exp-simd.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { Rng } from '../helpers/compare.js';

const SMALLEST_NORMAL = 2 ** -126;
const SMALLEST_SUBNORMAL = 2 ** -149;

/** exp on the wasm backend (the kernel under test), as float32 values. */
async function wasmExp(values: Float32Array): Promise<Float32Array> {
  await tf.setBackend('wasm');
  const x = tf.tensor1d(values);
  const y = tf.exp(x);
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** The largest error against Math.exp in double: relative for normal results, else absolute. */
function errors(x: Float32Array, got: Float32Array): { relative: number; subnormal: number } {
  let relative = 0;
  let subnormal = 0;
  x.forEach((xi, i) => {
    const want = Math.exp(xi);
    if (want >= SMALLEST_NORMAL && want <= 3.4028234663852886e38) {
      relative = Math.max(relative, Math.abs(got[i]! - want) / want);
    } else if (want < SMALLEST_NORMAL) {
      subnormal = Math.max(subnormal, Math.abs(got[i]! - want));
    }
  });
  return { relative, subnormal };
}

describe('Exp on wasm (SIMD)', () => {
  it('runs the SIMD function on the backend memory in Node', async () => {
    await tf.setBackend('wasm');
    expect(simdExpFor(backendMemory(tf.backend()))).toBeTypeOf('function');
  });

  it('is within 2 ulp of exp over the whole float32 range (100,003 values, SIMD and tail)', async () => {
    const rng = new Rng(7);
    const x = Float32Array.from({ length: 100_003 }, () => -110 + 205 * rng.uniform());
    const { relative, subnormal } = errors(x, await wasmExp(x));
    // float32 ulp is 2^-23 ~ 1.2e-7 relative (and 2^-24 after rounding); Cephes' expf keeps
    // within ~1 ulp. Subnormal results are rounded to a multiple of 2^-149.
    expect(relative).toBeLessThan(2.4e-7);
    expect(subnormal).toBeLessThanOrEqual(SMALLEST_SUBNORMAL);
  });

  it('is within 2 ulp on [-1, 1], where softmax inputs live', async () => {
    const rng = new Rng(8);
    const x = Float32Array.from({ length: 4099 }, () => -1 + 2 * rng.uniform());
    expect(errors(x, await wasmExp(x)).relative).toBeLessThan(2.4e-7);
  });

  it('gives the same bits four v128 at a time (interleaved) as one at a time', async () => {
    // Lengths 16-40: the interleaved loop, then single v128 (and the JS tail for 37-39);
    // each value alone, in a 4-long array, takes the single-v128 loop.
    const rng = new Rng(9);
    for (const length of [16, 20, 36, 39, 40]) {
      const x = Float32Array.from({ length }, () => -90 + 180 * rng.uniform());
      const together = await wasmExp(x);
      const alone = new Float32Array(length);
      for (let i = 0; i < length - (length % 4); i++) {
        alone[i] = (await wasmExp(new Float32Array(4).fill(x[i]!)))[0]!;
      }
      expect(together.subarray(0, length - (length % 4))).toEqual(
        alone.subarray(0, length - (length % 4)),
      );
    }
  });

  it('handles the edges like expf: overflow, underflow, infinities, NaN, zeros', async () => {
    const x = Float32Array.from([
      0,
      -0,
      88.72,
      88.73,
      89,
      1000,
      Number.POSITIVE_INFINITY,
      -87.3,
      -103,
      -103.5,
      -104,
      -1000,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      1e-8,
      -1e-8,
    ]);
    const got = await wasmExp(x);
    expect(got[0]).toBe(1);
    expect(got[1]).toBe(1);
    expect(got[2]! / Math.exp(x[2]!)).toBeCloseTo(1, 6); // finite, near the largest float32
    expect([got[3], got[4], got[5], got[6]]).toEqual(Array(4).fill(Number.POSITIVE_INFINITY));
    expect(got[7]! / Math.exp(x[7]!)).toBeCloseTo(1, 6); // just above the smallest normal
    expect(got[8]).toBeGreaterThan(0); // subnormal
    expect(got[9]).toBeLessThanOrEqual(SMALLEST_SUBNORMAL);
    expect([got[10], got[11], got[12]]).toEqual([0, 0, 0]);
    expect(Number.isNaN(got[13]!)).toBe(true);
    expect([got[14], got[15]]).toEqual([1, 1]);
  });

  it('leaves int32 tensors to the stock kernel (float32 results)', async () => {
    await tf.setBackend('wasm');
    const y = tf.exp(tf.tensor1d([0, 1, 2], 'int32'));
    expect(y.dtype).toBe('float32');
    const values = Array.from(y.dataSync());
    expect(values.map((v, i) => v / Math.exp(i))).toEqual(
      [1, 1, 1].map((v) => expect.closeTo(v, 6)),
    );
    y.dispose();
  });
});
