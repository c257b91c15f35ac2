import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';
import { backendMemory, type WasmMemory } from './simd-module.js';

/** A SIMD function `out[i] = f(x[i], ...params)` over `count` floats (a multiple of 4), byte offsets. */
type SimdElementwise<P extends number[]> = (
  x: number,
  out: number,
  count: number,
  ...params: P
) => void;

/**
 * A one-input float32 kernel on wasm: the bulk, `size - size % 4` values, through the SIMD
 * function `simdFor` binds to the backend's memory, with the parameters `paramsOf` reads from
 * the call, the last values by `scalar` in JavaScript (the same float32 operations). Other
 * dtypes, and runtimes where the SIMD module cannot run, go to the stock kernel.
 */
export function elementwiseSimd<P extends number[]>(
  stock: SingleOutputKernel,
  simdFor: (memory: WasmMemory) => SimdElementwise<P> | null,
  paramsOf: (args: KernelArgs) => P,
  scalar: (value: number, ...params: P) => number,
): SingleOutputKernel {
  return (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as BackendWasm;
    const simd = x.dtype === 'float32' ? simdFor(backendMemory(backend)) : null;
    if (simd === null) return stock(args);
    const params = paramsOf(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    // Views after the allocation (which may grow, and detach, the heap).
    const input = backend.typedArrayFromHeap(x) as Float32Array;
    const output = backend.typedArrayFromHeap(out) as Float32Array;
    const bulk = input.length - (input.length % 4);
    if (bulk > 0) simd(input.byteOffset, output.byteOffset, bulk, ...params);
    for (let i = bulk; i < input.length; i++) output[i] = scalar(input[i]!, ...params);
    return out;
  };
}
