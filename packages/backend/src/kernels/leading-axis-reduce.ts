import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';
import { type SimdRowReduce, simdRowMaxFor, simdRowSumFor } from './reduce-simd.js';
import { backendMemory, type WasmMemory } from './simd-module.js';

/** How one reduction combines two values, in SIMD and in JavaScript (for the last columns). */
interface Reduction {
  /** The attribute that holds the axes: `axis` for `Sum`, `reductionIndices` for `Max`. */
  readonly axesAttr: 'axis' | 'reductionIndices';
  readonly simdFor: (memory: WasmMemory) => SimdRowReduce | null;
  readonly combine: (a: number, b: number) => number;
}

export const SUM: Reduction = {
  axesAttr: 'axis',
  simdFor: simdRowSumFor,
  combine: (a, b) => a + b,
};

export const MAX: Reduction = {
  axesAttr: 'reductionIndices',
  simdFor: simdRowMaxFor,
  combine: (a, b) => (Number.isNaN(b) || b > a ? b : a),
};

/**
 * The number of leading axes `axes` reduces when they are exactly the first `k` axes of a
 * rank-`rank` tensor with `0 < k < rank`, else 0.
 */
function leadingAxes(axes: number[], rank: number): number {
  const sorted = [...axes].sort((a, b) => a - b);
  const isPrefix = sorted.every((axis, i) => axis === i);
  return isPrefix && sorted.length < rank ? sorted.length : 0;
}

/**
 * `Sum` / `Max` on wasm when the reduced axes are the leading ones (e.g. a sum over Monte Carlo
 * samples, axis 0 of `[S, B, K]`): the input, seen as `[rows, width]`, streams through once into
 * a `width`-long accumulator (WebAssembly SIMD, 4 columns at a time; the last `width % 4` columns
 * in JavaScript). The stock kernels transpose the reduced axes to the end first. Other axes,
 * other dtypes, empty tensors and runtimes without the SIMD module go to the stock kernel.
 *
 * Shapes: `x` `[d0, ..., dn]` reduced over `d0 .. d(k-1)`: output `[dk, ..., dn]`, or with
 * `keepDims` `[1, ..., 1, dk, ..., dn]`.
 */
export function leadingAxisReduce(
  stock: SingleOutputKernel,
  reduction: Reduction,
): SingleOutputKernel {
  return (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as Record<string, unknown>;
    const axes = util.parseAxisParam(attrs[reduction.axesAttr] as number | number[], x.shape);
    const k = leadingAxes(axes, x.shape.length);
    const backend = args.backend as BackendWasm;
    const simd = reduction.simdFor(backendMemory(backend));
    const size = util.sizeFromShape(x.shape);
    if (k === 0 || x.dtype !== 'float32' || size === 0 || simd === null) return stock(args);
    const kept = x.shape.slice(k);
    const width = util.sizeFromShape(kept);
    const rows = size / width;
    const out = backend.makeOutput(
      attrs.keepDims === true ? [...Array(k).fill(1), ...kept] : kept,
      'float32',
    );
    // Views after the allocation (which may grow, and detach, the heap).
    const input = backend.typedArrayFromHeap(x) as Float32Array;
    const output = backend.typedArrayFromHeap(out) as Float32Array;
    output.set(input.subarray(0, width));
    const simdWidth = width - (width % 4);
    if (simdWidth > 0) simd(input.byteOffset, output.byteOffset, rows, simdWidth, width);
    for (let c = simdWidth; c < width; c++) {
      let value = output[c]!;
      for (let s = 1; s < rows; s++) value = reduction.combine(value, input[s * width + c]!);
      output[c] = value;
    }
    return out;
  };
}
