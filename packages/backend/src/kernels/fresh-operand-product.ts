import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { type FusedInputs, flippedProduct, worthFlipping } from './flipped-product.js';
import { type KernelArgs, matrices, type SingleOutputKernel, withScratch } from './kernel-scope.js';

/**
 * Row strides that are a multiple of this many float32 elements (4 KiB) make XNNPACK's
 * packing of a right-hand operand `[K, N]` thrash the cache: it reads a few columns from
 * every row, and rows 4 KiB apart fall into the same cache sets. Padding each row with
 * {@link ROW_PADDING} elements breaks the alignment.
 */
const ALIASED_ROW = 1024;
const ROW_PADDING = 4;
/** Below this many elements packing is cheap either way. */
const MIN_PADDED_SIZE = 1 << 18;

/**
 * Right-hand operands already multiplied once (by buffer). XNNPACK keeps an operand's packed
 * form for as long as its buffer lives, so from the second product on the stock kernel is
 * faster than any copy; only a first product (as every forward pass of training has: the
 * weights are new after each optimizer step) is worth padding.
 */
const multipliedBefore = new WeakSet<object>();

/** Whether this is `b`'s first product; marks it multiplied from now on. */
function firstProductOf(b: TensorInfo): boolean {
  const first = !multipliedBefore.has(b.dataId);
  multipliedBefore.add(b.dataId);
  return first;
}

/**
 * Whether `a b` (untransposed, float32, `b`'s first product) should run as a padded product:
 * `b` is one matrix `[(1,) K, N]` with `N` a multiple of 1024, at least 2^18 elements, and any
 * bias is a vector over `N` (no PReLU weights, which may vary by row).
 */
function worthPadding(a: TensorInfo, b: TensorInfo, fused: FusedInputs): boolean {
  const n = b.shape[b.shape.length - 1] ?? 0;
  return (
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    b.shape.length >= 2 &&
    n % ALIASED_ROW === 0 &&
    matrices(b) === 1 &&
    util.sizeFromShape(b.shape) >= MIN_PADDED_SIZE &&
    fused.preluActivationWeights === undefined &&
    (fused.bias === undefined || util.sizeFromShape(fused.bias.shape) === n)
  );
}

/** Copies rows of length `width` from `source` (row stride `from`) to `target` (row stride `to`). */
function copyRows(
  source: Float32Array,
  target: Float32Array,
  rows: number,
  width: number,
  from: number,
  to: number,
): void {
  for (let r = 0; r < rows; r++) {
    target.set(source.subarray(r * from, r * from + width), r * to);
  }
}

/**
 * Wraps the stock untransposed product (`BatchMatMul` or `_FusedMatMul`) where XNNPACK's packing
 * of the right operand `b` costs about as much as the product: on its first use (training's
 * weights are new after every optimizer step, so every forward pass has one). Where `a` is small
 * against `b` ({@link worthFlipping}: a dense layer's forward pass) the product runs flipped,
 * `(b^T a^T)^T`, so only `a^T` is packed ({@link flippedProduct}; ~1.2x for a fresh
 * `[1024, 1024]` layer at batch 128, on one thread and on two). That is decided by the shapes
 * alone, so a repeated call gives the same bits (it costs an inference pass over fixed weights
 * ~15%, which would otherwise find `b` packed). Else, on `b`'s first product, a large `b` whose
 * rows are 4 KiB-aligned is multiplied through a copy with {@link ROW_PADDING} zero columns
 * appended: `a [b | 0]`, then the first `N` columns of each output row. The padded columns never
 * mix with the others (each output column is its own dot product, bias and activation act per
 * element), so that result is bit-for-bit the stock one; only the packing is faster (~1.3x).
 * Later products of `b` go to the stock kernel, which finds its packed copy.
 *
 * Shapes: `a` `[..., M, K]`, `b` `[(1,) K, N]`, output `[..., M, N]`.
 */
export function freshOperandProduct(stock: SingleOutputKernel): SingleOutputKernel {
  return (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as unknown as {
      a: TensorInfo;
      b: TensorInfo;
    } & FusedInputs;
    const fused = { bias, preluActivationWeights };
    // By shapes alone, not by first use: the same call gives the same bits every time.
    if (worthFlipping(a, b, fused, args.attrs?.activation)) return flippedProduct(stock, args);
    if (!firstProductOf(b) || !worthPadding(a, b, fused)) return stock(args);
    return withScratch(args.backend, (scratch) => {
      const { backend } = scratch;
      const k = b.shape[b.shape.length - 2]!;
      const n = b.shape[b.shape.length - 1]!;
      const width = n + ROW_PADDING;
      const paddedB = scratch.track(
        backend.makeOutput([...b.shape.slice(0, -1), width], 'float32'),
      );
      const paddedBias =
        bias === undefined ? undefined : scratch.track(backend.makeOutput([width], 'float32'));
      // Views after every allocation (an allocation may grow, and detach, the heap).
      const paddedBView = backend.typedArrayFromHeap(paddedB) as Float32Array;
      copyRows(backend.typedArrayFromHeap(b) as Float32Array, paddedBView, k, n, n, width);
      for (let row = 0; row < k; row++) paddedBView.fill(0, row * width + n, (row + 1) * width);
      if (bias !== undefined && paddedBias !== undefined) {
        const view = backend.typedArrayFromHeap(paddedBias) as Float32Array;
        view.fill(0);
        view.set(backend.typedArrayFromHeap(bias) as Float32Array);
      }
      const wide = scratch.track(
        stock({
          ...args,
          inputs: {
            ...args.inputs,
            b: paddedB,
            ...(paddedBias === undefined ? {} : { bias: paddedBias }),
          },
        }),
      );
      const out = backend.makeOutput([...wide.shape.slice(0, -1), n], 'float32');
      const rows = util.sizeFromShape(wide.shape.slice(0, -1));
      copyRows(
        backend.typedArrayFromHeap(wide) as Float32Array,
        backend.typedArrayFromHeap(out) as Float32Array,
        rows,
        n,
        width,
        n,
      );
      return out;
    });
  };
}
