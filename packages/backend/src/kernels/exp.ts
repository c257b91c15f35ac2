import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { simdExpFor } from './exp-simd.js';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';
import { backendMemory } from './simd-module.js';

/**
 * `Exp` for float32 tensors on wasm through the SIMD function of {@link simdExpFor} (2-3x the
 * stock kernel, which calls a scalar `expf` per element; softmax, log-sum-exp and the Monte Carlo
 * heads are made of it); the last `size % 4` elements in JavaScript. Other dtypes, and runtimes
 * where the SIMD module cannot run, go to the stock kernel.
 */
export function simdExp(stock: SingleOutputKernel): SingleOutputKernel {
  return (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as BackendWasm;
    const simd = x.dtype === 'float32' ? simdExpFor(backendMemory(backend)) : null;
    if (simd === null) return stock(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    // Views after the allocation (which may grow, and detach, the heap).
    const input = backend.typedArrayFromHeap(x) as Float32Array;
    const output = backend.typedArrayFromHeap(out) as Float32Array;
    const bulk = input.length - (input.length % 4);
    if (bulk > 0) simd(input.byteOffset, output.byteOffset, bulk);
    for (let i = bulk; i < input.length; i++) output[i] = Math.exp(input[i]!);
    return out;
  };
}
