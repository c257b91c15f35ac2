import { F32, I32, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';

/**
 * The row passes of the fused Monte Carlo softmax kernels (softmax-log-mean-exp.ts) as
 * WebAssembly functions on the wasm backend's memory. A row is the `K` class values of one
 * sample at one position, contiguous; rows are short (often 10), so the loops that combine a
 * row's values in order (its sums) run one float32 at a time, and the rest (the maximum, which
 * does not depend on the order, and the element-wise loops) four classes at a time while four
 * are left in the row, then one at a time: lane by lane the same float32 operations, so the
 * same bits as one at a time. Arrays are `count` float32 values at byte addresses,
 * `count` a multiple of `K`. In text form:
 *
 *     (func (export "shift") (param $x $out $count $k i32)      ;; out = x - max over the row
 *     (func (export "normalize") (param $p $count $k i32)       ;; p = p / sum over the row
 *     (func (export "backward") (param $p $g $out $count $k $width i32)
 *       ;; out = p (g - sum_k p g) over each row, g [width] repeating every width values
 */

/** The scalar float32 instructions these use (the SIMD assembler's `op` holds the rest). */
export const f32 = {
  load: [0x2a, 2, 0], // f32.load, alignment 2^2, offset 0
  store: [0x38, 2, 0],
  add: [0x92],
  sub: [0x93],
  mul: [0x94],
  div: [0x95],
  gt: [0x5e],
};
/** `select`: `[a, b, condition] -> condition ? a : b`. */
export const select = [0x1b];
/** Reinterpreting casts between float32 and int32 bits. */
export const i32FromF32 = [0xbc]; // i32.reinterpret_f32
export const f32FromI32 = [0xbe]; // f32.reinterpret_i32

/** `local += bytes`. */
export const advance = (local: number, bytes: number) => [
  ...op.get(local),
  ...op.i32Const(bytes),
  ...op.i32Add,
  ...op.set(local),
];

/** `(block (loop (br_if 1 (i32.ge_u pointer end)) body... (br 0)))`. */
export const whileBelow = (pointer: number, end: number, body: readonly number[]) => [
  ...op.block,
  ...op.loop,
  ...[...op.get(pointer), ...op.get(end), ...op.i32GeU, ...op.brIf(1)],
  ...body,
  ...op.br(0),
  ...op.end,
  ...op.end,
];

/** `local = a + (b << 2)`: the byte address `b` floats after `a`. */
export const floatsAfter = (local: number, a: number, b: number) => [
  ...op.get(a),
  ...op.get(b),
  ...op.i32Const(2),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(local),
];

/**
 * `local = rowEnd - 12`: while a pointer is below it, four floats of the row are left (none
 * when the row has fewer than four, as the pointer starts above it then).
 */
export const groupsEnd = (local: number, rowEnd: number) => [
  ...[...op.get(rowEnd), ...op.i32Const(12), ...op.i32Sub, ...op.set(local)],
];

/** `i8x16.shuffle` of two v128 by 16 lane bytes, and `f32x4.extract_lane`. */
const shuffle = (bytes: readonly number[]) => [0xfd, 0x0d, ...bytes];
const extractLane = (lane: number) => [0xfd, 0x1f, lane];

/**
 * `max = bits of the largest of the four float lanes of maxs` (folding in the lanes `[2, 3, 0,
 * 1]`, then `[1, 0, 3, 2]`, with `pmax`, which keeps its first operand over a NaN).
 */
export const laneMax = (maxs: number, max: number) => {
  const fold = (bytes: readonly number[]) => [
    ...[...op.get(maxs), ...op.get(maxs), ...op.get(maxs), ...shuffle(bytes), ...op.pmax],
    ...op.set(maxs),
  ];
  return [
    ...fold([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]),
    ...fold([4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11]),
    ...[...op.get(maxs), ...extractLane(0), ...i32FromF32, ...op.set(max)],
  ];
};

/**
 * `max = value > max ? value : max` for the float32 `value` (a local), `max` holding float32
 * bits: an int32 select compiles to a conditional move, where a float32 select becomes a
 * branch that random latents mispredict (the row pass ran ~2x slower). A NaN value is skipped
 * (the row comes out NaN anyway, in x - max).
 */
export const maxInto = (max: number, value: number) => [
  ...[...op.get(value), ...i32FromF32, ...op.get(max)],
  ...[...op.get(value), ...op.get(max), ...f32FromI32, ...f32.gt, ...select, ...op.set(max)],
];

const shiftFunction = (): SimdFunction => {
  // Parameters 0-3; locals 4-8 (i32), 9 (f32), 10 (v128).
  const [X, OUT, COUNT, K, END, ROW_END, Q, MAX, GROUPS_END, VALUE, MAXS] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  return {
    name: 'shift',
    params: [I32, I32, I32, I32],
    locals: [
      [5, I32],
      [1, F32],
      [1, V128],
    ],
    body: [
      ...floatsAfter(END, X, COUNT),
      ...whileBelow(X, END, [
        ...floatsAfter(ROW_END, X, K),
        ...groupsEnd(GROUPS_END, ROW_END),
        // The row max: four lanes at a time (pmax skips a NaN), then one at a time.
        ...[...op.f32Const(Number.NEGATIVE_INFINITY), ...op.splat, ...op.set(MAXS)],
        ...[...op.get(X), ...op.set(Q)],
        ...whileBelow(Q, GROUPS_END, [
          ...[...op.get(MAXS), ...op.get(Q), ...op.load, ...op.pmax, ...op.set(MAXS)],
          ...advance(Q, 16),
        ]),
        ...laneMax(MAXS, MAX),
        ...whileBelow(Q, ROW_END, [
          ...[...op.get(Q), ...f32.load, ...op.set(VALUE), ...maxInto(MAX, VALUE)],
          ...advance(Q, 4),
        ]),
        // out = x - max, four at a time, then one at a time.
        ...[...op.get(MAX), ...f32FromI32, ...op.splat, ...op.set(MAXS)],
        ...whileBelow(X, GROUPS_END, [
          ...[...op.get(OUT), ...op.get(X), ...op.load, ...op.get(MAXS), ...op.sub, ...op.store],
          ...advance(X, 16),
          ...advance(OUT, 16),
        ]),
        ...whileBelow(X, ROW_END, [
          ...[...op.get(OUT), ...op.get(X), ...f32.load, ...op.get(MAX), ...f32FromI32],
          ...[...f32.sub, ...f32.store],
          ...advance(X, 4),
          ...advance(OUT, 4),
        ]),
      ]),
    ],
  };
};

const normalizeFunction = (): SimdFunction => {
  // Parameters 0-2; locals 3-6 (i32), 7-8 (f32), 9 (v128).
  const [P, COUNT, K, END, ROW_END, Q, GROUPS_END, SUM, INVERSE, INVERSES] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
  ];
  return {
    name: 'normalize',
    params: [I32, I32, I32],
    locals: [
      [4, I32],
      [2, F32],
      [1, V128],
    ],
    body: [
      ...floatsAfter(END, P, COUNT),
      ...whileBelow(P, END, [
        ...floatsAfter(ROW_END, P, K),
        ...[...op.f32Const(0), ...op.set(SUM), ...op.get(P), ...op.set(Q)],
        ...whileBelow(Q, ROW_END, [
          ...[...op.get(SUM), ...op.get(Q), ...f32.load, ...f32.add, ...op.set(SUM)],
          ...advance(Q, 4),
        ]),
        // One division per row; p * (1 / sum) is within 1.5 ulp of p / sum. Four at a time,
        // then one at a time.
        ...[...op.f32Const(1), ...op.get(SUM), ...f32.div, ...op.set(INVERSE)],
        ...[...op.get(INVERSE), ...op.splat, ...op.set(INVERSES)],
        ...groupsEnd(GROUPS_END, ROW_END),
        ...whileBelow(P, GROUPS_END, [
          ...[...op.get(P), ...op.get(P), ...op.load, ...op.get(INVERSES), ...op.mul, ...op.store],
          ...advance(P, 16),
        ]),
        ...whileBelow(P, ROW_END, [
          ...[
            ...op.get(P),
            ...op.get(P),
            ...f32.load,
            ...op.get(INVERSE),
            ...f32.mul,
            ...f32.store,
          ],
          ...advance(P, 4),
        ]),
      ]),
    ],
  };
};

