import { elementwiseSimd } from './elementwise-simd.js';
import { simdExpFor } from './exp-simd.js';
import type { SingleOutputKernel } from './kernel-scope.js';

/**
 * `Exp` for float32 tensors on wasm through the SIMD function of {@link simdExpFor} (2-3x the
 * stock kernel, which calls a scalar `expf` per element; softmax, log-sum-exp and the Monte Carlo
 * heads are made of it); the last `size % 4` elements in JavaScript. Other dtypes, and runtimes
 * where the SIMD module cannot run, go to the stock kernel.
 */
export function simdExp(stock: SingleOutputKernel): SingleOutputKernel {
  return elementwiseSimd(stock, simdExpFor, () => [] as [], Math.exp);
}
