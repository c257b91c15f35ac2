import { I32, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';

/**
 * The transpose of a `[rows, cols]` block of 4-byte values (float32 or int32: only bits move) as
 * a WebAssembly SIMD function on the wasm backend's memory, four rows by four columns at a time:
 * four `v128` loads of the block's rows, eight `i8x16.shuffle`s, four `v128` stores of its
 * columns into the `[cols, rows]` output. Rows are `inStride` values apart in the input and
 * `outStride` in the output, so the caller can go tile by tile through a larger matrix. Covers
 * the first `rows - rows % 4` rows and `cols - cols % 4` columns; the caller moves the rest. The
 * stock wasm `Transpose` moves one value at a time with a strided store (~3 ns per value for
 * `[128, 1024]`, ~7 ns for `[1024, 1024]`, measured), and every dense layer's backward pass
 * transposes one or two of its operands before the product (`untransposedMatMul`). In text form:
 *
 *     (func (export "transpose") (param $x $out $rows $cols $inStride $outStride i32)
 *       (loop over row blocks r: (loop over column blocks c:
 *         a..d = (v128.load x[r + 0..3, c]); the 4 x 4 block transposed by shuffles;
 *         (v128.store out[c + 0..3, r]))))
 */

// Parameters 0-5; locals 6-13 (i32), 14-21 (v128).
const [X, OUT, ROWS, COLS, IN_STRIDE, OUT_STRIDE] = [0, 1, 2, 3, 4, 5];
const [ROW_BYTES, OUT_ROW_BYTES, SOURCE, SOURCE_END, TARGET, ROW_TARGET] = [6, 7, 8, 9, 10, 11];
const [ROW_BLOCK_END, BLOCKS_END] = [12, 13];
const [A, B, C, D, AB_LOW, AB_HIGH, CD_LOW, CD_HIGH] = [14, 15, 16, 17, 18, 19, 20, 21];

/** `i8x16.shuffle` picking four 4-byte lanes of the two v128 below it (0-3 the first, 4-7 the second). */
const pickLanes = (...lanes: readonly number[]) => [
  0xfd,
  0x0d,
  ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]),
];

/** `local = shuffle(first, second)` by `lanes`. */
const shuffleInto = (local: number, first: number, second: number, lanes: readonly number[]) => [
  ...op.get(first),
  ...op.get(second),
  ...pickLanes(...lanes),
  ...op.set(local),
];

/** `v128.store` of `value` at `TARGET + k OUT_ROW_BYTES` (output row `c + k`, columns `r..r+3`). */
const storeRow = (k: number, value: number) => [
  ...[...op.get(TARGET), ...op.get(OUT_ROW_BYTES), ...op.i32Const(k), ...op.i32Mul, ...op.i32Add],
  ...[...op.get(value), ...op.store],
];

/** `v128.load` of input row `r + k` at the block's columns: `SOURCE + k ROW_BYTES`. */
const loadRow = (k: number, local: number) => [
  ...[...op.get(SOURCE), ...op.get(ROW_BYTES), ...op.i32Const(k), ...op.i32Mul, ...op.i32Add],
  ...[...op.load, ...op.set(local)],
];

