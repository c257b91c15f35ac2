import { InvalidArgumentError } from '@uqjs/core';
import { advance, EXP_WAYS, expOfV128, select, whileBelow } from './exp-simd.js';
import {
  F32,
  I32,
  op,
  type SimdFunction,
  simdFunction,
  V128,
  type WasmMemory,
} from './simd-module.js';

/**
 * The row passes of the fused Monte Carlo softmax kernels (softmax-log-mean-exp.ts) as
 * WebAssembly functions on the wasm backend's memory. A row is the `K` class values of one
 * sample at one position, contiguous; rows are short (often 10). The maximum (which does not
 * depend on the order) and the element-wise steps run four classes at a time, lane by lane the
 * same float32 operations, so the same bits as one at a time; the backward's sum `sum_k p g`
 * one float32 at a time, in order; the forward's row sum four lanes at a time (the v128 of the
 * row added in order, then lanes (0 + 2) + (1 + 3); in order one at a time where K < 4),
 * the same order in both forward functions, so the same bits. Arrays are `count`
 * float32 values at byte addresses, `count` a multiple of `K`; the `[width]` arrays repeat
 * every `width` values (one sample's). In text form:
 *
 *     (func (export "softmax") (param $x $out $sums $count $k $width $block i32)
 *       ;; out = softmax(x) over each row, in one pass over blocks of rows;
 *       ;; sums += out (the sum over samples)
 *     (func (export "backward") (param $p $g $out $count $k $width i32)
 *       ;; out = p (g - sum_k p g) over each row
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
/** Reinterpreting casts between float32 and int32 bits. */
export const i32FromF32 = [0xbc]; // i32.reinterpret_f32
export const f32FromI32 = [0xbe]; // f32.reinterpret_i32

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
/** The shuffles' lane bytes of the float lanes `[2, 3, 0, 1]` and `[1, 0, 3, 2]`. */
const LANES_2301 = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const LANES_1032 = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
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
    ...fold(LANES_2301),
    ...fold(LANES_1032),
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

/** `local = local >= limit ? 0 : local`: the offset into a `width`-long array wraps. */
export const wrap = (local: number, limit: number) => [
  ...[...op.i32Const(0), ...op.get(local), ...op.get(local), ...op.get(limit), ...op.i32GeU],
  ...[...select, ...op.set(local)],
];

/** `f32x4.replace_lane` (of an f32 on top of a v128), `i32x4.replace_lane`, `v128.and`. */
const replaceLane = (lane: number) => [0xfd, 0x20, lane];
const replaceI32Lane = (lane: number) => [0xfd, 0x1c, lane];
const and = [0xfd, 0x4e];

/** `sum = (v0 + v2) + (v1 + v3)` of the float lanes of the v128 `v` (overwritten). */
const laneSum = (v: number, sum: number) => [
  ...[...op.get(v), ...op.get(v), ...op.get(v), ...shuffle(LANES_2301), ...op.add, ...op.set(v)],
  ...[...op.get(v), ...op.get(v), ...op.get(v), ...shuffle(LANES_1032), ...op.add],
  ...[...extractLane(0), ...op.set(sum)],
];

/** The largest `K` whose rows {@link softmaxPassFunction} writes out class by class. */
export const UNROLLED_CLASSES = 16;

