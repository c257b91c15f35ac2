import { F32, I32, loadAt, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';

/**
 * Leaky ReLU and its gradient over float32 arrays as WebAssembly SIMD functions on the wasm
 * backend's memory, four lanes at a time, with the float32 operations of the stock wasm kernel
 * and of tfjs-core's gradient (so the same bits):
 *
 *     forward:   out = x < 0 ? alpha x : x                       (the stock wasm LeakyRelu)
 *     backward:  dx  = x > 0 ? dy : alpha dy                     (tfjs-core's where(x > 0, ...))
 *
 * each by one compare, one product and one `v128.bitselect`. In text form:
 *
 *     (func (export "leakyRelu") (param $x $out $count i32) (param $alpha f32))
 *     (func (export "leakyReluGrad") (param $x $dy $dx $count i32) (param $alpha f32))
 */

const bitselect = [0xfd, 0x52];
const f32x4Lt = [0xfd, 0x43];
const f32x4Gt = [0xfd, 0x44];

/** `for (i = 0; i < END; i += 16) body` over byte offsets. */
function overVectors(i: number, end: number, body: readonly number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...[...op.get(i), ...op.get(end), ...op.i32GeU, ...op.brIf(1)],
    ...body,
    ...[...op.get(i), ...op.i32Const(16), ...op.i32Add, ...op.set(i), ...op.br(0)],
    ...op.end,
    ...op.end,
  ];
}

/** `end = count * 4` (bytes), `alphas = splat(alpha)`, `zeros = splat(0)`. */
function prologue(count: number, end: number, alpha: number, alphas: number, zeros: number) {
  return [
    ...[...op.get(count), ...op.i32Const(2), ...op.i32Shl, ...op.set(end)],
    ...[...op.get(alpha), ...op.splat, ...op.set(alphas)],
    ...[...op.f32Const(0), ...op.splat, ...op.set(zeros)],
  ];
}

const forwardFunction = (): SimdFunction => {
  // Parameters 0-3; locals 4-5 (i32), 6-8 (v128).
  const [X, OUT, COUNT, ALPHA, I, END, ALPHAS, VALUE, ZEROS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return {
    name: 'leakyRelu',
    params: [I32, I32, I32, F32],
    locals: [
      [2, I32],
      [3, V128],
    ],
    body: [
      ...prologue(COUNT, END, ALPHA, ALPHAS, ZEROS),
      ...overVectors(I, END, [
        ...[...op.get(OUT), ...op.get(I), ...op.i32Add],
        ...[...loadAt(X, I), ...op.set(VALUE)],
        // bitselect(alpha x, x, x < 0)
        ...[...op.get(VALUE), ...op.get(ALPHAS), ...op.mul, ...op.get(VALUE)],
        ...[...op.get(VALUE), ...op.get(ZEROS), ...f32x4Lt, ...bitselect, ...op.store],
      ]),
    ],
  };
};

const backwardFunction = (): SimdFunction => {
  // Parameters 0-4; locals 5-6 (i32), 7-9 (v128).
  const [X, DY, DX, COUNT, ALPHA, I, END, ALPHAS, GRADIENT, ZEROS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  return {
    name: 'leakyReluGrad',
    params: [I32, I32, I32, I32, F32],
    locals: [
      [2, I32],
      [3, V128],
    ],
    body: [
      ...prologue(COUNT, END, ALPHA, ALPHAS, ZEROS),
      ...overVectors(I, END, [
        ...[...op.get(DX), ...op.get(I), ...op.i32Add],
        ...[...loadAt(DY, I), ...op.set(GRADIENT)],
        // bitselect(dy, alpha dy, x > 0)
        ...[...op.get(GRADIENT), ...op.get(GRADIENT), ...op.get(ALPHAS), ...op.mul],
        ...[...loadAt(X, I), ...op.get(ZEROS), ...f32x4Gt, ...bitselect, ...op.store],
      ]),
    ],
  };
};

/** `out = leakyRelu(x)` for `count` floats (a multiple of 4); addresses are byte offsets. */
export type SimdLeakyRelu = (x: number, out: number, count: number, alpha: number) => void;

/** `dx = x > 0 ? dy : alpha dy` for `count` floats (a multiple of 4), byte offsets. */
export type SimdLeakyReluGrad = (
  x: number,
  dy: number,
  dx: number,
  count: number,
  alpha: number,
) => void;

/** The SIMD forward pass bound to a memory, or `null` where it cannot run (see `simdFunction`). */
export const simdLeakyReluFor = simdFunction<SimdLeakyRelu>(forwardFunction);

/** The SIMD backward pass bound to a memory, or `null` where it cannot run. */
export const simdLeakyReluGradFor = simdFunction<SimdLeakyReluGrad>(backwardFunction);
