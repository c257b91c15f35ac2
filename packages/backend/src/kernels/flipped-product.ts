import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  matrices,
  reshape,
  type SingleOutputKernel,
  transpose,
  withScratch,
} from './kernel-scope.js';

/** The bias and PReLU weights of `_FusedMatMul`, when present. */
export interface FusedInputs {
  readonly bias?: TensorInfo;
  readonly preluActivationWeights?: TensorInfo;
}

/** Below this many elements of `b` packing it is cheap, and the copies are not worth it. */
const MIN_FLIPPED_SIZE = 1 << 18;

/**
 * Whether the untransposed float32 product `a b` (`a` `[..., M, K]`, `b` one matrix
 * `[(1,) K, N]`, at least 2^18 elements) with an optional bias vector over `N` and no
 * activation is cheaper flipped, `(b^T a^T)^T`, when `b` is new. XNNPACK packs the right
 * operand of every product; packing a new `b` costs ~3 ns per element on one thread, while the
 * flipped form packs `a^T` and copies `b^T`, `a^T` and the result with the SIMD `Transpose`
 * (~0.3 ns per element). Counting elements: flipped when `2 (|a| + |c|) <= |b|`, e.g. a dense
 * layer's forward pass in training, `x` `[128, 1024]` times new weights `[1024, 1024]` (0.26M
 * against 1M).
 */
export function worthFlipping(
  a: TensorInfo,
  b: TensorInfo,
  fused: FusedInputs,
  activation: unknown,
): boolean {
  const k = b.shape[b.shape.length - 2] ?? 0;
  const n = b.shape[b.shape.length - 1] ?? 0;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || k === 0) {
    return false;
  }
  if (b.shape.length < 2 || matrices(b) !== 1) return false;
  if (fused.preluActivationWeights !== undefined) return false;
  if (activation !== undefined && activation !== null && activation !== 'linear') return false;
  if (fused.bias !== undefined && !util.arraysEqual(fused.bias.shape, [n])) return false;
  const rows = util.sizeFromShape(a.shape) / k;
  return k * n >= MIN_FLIPPED_SIZE && rows > 0 && 2 * (rows * k + rows * n) <= k * n;
}

/**
 * `a b (+ bias)` as `(b^T a^T)^T (+ bias)` with the stock untransposed product (`BatchMatMul` or
 * `_FusedMatMul`, called without bias or activation) on `a` seen as `[rows, K]`; the bias is
 * added to the result by the wasm `Add`. Shapes as {@link worthFlipping}; output
 * `[..., M, N]`. The same dot products as the direct form, so equal to it up to float32
 * rounding of the bias sum (XNNPACK adds the bias first, here it comes last).
 */
export function flippedProduct(stock: SingleOutputKernel, args: KernelArgs): TensorInfo {
  const { a, b, bias } = args.inputs as unknown as { a: TensorInfo; b: TensorInfo } & FusedInputs;
  return withScratch(args.backend, (scratch) => {
    const k = b.shape[b.shape.length - 2]!;
    const n = b.shape[b.shape.length - 1]!;
    const rows = util.sizeFromShape(a.shape) / k;
    const matrixA = reshape(scratch, a, [rows, k]);
    const matrixB = reshape(scratch, b, [k, n]);
    // The stock kernels take rank-3 operands (tfjs-core's matMul reshapes to them).
    const bT = reshape(scratch, transpose(scratch, matrixB, [1, 0]), [1, n, k]);
    const aT = reshape(scratch, transpose(scratch, matrixA, [1, 0]), [1, k, rows]);
    const flipped = scratch.track(
      stock({
        inputs: { a: bT, b: aT },
        backend: args.backend,
        // No activation (the stock _FusedMatMul needs one named; BatchMatMul ignores it).
        attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
      }),
    ); // [1, N, rows]
    const product = transpose(scratch, reshape(scratch, flipped, [n, rows]), [1, 0]); // [rows, N]
    // b's batch axes are all 1: they broadcast to a's (and add leading 1s where b has more).
    const batch = a.shape.slice(0, -2);
    const ones = Math.max(0, b.shape.length - a.shape.length);
    const m = a.shape[a.shape.length - 2]!;
    const shaped = reshape(scratch, product, [...Array(ones).fill(1), ...batch, m, n]);
    if (bias === undefined) return shaped;
    return scratch.run('Add', { a: shaped, b: bias });
  });
}