const backwardFunction = (): SimdFunction => {
  // Parameters 0-5; locals 6-12 (i32), 13 (f32), 14 (v128).
  const [P, G, OUT, COUNT, K, WIDTH] = [0, 1, 2, 3, 4, 5];
  const [END, G_END, ROW_END, Q, H, ROW_G, GROUPS_END, TOTAL, TOTALS] = [
    6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  return {
    name: 'backward',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [
      [7, I32],
      [1, F32],
      [1, V128],
    ],
    body: [
      ...floatsAfter(END, P, COUNT),
      ...floatsAfter(G_END, G, WIDTH),
      ...[...op.get(G), ...op.set(ROW_G)],
      ...whileBelow(P, END, [
        ...floatsAfter(ROW_END, P, K),
        // total = sum_k p_k g_k
        ...[...op.f32Const(0), ...op.set(TOTAL), ...op.get(P), ...op.set(Q), ...op.get(ROW_G)],
        ...op.set(H),
        ...whileBelow(Q, ROW_END, [
          ...[...op.get(TOTAL), ...op.get(Q), ...f32.load, ...op.get(H), ...f32.load, ...f32.mul],
          ...[...f32.add, ...op.set(TOTAL)],
          ...advance(Q, 4),
          ...advance(H, 4),
        ]),
        // out_k = p_k (g_k - total): four at a time, then one at a time.
        ...[...op.get(ROW_G), ...op.set(H), ...op.get(TOTAL), ...op.splat, ...op.set(TOTALS)],
        ...groupsEnd(GROUPS_END, ROW_END),
        ...whileBelow(P, GROUPS_END, [
          ...[...op.get(OUT), ...op.get(P), ...op.load, ...op.get(H), ...op.load],
          ...[...op.get(TOTALS), ...op.sub, ...op.mul, ...op.store],
          ...advance(P, 16),
          ...advance(H, 16),
          ...advance(OUT, 16),
        ]),
        ...whileBelow(P, ROW_END, [
          ...[...op.get(OUT), ...op.get(P), ...f32.load, ...op.get(H), ...f32.load],
          ...[...op.get(TOTAL), ...f32.sub, ...f32.mul, ...f32.store],
          ...advance(P, 4),
          ...advance(H, 4),
          ...advance(OUT, 4),
        ]),
        // The next row's g: where this one ended, or back to the start after `width` values.
        ...[...op.get(G), ...op.get(H), ...op.get(H), ...op.get(G_END), ...op.i32GeU],
        ...[...select, ...op.set(ROW_G)],
      ]),
    ],
  };
};

/** `out = x - max_k x` row by row (a row holding NaN comes out NaN); may run in place. */
export type RowShift = (x: number, out: number, count: number, k: number) => void;
/** `p = p / sum_k p` row by row, in place. */
export type RowNormalize = (p: number, count: number, k: number) => void;
/** `out = p (g - sum_k p g)` row by row; `g` holds `width` floats, repeating. */
export type RowBackward = (
  p: number,
  g: number,
  out: number,
  count: number,
  k: number,
  width: number,
) => void;

/** The row functions bound to a memory, or `null` where they cannot run (see `simdFunction`). */
export const rowShiftFor = simdFunction<RowShift>(shiftFunction);
export const rowNormalizeFor = simdFunction<RowNormalize>(normalizeFunction);
export const rowBackwardFor = simdFunction<RowBackward>(backwardFunction);
