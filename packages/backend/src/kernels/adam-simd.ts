import { F32, I32, loadAt, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';

/**
 * The Adam update as a WebAssembly SIMD function on the wasm backend's own memory: four
 * float32 lanes per instruction, about 4x the JavaScript loop, whose `sqrt` and division in
 * double precision cost ~5 ns per element. In WebAssembly text form:
 *
 *     (func (export "adam")
 *       (param $w $g $m $v $wOut $mOut $vOut $count i32)
 *       (param $beta1 $keep1 $beta2 $keep2 $step $secondScale $epsilon f32)
 *       ;; for each group of 4 elements (count is a multiple of 4), all in f32x4:
 *       ;;   m' = beta1 m + keep1 g;  v' = beta2 v + keep2 g g
 *       ;;   w' = w - (step m') / (sqrt(secondScale v') + epsilon)
 *     )
 *
 * with byte addresses into the memory for the seven arrays.
 */

// Parameters 0-14, then locals 15-26.
const [W, G, M, V, W_OUT, M_OUT, V_OUT, COUNT] = [0, 1, 2, 3, 4, 5, 6, 7];
const SCALARS = [8, 9, 10, 11, 12, 13, 14]; // beta1 keep1 beta2 keep2 step secondScale epsilon
const [I, END] = [15, 16];
const SPLATS = [17, 18, 19, 20, 21, 22, 23]; // the scalars as f32x4, same order
const [BETA1, KEEP1, BETA2, KEEP2, STEP, SECOND_SCALE, EPSILON] = SPLATS as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
const [GRAD, FIRST, SECOND] = [24, 25, 26];

const adamFunction = (): SimdFunction => ({
  name: 'adam',
  params: [...Array(8).fill(I32), ...Array(7).fill(F32)],
  locals: [
    [2, I32],
    [10, V128],
  ],
  body: [
    ...[...op.get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.set(END)], // bytes
    ...SCALARS.flatMap((scalar, k) => [...op.get(scalar), ...op.splat, ...op.set(SPLATS[k]!)]),
    ...op.block,
    ...op.loop,
    ...[...op.get(I), ...op.get(END), ...op.i32GeU, ...op.brIf(1)],
    ...[...loadAt(G, I), ...op.set(GRAD)],
    // m' = beta1 m + keep1 g
    ...[...loadAt(M, I), ...op.get(BETA1), ...op.mul, ...op.get(GRAD), ...op.get(KEEP1), ...op.mul],
    ...[...op.add, ...op.set(FIRST)],
    // v' = beta2 v + keep2 g g
    ...[...loadAt(V, I), ...op.get(BETA2), ...op.mul, ...op.get(GRAD), ...op.get(GRAD), ...op.mul],
    ...[...op.get(KEEP2), ...op.mul, ...op.add, ...op.set(SECOND)],
    ...[...op.get(M_OUT), ...op.get(I), ...op.i32Add, ...op.get(FIRST), ...op.store],
    ...[...op.get(V_OUT), ...op.get(I), ...op.i32Add, ...op.get(SECOND), ...op.store],
    // w' = w - (step m') / (sqrt(secondScale v') + epsilon)
    ...[...op.get(W_OUT), ...op.get(I), ...op.i32Add, ...loadAt(W, I)],
    ...[...op.get(STEP), ...op.get(FIRST), ...op.mul],
    ...[...op.get(SECOND), ...op.get(SECOND_SCALE), ...op.mul, ...op.sqrt, ...op.get(EPSILON)],
    ...[...op.add, ...op.div, ...op.sub, ...op.store],
    ...[...op.get(I), ...op.i32Const(16), ...op.i32Add, ...op.set(I), ...op.br(0)],
    ...op.end, // loop
    ...op.end, // block
  ],
});

/** The SIMD update over `count` elements (a multiple of 4); addresses are byte offsets. */
export type SimdAdam = (
  w: number,
  g: number,
  m: number,
  v: number,
  wOut: number,
  mOut: number,
  vOut: number,
  count: number,
  beta1: number,
  keep1: number,
  beta2: number,
  keep2: number,
  step: number,
  secondScale: number,
  epsilon: number,
) => void;

/** The SIMD update bound to a memory, or `null` where it cannot run (see `simdFunction`). */
export const simdAdamFor = simdFunction<SimdAdam>(adamFunction);
