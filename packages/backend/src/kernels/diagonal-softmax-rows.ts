import { advance, whileBelow } from './exp-simd.js';
import { F32, I32, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';
import { f32, floatsAfter, groupsEnd, softmaxPassFor, wrap } from './softmax-rows.js';

/**
 * The row passes of the fused kernels for diagonal latents (diagonal-softmax-log-mean-exp.ts)
 * as WebAssembly functions on the wasm backend's memory: the latents `x = loc + scale u` are
 * formed inside the row loops and never stored as a tensor. `loc`, `scale`, the gradients and
 * `g` hold `width` floats (one sample's `[B, ..., K]`), repeating for every sample; `u`, `out`
 * and `p` hold `count` floats (`[C, B, ..., K]`), `count` a multiple of `width`, `width` of `k`.
 * The forward is the one-pass softmax of softmax-rows.ts with `x` formed as it goes
 * (`softmaxPassFunction(true, ...)`: `x` is formed row by row, `p` stored into `out`);
 * the backward runs four classes at a time while four are left in the row, then one at a time
 * (its total `sum_k p g` one at a time, in the plain pass's order): the same float32 operations
 * as the plain passes on `loc + scale * u`, so the same bits. In text form:
 *
 *     (func (export "diagonalSoftmax")
 *       (param $loc $scale $u $out $sums $count $k $width i32)
 *       ;; out = softmax(x) over each row, x = loc + scale u (f32.mul, then f32.add);
 *       ;; sums += out (the sum over samples)
 *     (func (export "diagonalBackward")
 *       (param $p $u $g $dLoc $dScale $count $k $width i32)
 *       ;; dx = p (g - sum_k p g) over each row; dLoc += dx, dScale += u dx
 */

/** `f32.load` of the float at byte address `base + offset` (two locals). */
const loadSum = (base: number, offset: number) => [
  ...op.get(base),
  ...op.get(offset),
  ...op.i32Add,
  ...f32.load,
];

const diagonalBackwardFunction = (): SimdFunction => {
  // Parameters 0-7; locals 8-13 (i32), 14-15 (f32), 16-17 (v128).
  const [P, U, G, D_LOC, D_SCALE, COUNT, K, WIDTH] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [END, ROW_END, Q, OFFSET, H, GROUPS_END, TOTAL, DX, TOTALS, DXS] = [
    8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
  ];
  /** `store` of `value` (instructions leaving it on the stack) at `base + H`, plus what is there. */
  const accumulateWith =
    (load: readonly number[], add: readonly number[], store: readonly number[]) =>
    (base: number, value: readonly number[]) => [
      ...[...op.get(base), ...op.get(H), ...op.i32Add],
      ...[...op.get(base), ...op.get(H), ...op.i32Add, ...load, ...value, ...add, ...store],
    ];
  const accumulate = accumulateWith(f32.load, f32.add, f32.store);
  const accumulate4 = accumulateWith(op.load, op.add, op.store);
  return {
    name: 'diagonalBackward',
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [
      [6, I32],
      [2, F32],
      [2, V128],
    ],
    body: [
      ...floatsAfter(END, P, COUNT),
      ...[...op.get(WIDTH), ...op.i32Const(2), ...op.i32Shl, ...op.set(WIDTH)],
      ...whileBelow(P, END, [
        ...floatsAfter(ROW_END, P, K),
        ...groupsEnd(GROUPS_END, ROW_END),
        // total = sum_k p_k g_k
        ...[...op.f32Const(0), ...op.set(TOTAL), ...op.get(P), ...op.set(Q), ...op.get(OFFSET)],
        ...op.set(H),
        ...whileBelow(Q, ROW_END, [
          ...[...op.get(TOTAL), ...op.get(Q), ...f32.load, ...loadSum(G, H), ...f32.mul],
          ...[...f32.add, ...op.set(TOTAL)],
          ...advance(Q, 4),
          ...advance(H, 4),
        ]),
        // dx_k = p_k (g_k - total); dLoc_k += dx_k; dScale_k += u_k dx_k: four classes at a
        // time (lane by lane the same float32 operations, so the same bits), then one at a time.
        ...[...op.get(OFFSET), ...op.set(H), ...op.get(TOTAL), ...op.splat, ...op.set(TOTALS)],
        ...whileBelow(P, GROUPS_END, [
          ...[...op.get(P), ...op.load, ...op.get(G), ...op.get(H), ...op.i32Add, ...op.load],
          ...[...op.get(TOTALS), ...op.sub, ...op.mul, ...op.set(DXS)],
          ...accumulate4(D_LOC, op.get(DXS)),
          ...accumulate4(D_SCALE, [...op.get(U), ...op.load, ...op.get(DXS), ...op.mul]),
          ...advance(P, 16),
          ...advance(U, 16),
          ...advance(H, 16),
        ]),
        ...whileBelow(P, ROW_END, [
          ...[...op.get(P), ...f32.load, ...loadSum(G, H), ...op.get(TOTAL), ...f32.sub],
          ...[...f32.mul, ...op.set(DX)],
          ...accumulate(D_LOC, op.get(DX)),
          ...accumulate(D_SCALE, [...op.get(U), ...f32.load, ...op.get(DX), ...f32.mul]),
          ...advance(P, 4),
          ...advance(U, 4),
          ...advance(H, 4),
        ]),
        ...[...op.get(H), ...op.set(OFFSET)],
        ...wrap(OFFSET, WIDTH),
      ]),
    ],
  };
};

/**
 * `out = softmax(x)` row by row, `x = loc + scale u`, and `sums += out` (`loc`, `scale`, `sums`
 * repeating every `width`), in blocks of `block` floats (`softmaxBlock` in softmax-rows.ts).
 */
export type DiagonalSoftmax = (
  loc: number,
  scale: number,
  u: number,
  out: number,
  sums: number,
  count: number,
  k: number,
  width: number,
  block: number,
) => void;
/** `dx = p (g - sum_k p g)` row by row; `dLoc += dx`, `dScale += u dx` (repeating every `width`). */
export type DiagonalBackward = (
  p: number,
  u: number,
  g: number,
  dLoc: number,
  dScale: number,
  count: number,
  k: number,
  width: number,
) => void;

/** The row functions bound to a memory, or `null` where they cannot run (see `simdFunction`). */
export const diagonalSoftmaxFor = softmaxPassFor<DiagonalSoftmax>(true);
export const diagonalBackwardFor = simdFunction<DiagonalBackward>(diagonalBackwardFunction);