/**
 * The forward row pass of the fused kernels, one pass over blocks of `block` floats (whole rows,
 * a multiple of 4, a few KiB, so they stay in the L1 cache between the steps; where the arrays
 * fit a large L3, as `[1000, 128, 10]` on the development machine, the block size makes no
 * measurable difference: the pass is bound by its instructions): for each row of
 * the block, `x` (read, or formed as `loc + scale u` where `diagonal`) and `x - max` into `out`;
 * `e = exp(x - max)` over the whole block ({@link expOfV128}, four v128 at a time, interleaved;
 * the last 1-3 floats of the array as lanes of one more v128); for each row, the row sum
 * `sum_k e` (four lanes at a time, see above; half the latency of ten dependent adds, which
 * bounded this step), `p = e (1 / sum)` into `out`, and `sums += p` into
 * the `width`-long accumulator (from the row's offset into one sample's values, wrapping, so
 * each entry adds its samples in order, as the leading-axis `Sum` does).
 *
 * Four classes at a time; where `K >= 4`, the row's last `K % 4` classes as its last four (a
 * v128 overlapping the one before, the same values again, stored after it; into `sums` one
 * class at a time, lanes of the v128), else one class at a time. With `classes` (`K`, at most
 * {@link UNROLLED_CLASSES}) the rows are written out class by class at constant offsets, the
 * latents kept in locals (a few instructions per class; rows are short); without it, loops
 * over the classes (rows of more than {@link UNROLLED_CLASSES}). The same float32 operations
 * either way. Modules of at most ~2.7 KB (browsers compile up to 4 KiB synchronously on the
 * main thread). Parameters: `(loc, scale, u, out, sums, count, k, width, block)` where `diagonal`
 * (`loc`, `scale` repeating every `width`), else `(x, out, sums, count, k, width, block)`.
 */
