import { I32, op, type SimdFunction, simdFunction } from './simd-module.js';

/**
 * Reductions over the leading axis of a row-major `[rows, stride]` float32 array as
 * WebAssembly SIMD functions on the wasm backend's memory: `out[c] = op(out[c], x[s, c])` for
 * rows `s = 1 .. rows - 1` and the first `width` columns (a multiple of 4), where `out` already
 * holds row 0. The rows stream through once and `out` stays in cache, where the stock kernels
 * first transpose the input (a reduction over a non-innermost axis). In text form:
 *
 *     (func (export "reduce") (param $x $out $rows $width $stride i32)
 *       (loop over rows 1 ..: (loop over columns, 4 at a time:
 *         (v128.store (out + c) (op (v128.load (out + c)) (v128.load (row + c)))))))
 */

// Parameters 0-4, then locals.
const [X, OUT, ROWS, WIDTH, STRIDE] = [0, 1, 2, 3, 4];
const [ROW, ROW_END, ROW_BYTES, C, C_END] = [5, 6, 7, 8, 9];

function reduceFunction(combine: readonly number[]): SimdFunction {
  const at = (base: number) => [...op.get(base), ...op.get(C), ...op.i32Add];
  return {
    name: 'reduce',
    params: [I32, I32, I32, I32, I32],
    locals: [[5, I32]],
    body: [
      ...[...op.get(WIDTH), ...op.i32Const(2), ...op.i32Shl, ...op.set(C_END)],
      ...[...op.get(STRIDE), ...op.i32Const(2), ...op.i32Shl, ...op.set(ROW_BYTES)],
      ...[...op.get(X), ...op.get(ROW_BYTES), ...op.i32Add, ...op.set(ROW)], // row 1
      ...[...op.get(X), ...op.get(ROWS), ...op.get(ROW_BYTES), ...op.i32Mul, ...op.i32Add],
      ...op.set(ROW_END),
      ...op.block,
      ...op.loop,
      ...[...op.get(ROW), ...op.get(ROW_END), ...op.i32GeU, ...op.brIf(1)],
      ...[...op.i32Const(0), ...op.set(C)],
      ...op.block,
      ...op.loop,
      ...[...op.get(C), ...op.get(C_END), ...op.i32GeU, ...op.brIf(1)],
      ...[...at(OUT), ...at(OUT), ...op.load, ...at(ROW), ...op.load, ...combine, ...op.store],
      ...[...op.get(C), ...op.i32Const(16), ...op.i32Add, ...op.set(C), ...op.br(0)],
      ...op.end, // column loop
      ...op.end,
      ...[...op.get(ROW), ...op.get(ROW_BYTES), ...op.i32Add, ...op.set(ROW), ...op.br(0)],
      ...op.end, // row loop
      ...op.end,
    ],
  };
}

/** Reduces `rows` rows of `stride` floats at byte address `x` into `out` (see the module doc). */
export type SimdRowReduce = (
  x: number,
  out: number,
  rows: number,
  width: number,
  stride: number,
) => void;

/** Row sums (`f32x4.add`). */
export const simdRowSumFor = simdFunction<SimdRowReduce>(() => reduceFunction(op.add));

/** Row maxima (`f32x4.max`, which propagates NaN). */
export const simdRowMaxFor = simdFunction<SimdRowReduce>(() => reduceFunction(op.max));
