import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { batchedFusedProduct } from './batched-fused-product.js';
import { freshOperandProduct } from './fresh-operand-product.js';
import {
  type KernelArgs,
  matrices,
  type Scratch,
  type SingleOutputKernel,
  transpose,
  withScratch,
} from './kernel-scope.js';

/** The permutation that swaps the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** `x` with its last two axes swapped (a copy through the wasm `Transpose` kernel). */
function swapped(scratch: Scratch, x: TensorInfo): TensorInfo {
  return transpose(scratch, x, swapLastTwo(x.shape.length));
}

/**
 * Whether `C = op(A) op(B)` is cheaper as `C = (op(B)^T op(A)^T)^T`. Both ways copy each
 * operand that needs an explicit transpose, and XNNPACK packs the right-hand operand; the
 * transposed product also copies `C`. Counting elements moved:
 * direct = `[tA]|A| + [tB]|B| + |B|`, transposed = `[!tB]|B| + [!tA]|A| + |A| + |C|`.
 * E.g. a dense layer's input gradient `dy W^T` with `dy` `[128, 1024]`, `W` `[1024, 1024]`:
 * 2.1M against 0.4M elements, so `(W dy^T)^T` wins; with `W` `[1024, 10]` it loses.
 */
function transposedProductIsCheaper(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): boolean {
  const sizeA = util.sizeFromShape(a.shape);
  const sizeB = util.sizeFromShape(b.shape);
  const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)] ?? 1;
  const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)] ?? 1;
  const sizeC = Math.max(matrices(a), matrices(b)) * rows * cols;
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const flipped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + sizeC;
  return flipped < direct;
}

/**
 * Wraps the stock wasm `BatchMatMul` (or `_FusedMatMul`) so that it never multiplies a
 * transposed operand: the stock kernel runs the plain product through XNNPACK (~10-30
 * GFLOP/s on one core) but a transposed operand through a naive loop (~1 GFLOP/s). An
 * explicit `Transpose` costs one pass over the operand, `O(MK)` against the product's `O(MKN)`:
 * `A^T B` becomes `transpose(A) B`, and `A B^T` becomes `transpose(A) B` too when
 * `allowTransposedProduct` and {@link transposedProductIsCheaper}: `(B transpose(A))^T`.
 * `_FusedMatMul` adds its bias and activation to `C` itself, so it uses the direct form only.
 *
 * Shapes: `a` `[..., M, K]` (`[..., K, M]` when `transposeA`), `b` `[..., K, N]`
 * (`[..., N, K]` when `transposeB`), output `[..., M, N]`; batch axes broadcast as in the stock
 * kernel. Non-float32 operands go to the stock kernel unchanged; every untransposed product goes
 * through {@link batchedFusedProduct}, which mends the stock `_FusedMatMul`'s bias on batches,
 * and {@link freshOperandProduct}, which flips or pads products of a large new right operand.
 */
export function untransposedMatMul(
  stock: SingleOutputKernel,
  allowTransposedProduct: boolean,
): SingleOutputKernel {
  const multiply = batchedFusedProduct(freshOperandProduct(stock));
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const transposeA = args.attrs?.transposeA === true;
    const transposeB = args.attrs?.transposeB === true;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    if (!transposeA && !transposeB) return multiply(args);
    const product = (left: TensorInfo, right: TensorInfo) =>
      multiply({
        inputs: { ...args.inputs, a: left, b: right },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    return withScratch(args.backend, (scratch) => {
      if (allowTransposedProduct && transposedProductIsCheaper(a, b, transposeA, transposeB)) {
        // C^T = op(B)^T op(A)^T: op(B)^T is b itself when transposeB, op(A)^T is a when transposeA.
        const left = transposeB ? b : swapped(scratch, b);
        const right = transposeA ? a : swapped(scratch, a);
        // [..., N, M] -> [..., M, N].
        return swapped(scratch, scratch.track(product(left, right)));
      }
      // Swap the last two axes: [..., K, M] -> [..., M, K] and [..., N, K] -> [..., K, N].
      const left = transposeA ? swapped(scratch, a) : a;
      const right = transposeB ? swapped(scratch, b) : b;
      return product(left, right);
    });
  };
}
