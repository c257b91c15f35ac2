import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients, which the LeakyRelu one wraps
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { enableFastWasmTraining, LEAKY_RELU_GRAD } from '../../src/index.js';
import { simdLeakyReluFor, simdLeakyReluGradFor } from '../../src/kernels/leaky-relu-simd.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { Rng } from '../helpers/compare.js';

/** Values with both signs, zeros of both signs, infinities, NaN; `size` of them. */
function values(size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const special = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -1e-40];
  return Float32Array.from({ length: size }, (_, i) =>
    i % 11 === 5 ? special[i % special.length]! : 4 * rng.uniform() - 2,
  );
}

/** Leaky ReLU and its gradient (of `sum(leakyRelu(x) * w)`) on `backend`, as float32 arrays. */
async function forwardAndGradient(
  backend: string,
  x: Float32Array,
  w: Float32Array,
  alpha: number,
): Promise<{ y: Float32Array; dx: Float32Array }> {
  await tf.setBackend(backend);
  const [xt, wt] = [tf.tensor1d(x), tf.tensor1d(w)];
  const y = tf.leakyRelu(xt, alpha);
  const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, alpha), wt)))(xt);
  const out = {
    y: (await y.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array,
  };
  tf.dispose([xt, wt, y, dx]);
  return out;
}

/** Equal as float32 values, NaN equal to NaN (its payload may differ), -0 apart from 0. */
function expectSameValues(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBe(true);
  }
}

/** The stock wasm kernel's output for `x` (captured before enableFastWasmTraining replaces it). */
let stockForward: (x: Float32Array, alpha: number) => Promise<Float32Array>;

describe('LeakyRelu and its gradient on wasm (SIMD)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    const stock = tf.getKernel('LeakyRelu', 'wasm')!.kernelFunc;
    stockForward = async (x, alpha) => {
      const input = tf.tensor1d(x);
      const info = stock({ inputs: { x: input }, backend: tf.backend(), attrs: { alpha } });
      const out = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
      const data = (await out.data()) as Float32Array;
      tf.dispose([input, out]);
      return data;
    };
    enableFastWasmTraining();
  });

  it('runs both SIMD functions on the backend memory in Node', () => {
    const memory = backendMemory(tf.backend());
    expect(simdLeakyReluFor(memory)).toBeTypeOf('function');
    expect(simdLeakyReluGradFor(memory)).toBeTypeOf('function');
  });

  for (const [size, alpha] of [
    [1003, 0.2],
    [4096, 0.01],
    [6, 0.3],
    [1, 0.2],
  ] as const) {
    it(`gives the stock values forward and tfjs-core's backward (${size} values, alpha ${alpha})`, async () => {
      const x = values(size, size);
      const w = values(size, size + 1).map((v) => (Number.isFinite(v) ? v : 0.5));
      const onWasm = await forwardAndGradient('wasm', x, w, alpha);
      await tf.setBackend('wasm');
      const stockY = await stockForward(x, alpha);
      const onCpu = await forwardAndGradient('cpu', x, w, alpha);
      await tf.setBackend('wasm');
      // The same float32 operations, so the same values (not within a tolerance): forward the
      // stock wasm kernel's float32 alpha x (the cpu backend multiplies by alpha as a double,
      // 1 ulp apart at times); backward tfjs-core's where(x > 0, dy, dy * alpha), as on cpu.
      expectSameValues(onWasm.y, stockY, 'y');
      expectSameValues(onWasm.dx, onCpu.dx, 'dx');
    });
  }

  it('runs the gradient as one kernel on wasm, as Greater, Multiply and Select elsewhere', async () => {
    const kernelsOf = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor2d(values(4 * 256, 3), [4, 256]);
      const info = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2))(x));
      tf.dispose(x);
      return info.kernels.map((k) => k.name);
    };
    const onWasm = await kernelsOf('wasm');
    const onCpu = await kernelsOf('cpu');
    await tf.setBackend('wasm');
    expect(onWasm).toContain(LEAKY_RELU_GRAD);
    expect(onWasm).not.toContain('Select');
    expect(onCpu).not.toContain(LEAKY_RELU_GRAD);
    expect(onCpu).toContain('Select');
  });

  it('leaves int32 input to the stock kernel', async () => {
    const x = tf.tensor1d([-3, -1, 0, 2, 5], 'int32');
    const y = tf.leakyRelu(x, 0.5);
    expect(Array.from(await y.data())).toEqual([-1.5, -0.5, 0, 2, 5]);
    tf.dispose([x, y]);
  });

  it('frees what it allocates over repeated forward and backward passes', async () => {
    const x = tf.tensor2d(values(8 * 130, 4), [8, 130]);
    const step = () =>
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.2)))(x)
        .dispose();
    step();
    const [tensors, bytes] = [tf.memory().numTensors, tf.memory().numBytes];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    x.dispose();
  });
});