export const softmaxPassFunction = (diagonal: boolean, classes: number | null): SimdFunction => {
  if (
    classes !== null &&
    !(Number.isInteger(classes) && classes >= 1 && classes <= UNROLLED_CLASSES)
  ) {
    throw new InvalidArgumentError({
      fn: 'softmaxPassFunction',
      argument: 'classes',
      expected: `an integer in [1, ${UNROLLED_CLASSES}] or null`,
      given: String(classes),
    });
  }
  const params = diagonal ? 9 : 7;
  const [LOC, SCALE, U] = [0, 1, 2]; // diagonal
  const X = 0; // plain
  const [OUT, SUMS, COUNT, K, WIDTH, BLOCK] = [6, 5, 4, 3, 2, 1].map((k) => params - k) as number[];
  const i32s = 17;
  const [END, BLOCK_END, ROW, ROW_END, GROUPS_END, Q, H, G, OFFSET, MAX, DELTA, E1, E2] =
    Array.from({ length: 13 }, (_, i) => params + i) as number[];
  const [WAYS_END, TAIL, TAIL_OFFSET, BASE] = [13, 14, 15, 16].map((i) => params + i) as number[];
  const f32s = 3 + 3;
  const [VALUE, SUM, INVERSE] = [0, 1, 2].map((i) => params + i32s + i) as number[];
  /** The classes of a short row (K < 4), one float32 local each. */
  const XJ = [3, 4, 5].map((i) => params + i32s + i);
  const v128s = params + i32s + f32s;
  const [MAXS, XS, INVERSES, PS, TAILS] = [0, 1, 2, 3, 4].map((i) => v128s + i) as number[];
  /** The v128 of a row written out (K <= 16). */
  const XG = [5, 6, 7, 8].map((i) => v128s + i);
  /** Lane j all ones where j >= 4 - K % 4: the tail's classes not in the v128 before. */
  const MASK = v128s + 9;
  const { count: expLocals, init, exp } = expOfV128(v128s + 10);
  /** The address `Q + local`. */
  const at = (local: number) => [...op.get(Q!), ...op.get(local), ...op.i32Add];
  /** The address `base + local`. */
  const plus = (base: number, local: number) => [...op.get(base), ...op.get(local), ...op.i32Add];
  /** `local = end - bytes`, 0 where `end < bytes`: while `Q < local`, `bytes + 4` bytes are left. */
  const limit = (local: number, end: number, bytes: number) => [
    ...[...op.get(end), ...op.i32Const(bytes), ...op.i32Sub, ...op.i32Const(0)],
    ...[...op.get(end), ...op.i32Const(bytes), ...op.i32GeU, ...select, ...op.set(local)],
  ];
  /** `sums[g] += p` (the v128 `p`). */
  const accumulate4 = (g: number, p: readonly number[]) => [
    ...[...plus(SUMS!, g), ...plus(SUMS!, g), ...op.load, ...p, ...op.add, ...op.store],
  ];
  /** The row sum of K < 4 classes, in order. */
  const rowSum = [
    ...[...op.f32Const(0), ...op.set(SUM!)],
    ...whileBelow(Q!, ROW_END!, [
      ...[...op.get(SUM!), ...op.get(Q!), ...f32.load, ...f32.add, ...op.set(SUM!)],
      ...advance(Q!, 4),
    ]),
  ];

  // Rows of more than UNROLLED_CLASSES: loops over the classes.
  /** The latent's address from its place in out on the stack (`x` at `DELTA` further). */
  const source = diagonal ? [] : [...op.get(DELTA!), ...op.i32Add];
  /** `if (Q < ROW_END) { body; Q = ROW_END }`: the row's last `K % 4` classes. */
  const tail = (body: readonly number[]) => [
    ...[...op.get(Q!), ...op.get(ROW_END!), ...op.i32LtU, ...op.if, ...body],
    ...[...op.get(ROW_END!), ...op.set(Q!), ...op.end],
  ];
  /**
   * `body` for each row of the block: `ROW` to `ROW_END` (`GROUPS_END`, `TAIL = ROW_END - 16`),
   * `Q = ROW`, `G = H` the row's byte offset into one sample's values (`H` wraps after `WIDTH`),
   * `TAIL_OFFSET` that of `TAIL`.
   */
  const loopRows = (body: readonly number[]) => [
    ...[...op.get(OUT!), ...op.set(ROW!), ...op.get(OFFSET!), ...op.set(H!)],
    ...whileBelow(ROW!, BLOCK_END!, [
      ...floatsAfter(ROW_END!, ROW!, K!),
      ...groupsEnd(GROUPS_END!, ROW_END!),
      ...[...op.get(ROW_END!), ...op.i32Const(16), ...op.i32Sub, ...op.set(TAIL!)],
      ...[...op.get(H!), ...op.get(TAIL!), ...op.get(ROW!), ...op.i32Sub, ...op.i32Add],
      ...[...op.set(TAIL_OFFSET!), ...op.get(ROW!), ...op.set(Q!), ...op.get(H!), ...op.set(G!)],
      ...body,
      ...[...op.get(H!), ...op.get(ROW_END!), ...op.get(ROW!), ...op.i32Sub, ...op.i32Add],
      ...[...op.set(H!), ...op.get(ROW_END!), ...op.set(ROW!)],
      ...wrap(H!, WIDTH!),
    ]),
  ];
  /** x = loc + scale * u (the float32 product, then the sum) of four classes at out `q`, `g`. */
  const latentsAt = (q: number, g: number) => [
    ...[...plus(LOC, g), ...op.load, ...plus(SCALE, g), ...op.load],
    ...[...plus(q, DELTA!), ...op.load, ...op.mul, ...op.add],
  ];
  /**
   * The row maximum into MAX (float32 bits; pmax skips a NaN: the row comes out NaN anyway, in
   * x - max), where `diagonal` x formed into out on the way (the tail's in TAILS).
   */
  const loopMax = [
    ...[...op.f32Const(Number.NEGATIVE_INFINITY), ...op.splat, ...op.set(MAXS!)],
    ...whileBelow(Q!, GROUPS_END!, [
      ...(diagonal
        ? [...op.get(Q!), ...latentsAt(Q!, G!), ...op.tee(XS!), ...op.store]
        : [...at(DELTA!), ...op.load, ...op.set(XS!)]),
      ...[...op.get(MAXS!), ...op.get(XS!), ...op.pmax, ...op.set(MAXS!)],
      ...advance(Q!, 16),
      ...advance(G!, 16),
    ]),
    ...tail([
      ...(diagonal
        ? [...op.get(MAXS!), ...latentsAt(TAIL!, TAIL_OFFSET!), ...op.tee(TAILS!)]
        : [...op.get(MAXS!), ...plus(TAIL!, DELTA!), ...op.load, ...op.tee(TAILS!)]),
      ...[...op.pmax, ...op.set(MAXS!)],
    ]),
    ...laneMax(MAXS!, MAX!),
  ];
  /** `x - max` into out (x at `Q + DELTA`, or in out where `diagonal`; the tail's in TAILS). */
  const loopShift = [
    ...[...op.get(MAX!), ...f32FromI32, ...op.splat, ...op.set(MAXS!), ...op.get(ROW!)],
    ...op.set(Q!),
    ...whileBelow(Q!, GROUPS_END!, [
      ...[...op.get(Q!), ...op.get(Q!), ...source, ...op.load, ...op.get(MAXS!), ...op.sub],
      ...op.store,
      ...advance(Q!, 16),
    ]),
    ...tail([...op.get(TAIL!), ...op.get(TAILS!), ...op.get(MAXS!), ...op.sub, ...op.store]),
  ];
  const loopNormalize = [
    // The row sum: the row's v128 added in order (the tail's with the lanes of the v128 before
    // masked to +0), then lanes (0 + 2) + (1 + 3); one division per row (p * (1 / sum) is
    // within 1.5 ulp of p / sum).
    ...[...op.get(Q!), ...op.load, ...op.set(PS!), ...advance(Q!, 16)],
    ...whileBelow(Q!, GROUPS_END!, [
      ...[...op.get(PS!), ...op.get(Q!), ...op.load, ...op.add, ...op.set(PS!)],
      ...advance(Q!, 16),
    ]),
    ...[...op.get(Q!), ...op.get(ROW_END!), ...op.i32LtU, ...op.if, ...op.get(PS!)],
    ...[
      ...op.get(TAIL!),
      ...op.load,
      ...op.get(MASK!),
      ...and,
      ...op.add,
      ...op.set(PS!),
      ...op.end,
    ],
    ...laneSum(PS!, SUM!),
    ...[...op.f32Const(1), ...op.get(SUM!), ...f32.div, ...op.set(INVERSE!)],
    ...[...op.get(INVERSE!), ...op.splat, ...op.set(INVERSES!), ...op.get(ROW!), ...op.set(Q!)],
    // p = e (1 / sum) into out, and sums += p; the tail's p (all four lanes), then its last
    // K % 4 into sums one at a time (a v128 there would add the overlapping lanes twice; and a
    // load overlapping the stores of the v128 before stalls store-to-load forwarding).
    ...[...op.get(TAIL!), ...op.load, ...op.set(TAILS!)],
    ...whileBelow(Q!, GROUPS_END!, [
      ...[...op.get(Q!), ...op.get(Q!), ...op.load, ...op.get(INVERSES!), ...op.mul],
      ...[...op.tee(PS!), ...op.store, ...accumulate4(G!, op.get(PS!))],
      ...advance(Q!, 16),
      ...advance(G!, 16),
    ]),
    ...[...op.get(Q!), ...op.get(ROW_END!), ...op.i32LtU, ...op.if, ...op.get(TAIL!)],
    ...[...op.get(TAILS!), ...op.get(INVERSES!), ...op.mul, ...op.store, ...op.end],
    ...whileBelow(Q!, ROW_END!, [
      ...[...plus(SUMS!, G!), ...plus(SUMS!, G!), ...f32.load, ...op.get(Q!), ...f32.load],
      ...[...f32.add, ...f32.store],
      ...advance(Q!, 4),
      ...advance(G!, 4),
    ]),
  ];

  // Rows of K <= UNROLLED_CLASSES, class by class at constant offsets from ROW (out), from
  // BASE = ROW + DELTA (u or x), and from G = the row's offset into loc, scale and sums.
  const k = classes ?? 0;
  const groups = Math.floor(k / 4);
  const wide = k >= 4;
  const tailBytes = 4 * k - 16;
  /** The v128 at byte `offset` of the row: x (loc + scale u where `diagonal`, as above). */
  const latent4 = (offset: number) =>
    diagonal
      ? [
          ...[...plus(LOC, G!), ...op.v128Load(offset), ...plus(SCALE, G!)],
          ...[
            ...op.v128Load(offset),
            ...op.get(BASE!),
            ...op.v128Load(offset),
            ...op.mul,
            ...op.add,
          ],
        ]
      : [...op.get(BASE!), ...op.v128Load(offset)];
  /** The float at byte `offset`, likewise. */
  const latent1 = (offset: number) =>
    diagonal
      ? [
          ...[...plus(LOC, G!), ...op.f32Load(offset), ...plus(SCALE, G!), ...op.f32Load(offset)],
          ...[...op.get(BASE!), ...op.f32Load(offset), ...f32.mul, ...f32.add],
        ]
      : [...op.get(BASE!), ...op.f32Load(offset)];
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  /** The row max into MAX, the latents kept in XG, TAILS (K >= 4) or XJ. */
  const unrolledMax = wide
    ? [
        ...[...op.f32Const(Number.NEGATIVE_INFINITY), ...op.splat, ...op.set(MAXS!)],
        ...range(groups).flatMap((g) => [
          ...[...op.get(MAXS!), ...latent4(16 * g), ...op.tee(XG[g]!), ...op.pmax],
          ...op.set(MAXS!),
        ]),
        ...(k % 4 === 0
          ? []
          : [...op.get(MAXS!), ...latent4(tailBytes), ...op.tee(TAILS!), ...op.pmax]),
        ...(k % 4 === 0 ? [] : op.set(MAXS!)),
        ...laneMax(MAXS!, MAX!),
      ]
    : [
        ...[...op.f32Const(Number.NEGATIVE_INFINITY), ...i32FromF32, ...op.set(MAX!)],
        ...range(k).flatMap((j) => [
          ...latent1(4 * j),
          ...op.set(XJ[j]!),
          ...maxInto(MAX!, XJ[j]!),
        ]),
      ];
  const unrolledShift = wide
    ? [
        ...[...op.get(MAX!), ...f32FromI32, ...op.splat, ...op.set(MAXS!)],
        ...range(groups).flatMap((g) => [
          ...[...op.get(ROW!), ...op.get(XG[g]!), ...op.get(MAXS!), ...op.sub],
          ...op.v128Store(16 * g),
        ]),
        ...(k % 4 === 0
          ? []
          : [
              ...op.get(ROW!),
              ...op.get(TAILS!),
              ...op.get(MAXS!),
              ...op.sub,
              ...op.v128Store(tailBytes),
            ]),
      ]
    : range(k).flatMap((j) => [
        ...[...op.get(ROW!), ...op.get(XJ[j]!), ...op.get(MAX!), ...f32FromI32, ...f32.sub],
        ...op.f32Store(4 * j),
      ]);
  /** `sums[G + offset] += value` (one float). */
  const accumulate1 = (offset: number, value: readonly number[]) => [
    ...[...plus(SUMS!, G!), ...plus(SUMS!, G!), ...op.f32Load(offset), ...value, ...f32.add],
    ...op.f32Store(offset),
  ];
  const unrolledNormalize = wide
    ? [
        // e into XG and TAILS, the row sum as in loopNormalize, then p = e (1 / sum).
        ...range(groups).flatMap((g) => [
          ...op.get(ROW!),
          ...op.v128Load(16 * g),
          ...op.set(XG[g]!),
        ]),
        ...(k % 4 === 0 ? [] : [...op.get(ROW!), ...op.v128Load(tailBytes), ...op.set(TAILS!)]),
        ...op.get(XG[0]!),
        ...range(groups)
          .slice(1)
          .flatMap((g) => [...op.get(XG[g]!), ...op.add]),
        ...(k % 4 === 0 ? [] : [...op.get(TAILS!), ...op.get(MASK!), ...and, ...op.add]),
        ...[...op.set(PS!), ...laneSum(PS!, SUM!)],
        ...[...op.f32Const(1), ...op.get(SUM!), ...f32.div, ...op.splat, ...op.set(INVERSES!)],
        ...(k % 4 === 0
          ? []
          : [...op.get(TAILS!), ...op.get(INVERSES!), ...op.mul, ...op.set(TAILS!)]),
        ...range(groups).flatMap((g) => [
          ...[...op.get(ROW!), ...op.get(XG[g]!), ...op.get(INVERSES!)],
          ...[...op.mul, ...op.tee(PS!), ...op.v128Store(16 * g)],
          ...[...plus(SUMS!, G!), ...plus(SUMS!, G!), ...op.v128Load(16 * g), ...op.get(PS!)],
          ...[...op.add, ...op.v128Store(16 * g)],
        ]),
        ...(k % 4 === 0 ? [] : [...op.get(ROW!), ...op.get(TAILS!), ...op.v128Store(tailBytes)]),
        ...range(k % 4).flatMap((j) => {
          const lane = 4 - (k % 4) + j;
          return accumulate1(tailBytes + 4 * lane, [...op.get(TAILS!), ...extractLane(lane)]);
        }),
      ]
    : [
        ...[...op.get(ROW!), ...op.set(Q!), ...rowSum],
        ...[...op.f32Const(1), ...op.get(SUM!), ...f32.div, ...op.set(INVERSE!)],
        ...range(k).flatMap((j) => [
          ...[...op.get(ROW!), ...op.get(ROW!), ...op.f32Load(4 * j), ...op.get(INVERSE!)],
          ...[...f32.mul, ...op.tee(VALUE!), ...op.f32Store(4 * j)],
          ...accumulate1(4 * j, op.get(VALUE!)),
        ]),
      ];
  /** `body` for each row of the block: `ROW` (out), `ROW_END`, `BASE`, `G`. */
  const unrolledRows = (body: readonly number[]) => [
    ...[...op.get(OUT!), ...op.set(ROW!), ...op.get(OFFSET!), ...op.set(G!)],
    ...whileBelow(ROW!, BLOCK_END!, [
      ...[...op.get(ROW!), ...op.i32Const(4 * k), ...op.i32Add, ...op.set(ROW_END!)],
      ...[...op.get(ROW!), ...op.get(DELTA!), ...op.i32Add, ...op.set(BASE!)],
      ...body,
      ...[...op.get(ROW_END!), ...op.set(ROW!), ...advance(G!, 4 * k), ...wrap(G!, WIDTH!)],
    ]),
  ];

  /** `out[Q + 16 j] = exp(out[Q + 16 j])` for `ways` v128. */
  const expAt = (ways: number) =>
    exp(
      ways,
      (j) => [...op.get(Q!), ...op.v128Load(16 * j)],
      (j, result) => [...op.get(Q!), ...result, ...op.v128Store(16 * j)],
    );
  /** The 1-3 floats left at the array's end: lanes 0-2 at Q + min(4 j, BLOCK_END - 4 - Q). */
  const laneOffset = (local: number, bytes: number) => [
    ...[...op.get(E2!), ...op.i32Const(bytes), ...op.get(E2!), ...op.i32Const(bytes)],
    ...[...op.i32LtU, ...select, ...op.set(local)],
  ];
  const expTail = [
    ...[...op.get(BLOCK_END!), ...op.get(Q!), ...op.i32Sub, ...op.i32Const(4), ...op.i32Sub],
    ...op.set(E2!),
    ...laneOffset(E1!, 4),
    ...laneOffset(E2!, 8),
    ...exp(
      1,
      () => [
        ...[...op.get(Q!), ...f32.load, ...op.splat],
        ...[...at(E1!), ...f32.load, ...replaceLane(1), ...at(E2!), ...f32.load, ...replaceLane(2)],
      ],
      (_, result) => [
        ...[...result, ...op.set(PS!), ...op.get(Q!), ...op.get(PS!), ...extractLane(0)],
        ...[...f32.store, ...at(E1!), ...op.get(PS!), ...extractLane(1), ...f32.store],
        ...[...at(E2!), ...op.get(PS!), ...extractLane(2), ...f32.store],
      ],
    ),
  ];
  /** e = exp(x - max) over the block: four v128 at a time, then one, then the array's last 1-3. */
  const exponentials = [
    ...limit(WAYS_END!, BLOCK_END!, 16 * EXP_WAYS - 4),
    ...[...op.get(OUT!), ...op.set(Q!)],
    ...whileBelow(Q!, WAYS_END!, [...expAt(EXP_WAYS), ...advance(Q!, 16 * EXP_WAYS)]),
    ...limit(WAYS_END!, BLOCK_END!, 12),
    ...whileBelow(Q!, WAYS_END!, [...expAt(1), ...advance(Q!, 16)]),
    ...[...op.get(Q!), ...op.get(BLOCK_END!), ...op.i32LtU, ...op.if, ...expTail, ...op.end],
  ];
  const [rows, offsetAfter] = classes === null ? [loopRows, H!] : [unrolledRows, G!];
  return {
    name: diagonal ? 'diagonalSoftmax' : 'softmax',
    params: Array.from({ length: params }, () => I32),
    locals: [
      [i32s, I32],
      [f32s, F32],
      [10 + expLocals, V128],
    ],
    body: [
      ...init,
      ...[...op.i32Const(0), ...op.i32x4Splat],
      ...[0, 1, 2, 3].flatMap((j) => [
        ...[...op.i32Const(-1), ...op.i32Const(0), ...op.i32Const(j), ...op.i32Const(4)],
        ...[...op.get(K!), ...op.i32Const(3), ...op.i32And, ...op.i32Sub, ...op.i32GeU],
        ...[...select, ...replaceI32Lane(j)],
      ]),
      ...op.set(MASK),
      ...floatsAfter(END!, OUT!, COUNT!),
      // WIDTH and BLOCK in bytes from here on.
      ...[...op.get(WIDTH!), ...op.i32Const(2), ...op.i32Shl, ...op.set(WIDTH!)],
      ...[...op.get(BLOCK!), ...op.i32Const(2), ...op.i32Shl, ...op.set(BLOCK!)],
      ...[...op.get(diagonal ? U : X), ...op.get(OUT!), ...op.i32Sub, ...op.set(DELTA!)],
      ...whileBelow(OUT!, END!, [
        // BLOCK_END = min(OUT + BLOCK, END)
        ...[...plus(OUT!, BLOCK!), ...op.get(END!), ...plus(OUT!, BLOCK!), ...op.get(END!)],
        ...[...op.i32LtU, ...select, ...op.set(BLOCK_END!)],
        ...(classes === null
          ? rows([...loopMax, ...loopShift])
          : rows([...unrolledMax, ...unrolledShift])),
        ...exponentials,
        ...rows(classes === null ? loopNormalize : unrolledNormalize),
        ...[...op.get(BLOCK_END!), ...op.set(OUT!), ...op.get(offsetAfter), ...op.set(OFFSET!)],
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

/**
 * `out = softmax(x)` row by row (a row holding NaN comes out NaN), `sums += out` (`sums` holds
 * `width` floats, repeating: the sum over samples), in blocks of `block` floats
 * ({@link softmaxBlock}); may run in place.
 */
export type RowSoftmax = (
  x: number,
  out: number,
  sums: number,
  count: number,
  k: number,
  width: number,
  block: number,
) => void;

/**
 * The floats of a block of the forward pass for rows of `k`: whole rows, a multiple of 4 rows
 * (so of 4 floats), about 2048 floats (8 KiB; one row block where rows are longer).
 */
export function softmaxBlock(k: number): number {
  return 4 * Math.max(1, Math.floor(512 / k)) * k;
}
/** `out = p (g - sum_k p g)` row by row; `g` holds `width` floats, repeating. */
export type RowBackward = (
  p: number,
  g: number,
  out: number,
  count: number,
  k: number,
  width: number,
) => void;

/**
 * {@link softmaxPassFunction} (`diagonal` or not) bound to a memory for rows of `k` classes, or
 * `null` where it cannot run (see `simdFunction`): a module for each `k` up to
 * {@link UNROLLED_CLASSES}, one for all longer rows.
 */
export function softmaxPassFor<F>(diagonal: boolean): (memory: WasmMemory, k: number) => F | null {
  const byClasses = new Map<number | null, (memory: WasmMemory) => F | null>();
  return (memory, k) => {
    const classes = k <= UNROLLED_CLASSES ? k : null;
    let bound = byClasses.get(classes);
    if (bound === undefined) {
      bound = simdFunction<F>(() => softmaxPassFunction(diagonal, classes));
      byClasses.set(classes, bound);
    }
    return bound(memory);
  };
}

/** The row functions bound to a memory, or `null` where they cannot run (see `simdFunction`). */
export const rowSoftmaxFor = softmaxPassFor<RowSoftmax>(false);
export const rowBackwardFor = simdFunction<RowBackward>(backwardFunction);