const transposeFunction = (): SimdFunction => ({
  name: 'transpose',
  params: [I32, I32, I32, I32, I32, I32],
  locals: [
    [8, I32],
    [8, V128],
  ],
  body: [
    ...[...op.get(IN_STRIDE), ...op.i32Const(2), ...op.i32Shl, ...op.set(ROW_BYTES)],
    ...[...op.get(OUT_STRIDE), ...op.i32Const(2), ...op.i32Shl, ...op.set(OUT_ROW_BYTES)],
    // SOURCE_END: the first row past the whole blocks, rows - rows % 4.
    ...[...op.get(X), ...op.get(ROWS), ...op.i32Const(-4), ...op.i32And, ...op.get(ROW_BYTES)],
    ...[...op.i32Mul, ...op.i32Add, ...op.set(SOURCE_END)],
    ...[...op.get(X), ...op.set(SOURCE)],
    ...[...op.get(OUT), ...op.set(ROW_TARGET)],
    ...op.block,
    ...op.loop, // over row blocks: SOURCE at (r, 0), ROW_TARGET at (0, r) of the output
    ...[...op.get(SOURCE), ...op.get(SOURCE_END), ...op.i32GeU, ...op.brIf(1)],
    ...[...op.get(ROW_TARGET), ...op.set(TARGET)],
    ...[...op.get(SOURCE), ...op.get(ROW_BYTES), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add],
    ...op.set(ROW_BLOCK_END), // the next row block
    // BLOCKS_END: past the whole column blocks of this row, cols - cols % 4.
    ...[...op.get(SOURCE), ...op.get(COLS), ...op.i32Const(-4), ...op.i32And, ...op.i32Const(2)],
    ...[...op.i32Shl, ...op.i32Add, ...op.set(BLOCKS_END)],
    ...op.block,
    ...op.loop, // over column blocks: SOURCE at (r, c), TARGET at (c, r)
    ...[...op.get(SOURCE), ...op.get(BLOCKS_END), ...op.i32GeU, ...op.brIf(1)],
    ...[...loadRow(0, A), ...loadRow(1, B), ...loadRow(2, C), ...loadRow(3, D)],
    // [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3]
    ...shuffleInto(AB_LOW, A, B, [0, 4, 1, 5]),
    ...shuffleInto(AB_HIGH, A, B, [2, 6, 3, 7]),
    ...shuffleInto(CD_LOW, C, D, [0, 4, 1, 5]),
    ...shuffleInto(CD_HIGH, C, D, [2, 6, 3, 7]),
    // columns c..c+3 of the block: [a0 b0 c0 d0], [a1 b1 c1 d1], [a2 b2 c2 d2], [a3 b3 c3 d3]
    ...shuffleInto(A, AB_LOW, CD_LOW, [0, 1, 4, 5]),
    ...shuffleInto(B, AB_LOW, CD_LOW, [2, 3, 6, 7]),
    ...shuffleInto(C, AB_HIGH, CD_HIGH, [0, 1, 4, 5]),
    ...shuffleInto(D, AB_HIGH, CD_HIGH, [2, 3, 6, 7]),
    ...[...storeRow(0, A), ...storeRow(1, B), ...storeRow(2, C), ...storeRow(3, D)],
    ...[...op.get(SOURCE), ...op.i32Const(16), ...op.i32Add, ...op.set(SOURCE)],
    ...[...op.get(TARGET), ...op.get(OUT_ROW_BYTES), ...op.i32Const(2), ...op.i32Shl],
    ...[...op.i32Add, ...op.set(TARGET), ...op.br(0)],
    ...op.end, // column blocks
    ...op.end,
    // The next row block: SOURCE at (r + 4, 0), ROW_TARGET at (0, r + 4).
    ...[...op.get(ROW_BLOCK_END), ...op.set(SOURCE)],
    ...[...op.get(ROW_TARGET), ...op.i32Const(16), ...op.i32Add, ...op.set(ROW_TARGET)],
    ...op.br(0),
    ...op.end, // row blocks
    ...op.end,
  ],
});

/**
 * Transposes the whole 4 x 4 blocks of `[rows, cols]` 4-byte values at byte address `x` (rows
 * `inStride` values apart) into `[cols, rows]` at `out` (rows `outStride` apart); see the module
 * doc. Addresses are byte offsets.
 */
export type SimdTranspose = (
  x: number,
  out: number,
  rows: number,
  cols: number,
  inStride: number,
  outStride: number,
) => void;

/** The SIMD transpose bound to a memory, or `null` where it cannot run (see `simdFunction`). */
export const simdTransposeFor = simdFunction<SimdTranspose>(transposeFunction);
