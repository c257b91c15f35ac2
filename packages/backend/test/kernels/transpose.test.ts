import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { enableFastWasmTraining } from '../../src/index.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { simdTransposeFor } from '../../src/kernels/transpose-simd.js';

/** The last-two-axes swap of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

/** `[..., R, C] -> [..., C, R]` of the 4-byte words `bits`, in plain JavaScript. */
function referenceSwap(bits: Int32Array, shape: readonly number[]): Int32Array {
  const rows = shape.at(-2)!;
  const cols = shape.at(-1)!;
  const out = new Int32Array(bits.length);
  for (let m = 0; m < bits.length; m += rows * cols) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[m + c * rows + r] = bits[m + r * cols + c]!;
    }
  }
  return out;
}

/** Distinct words: as float32, finite values and NaNs with payloads (whose bits must survive). */
function words(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) =>
    i % 7 === 3 ? 0x7fc00000 + i : i * 2654435 + 1,
  );
}

/** Transposes on wasm, returning the result's words and its shape. */
async function transposeOnWasm(
  bits: Int32Array,
  shape: number[],
  dtype: 'float32' | 'int32',
  perm: number[],
): Promise<{ bits: Int32Array; shape: number[] }> {
  const values = dtype === 'int32' ? bits : new Float32Array(bits.buffer.slice(0));
  const x = tf.tensor(values, shape, dtype);
  const y = tf.transpose(x, perm);
  const data = await y.data();
  const out = { bits: new Int32Array(data.buffer.slice(0)), shape: y.shape };
  tf.dispose([x, y]);
  return out;
}

describe('Transpose on wasm (SIMD blocks)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    enableFastWasmTraining();
  });

  it('runs the SIMD function on the backend memory in Node', () => {
    expect(simdTransposeFor(backendMemory(tf.backend()))).toBeTypeOf('function');
  });

  // Whole blocks only, edges only, both, tile boundaries (64 x 8), batch axes, unit axes, empty.
  const shapes = [
    [4, 4],
    [8, 64],
    [64, 8],
    [128, 1024],
    [1024, 128],
    [5, 9],
    [130, 67],
    [1, 7],
    [7, 1],
    [3, 3],
    [3, 6, 10],
    [2, 3, 65, 9],
    [0, 4],
    [2, 0, 3],
  ];
  for (const dtype of ['float32', 'int32'] as const) {
    it(`swaps the last two axes of ${dtype} tensors bit for bit (${shapes.length} shapes)`, async () => {
      for (const shape of shapes) {
        const bits = words(shape.reduce((a, b) => a * b, 1));
        const perm = swapLastTwo(shape.length);
        const got = await transposeOnWasm(bits, shape, dtype, perm);
        expect(got.shape, `shape [${shape}]`).toEqual(perm.map((axis) => shape[axis]));
        // Compared as words: a float32 NaN payload that changed would show.
        expect(got.bits, `values of [${shape}]`).toEqual(referenceSwap(bits, shape));
      }
    });
  }

  it('leaves other permutations and dtypes to the stock kernel, with its results', async () => {
    const x = tf.tensor(
      Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i),
      [2, 3, 4],
    );
    const perms = [
      [1, 0, 2],
      [2, 0, 1],
      [0, 1, 2],
    ];
    const onWasm = await Promise.all(perms.map((perm) => tf.transpose(x, perm).array()));
    const bools = tf.tensor2d([
      [true, false, true],
      [false, false, true],
    ]);
    const boolOnWasm = await tf.transpose(bools).array();
    await tf.setBackend('cpu');
    const xCpu = tf.tensor(await x.data(), x.shape);
    const onCpu = await Promise.all(perms.map((perm) => tf.transpose(xCpu, perm).array()));
    const boolOnCpu = await tf.transpose(tf.tensor2d(await bools.data(), [2, 3], 'bool')).array();
    tf.disposeVariables();
    await tf.setBackend('wasm');
    expect(onWasm).toEqual(onCpu);
    expect(boolOnWasm).toEqual(boolOnCpu);
    tf.dispose([x, bools]);
  });

  it('gives the products with a transposed operand the values of the cpu backend', async () => {
    const a = tf.randomNormal([130, 67], 0, 1, 'float32', 1);
    const b = tf.randomNormal([130, 21], 0, 1, 'float32', 2);
    const onWasm = tf.matMul(a, b, true, false); // a^T b through an explicit Transpose of a
    const got = (await onWasm.data()) as Float32Array;
    const [aValues, bValues] = [await a.data(), await b.data()];
    tf.dispose([a, b, onWasm]);
    await tf.setBackend('cpu');
    const want = tf.tidy(() =>
      tf.matMul(tf.tensor2d(aValues, [130, 67]), tf.tensor2d(bValues, [130, 21]), true, false),
    );
    const expected = (await want.data()) as Float32Array;
    want.dispose();
    await tf.setBackend('wasm');
    // Sums of 130 products of N(0, 1) values: float32 rounding differs by summation order,
    // ~sqrt(130) * 6e-8 * |terms| ~ 1e-5 at most; a misplaced value would be off by ~1-10.
    const worst = got.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i]!)), 0);
    expect(worst).toBeLessThan(1e-4);
  });

  it('frees what it allocates over repeated calls', async () => {
    const x = tf.randomNormal([130, 67], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) tf.transpose(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    x.dispose();
  });
});
