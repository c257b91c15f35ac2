import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { simdAdamFor } from './adam-simd.js';
import type { KernelArgs } from './kernel-scope.js';
import { backendMemory } from './simd-module.js';

/**
 * Name of the fused Adam update kernel in tfjs-core's kernel registry. Not a tfjs kernel: the
 * stock `AdamOptimizer` composes element-wise ops instead. `fusedAdam` calls it where a kernel
 * is registered for the active backend (`enableFastWasmTraining` registers one for `wasm`).
 *
 * @since 0.1.0
 */
export const ADAM_UPDATE = 'UqjsAdamUpdate';

/**
 * Inputs of {@link ADAM_UPDATE}, all float32 of one shape: the weight `variable`, its
 * `gradient`, and the optimizer's running `firstMoment` (m) and `secondMoment` (v).
 */
export interface AdamUpdateInputs {
  readonly variable: TensorInfo;
  readonly gradient: TensorInfo;
  readonly firstMoment: TensorInfo;
  readonly secondMoment: TensorInfo;
}

/**
 * Attributes of {@link ADAM_UPDATE}. The bias corrections are `1 - beta^t` at step `t >= 1`,
 * computed by the optimizer in double precision.
 */
export interface AdamUpdateAttrs {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly firstCorrection: number;
  readonly secondCorrection: number;
}

/**
 * One Adam step for one weight tensor on the `wasm` backend, in a single pass over the wasm
 * heap (the stock optimizer runs about fourteen element-wise kernels per weight, each a pass
 * over memory with its own allocation). Per element:
 *
 *     m' = beta1 m + (1 - beta1) g
 *     v' = beta2 v + (1 - beta2) g^2
 *     w' = w - lr (m' / c1) / (sqrt(v' / c2) + epsilon),   c1 = 1 - beta1^t, c2 = 1 - beta2^t
 *
 * The bulk runs as WebAssembly SIMD on the backend's memory ({@link simdAdamFor}); the last
 * `size % 4` elements, or all of them where SIMD cannot run, in JavaScript. Returns three new
 * tensors `[w', m', v']` of the input shape; the inputs are not modified.
 */
export function adamUpdate(args: KernelArgs): TensorInfo[] {
  const { variable, gradient, firstMoment, secondMoment } =
    args.inputs as unknown as AdamUpdateInputs;
  const backend = args.backend as BackendWasm;
  const shape = [...variable.shape];
  const outputs = [
    backend.makeOutput(shape, 'float32'),
    backend.makeOutput(shape, 'float32'),
    backend.makeOutput(shape, 'float32'),
  ];
  // Views are taken after the allocations above, which may grow (and detach) the heap.
  const [w, g, m, v, wOut, mOut, vOut] = [
    variable,
    gradient,
    firstMoment,
    secondMoment,
    ...outputs,
  ].map((info) => backend.typedArrayFromHeap(info!) as Float32Array) as AdamArrays;
  const coefficients = adamCoefficients(args.attrs as unknown as AdamUpdateAttrs);
  const simd = simdAdamFor(backendMemory(backend));
  const bulk = simd === null ? 0 : w.length - (w.length % 4);
  if (bulk > 0) {
    simd!(
      ...([w, g, m, v, wOut, mOut, vOut].map((array) => array.byteOffset) as AdamAddresses),
      bulk,
      ...coefficients,
    );
  }
  adamLoop([w, g, m, v, wOut, mOut, vOut], coefficients, bulk);
  return outputs;
}

/** `[w, g, m, v, wOut, mOut, vOut]`: inputs, then outputs, of equal length. */
type AdamArrays = [
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
  Float32Array,
];
type AdamAddresses = [number, number, number, number, number, number, number];

/** `[beta1, 1 - beta1, beta2, 1 - beta2, lr / c1, 1 / c2, epsilon]`, as the SIMD function takes them. */
type AdamCoefficients = [number, number, number, number, number, number, number];

function adamCoefficients(a: AdamUpdateAttrs): AdamCoefficients {
  return [
    a.beta1,
    1 - a.beta1,
    a.beta2,
    1 - a.beta2,
    a.learningRate / a.firstCorrection,
    1 / a.secondCorrection,
    a.epsilon,
  ];
}

/** The update of elements `from ..` in JavaScript (double precision, stored as float32). */
function adamLoop(
  [w, g, m, v, wOut, mOut, vOut]: AdamArrays,
  [beta1, keep1, beta2, keep2, step, secondScale, epsilon]: AdamCoefficients,
  from: number,
): void {
  for (let i = from; i < w.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + keep1 * gi;
    const vi = beta2 * v[i]! + keep2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i]! - (step * mi) / (Math.sqrt(vi * secondScale) + epsilon);
  }
}
