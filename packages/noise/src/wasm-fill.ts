import { assembleWasm, wasmOp as op, type WasmApi, type WasmMemory, wasmType } from '@uqjs/core';
import { F, LAYERS, R, W, X } from './ziggurat.js';

/**
 * The row fills in WebAssembly (internal): the same numbers as the JavaScript fills of
 * `fill-rows.ts`, bit for bit, several times faster (no per-row objects, no argument checks per
 * row). Per row, the module derives the row's seed exactly as `deriveSeed(seed, row)` (murmur3's
 * finalizer `mix32`, integer labels with their high word folded in), expands it with SplitMix32
 * as `RowBits` does, and draws with xoshiro128**. Normals follow `zigguratNormal` in f64: the
 * fast path's compare on integers (see K_AT), the tail calling the imported `Math.log`, the
 * wedge deciding from a Taylor series with the imported `Math.exp` near the boundary (see
 * WEDGE_BAND), so that even those paths give the JavaScript numbers; `f32.demote_f64` rounds
 * as a `Float32Array` store does.
 *
 * With WebAssembly SIMD, short rows go four at a time (`normal4`, `uniform4`): lane j of the
 * i32x4 locals is row r + j, so the row seeds and SplitMix32 take one vector `mix32` where the
 * scalar fill takes four, and one vector xoshiro128** step gives the next word of all four
 * streams. Uniforms are then exact f32x4 arithmetic; normals run the ziggurat's fast path per
 * lane (one extracted word, one compare), and a lane whose word leaves it is listed (its
 * stream, that word, where its row stands) for `finish4`, which finishes the row in scalar
 * code, so every row consumes exactly the words it consumes in JavaScript. Without SIMD the
 * module has only the scalar fills, which take one row at a time.
 *
 * Memory (its own, created here, grown as needed): the ziggurat tables from byte 0 (X, F, W / 2
 * and Z as f64, the integer bounds K as i32), the list of rows for `finish4` at `LIST_AT`, the
 * output rows as f32 from byte `OUT`.
 */

const { i32, f64, v128 } = wasmType;
const X_AT = 0;
const F_AT = X_AT + 8 * (LAYERS + 1);
/** `W[i] / 2` (exact), so that x = ((word >> 7) + 0.5) * W[i] = m * W[i] / 2, m = (word >> 6) | 1. */
const HALF_W_AT = F_AT + 8 * (LAYERS + 1);
/**
 * Per layer (8 bytes), `K - 1` and `2 K - 1` as i32, K the smallest odd m > 0 with
 * fl(m * W[i] / 2) >= X[i + 1]: the fast path's `|x| < X[i + 1]` is `|m| < K` (the rounded
 * product is monotone in |m| and odd in m), `(m + K - 1) <u (2 K - 1)`, decided on integers.
 */
const K_AT = HALF_W_AT + 8 * LAYERS;
/** `-X[i + 1]^2 / 2`, computed as `halfDensity` does: F[i + 1] = Math.exp of it. */
const Z_AT = K_AT + 8 * LAYERS;
/**
 * The wedge decides `y < exp(z)` from e = F[i + 1] exp(z - Z[i]), exp of r = z - Z[i] in
 * (-0.732, 0] (layer 1 the widest) by Taylor to degree 13: remainder < 0.732^14 / 14! = 1.5e-13,
 * < 3.1e-13 relative, with the table's and Math.exp's ulps and the roughly 15 roundings below
 * 1e-12 in all. Where y is outside `e * (1 -+ WEDGE_BAND)` that decides it; inside (at most
 * 1.3e-7 of a layer's wedge draws: 2e-9 F[i + 1] / (F[i + 1] - F[i])) it calls the imported
 * `Math.exp`, so the decisions are `zigguratNormal`'s exactly. (The call it saves made ~10% of
 * a normal fill.)
 */
const WEDGE_BAND = 1e-9;
/**
 * The rows the four-row normal fill could not finish (see `normalLane`), 32 bytes each: the
 * row's stream s0..s3 after its first word off the fast path, that word, the byte address of
 * its draw and the end of its row. At most one per row: a call takes up to LIST_ROWS rows.
 */
const LIST_AT = Z_AT + 8 * LAYERS;
const LIST_ROWS = 16384;
const OUT = LIST_AT + 32 * LIST_ROWS;
const PAGE = 65536;
/** Values per call of `fill`: bounds its memory at ~4 MiB (more only for longer rows). */
const CHUNK_VALUES = 1 << 20;
/** The largest memory asked for: 2^31 bytes; longer rows are filled in JavaScript. */
const MAX_BYTES = 2 ** 31;
/**
 * The largest draw `view` holds in the module's memory at once (128 MiB, 32 M values): the
 * memory stays that large after, as a reused buffer of the largest draw would.
 */
const MAX_VIEW_BYTES = 2 ** 27;
/**
 * Normal rows shorter than this go four at a time (uniform rows always do: 1.28 M uniforms in
 * rows of 1280 took 0.68 ms four at a time, 1.07 ms one at a time). Longer normal rows leave
 * the fast path in all four lanes early (2.6% of first words do), so the four-row fill ends up
 * drawing them in `finish4`; their seeding is a small part of their cost anyway. Normals in
 * rows of 1, 4, 10, 20, 40 and 1280 took 6.5, 4.2, 3.75, 3.95, 3.5, 2.9 ms four at a time,
 * 14.8, 6.7, 4.5, 3.75, 3.5, 2.9 ms one at a time (1.28 M values, the crossover near 18).
 */
const FOUR_ROWS_BELOW = 16;

const GOLDEN = 0x9e3779b9; // 2^32 / golden ratio: the Weyl step of SplitMix32 and hashLabel

// Functions: the imports first, then the module's own.
const EXP = 0;
const LOG = 1;

// Locals of the fill functions: the parameters, then i32, f64 and (four-row fills) v128 locals.
const P = 0; // byte address of the next value (the four-row fills: of the group's first row)
const ROW_LENGTH = 1;
const ROWS = 2; // the four-row fills: groups of four rows
const LO = 3; // the row index's low and high 32 bits
const HI = 4;
const SEED = 5;
const [S0, S1, S2, S3, T, LAYER8, END, H, ROW, WORD, M, HIGH, ROW_BYTES, Q] = [
  6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
];
const [XV, A, B, Y] = [20, 21, 22, 23];
/** The four streams' words s0..s3, the xoshiro temporary, the next words, mix32's temporary. */
const [V0, V1, V2, V3, VT, VW, VM] = [24, 25, 26, 27, 28, 29, 30];
const LOCALS: [number, number][] = [
  [14, i32],
  [4, f64],
];
/** The four-row normal fill's lanes that left the fast path (bit j: lane j), the list's end. */
const [FAILED, LIST] = [31, 32];
const LOCALS4: [number, number][] = [...LOCALS, [7, v128], [2, i32]];

/**
 * murmur3's 32-bit finalizer (core's `mix32`, SplitMix32's output step) of the i32 on the
 * stack, inlined (a call per use costs ~10% of a uniform fill).
 */
const mix32 = [
  ...[...op.tee(M), ...op.get(M), ...op.i32Const(16), ...op.i32ShrU, ...op.i32Xor],
  ...[...op.i32Const(0x85ebca6b), ...op.i32Mul, ...op.tee(M)],
  ...[...op.get(M), ...op.i32Const(13), ...op.i32ShrU, ...op.i32Xor],
  ...[...op.i32Const(0xc2b2ae35), ...op.i32Mul, ...op.tee(M)],
  ...[...op.get(M), ...op.i32Const(16), ...op.i32ShrU, ...op.i32Xor],
];

/** `local ^= value on the stack`. */
function xorInto(local: number, ...value: number[]): number[] {
  return [...op.get(local), ...value, ...op.i32Xor, ...op.set(local)];
}

/**
 * Seeds the stream of row (HI, LO): `deriveSeed(seed, row)` with `H = imul(mix32(seed ^
 * 0x5bd1e995), 0x9e3779b1)` and `HIGH = mix32(hi + 0x9e3779b9)` precomputed, then `RowBits`' SplitMix32 words
 * `mix32(s + k * 0x9e3779b9)`, k = 1..4, and its all-zero guard.
 */
const seedRow = [
  // hashLabel(row) = mix32(lo ^ HIGH); the row seed = mix32(H ^ hashLabel)
  ...[...op.get(LO), ...op.get(HIGH), ...op.i32Xor, ...mix32],
  ...[...op.get(H), ...op.i32Xor, ...mix32],
  ...op.set(WORD),
  ...[S0, S1, S2, S3].flatMap((state, k) => [
    ...op.get(WORD),
    ...op.i32Const(Math.imul(k + 1, GOLDEN)),
    ...op.i32Add,
    ...mix32,
    ...op.set(state),
  ]),
  ...[...op.get(S0), ...op.get(S1), ...op.i32Or, ...op.get(S2), ...op.i32Or, ...op.get(S3)],
  ...[...op.i32Or, ...op.i32Eqz, ...op.if, ...op.i32Const(1), ...op.set(S0), ...op.end],
];

/** xoshiro128** (`RowBits.next`): the next word on the stack, the state advanced. */
const next = [
  ...[...op.get(S1), ...op.i32Const(5), ...op.i32Mul, ...op.i32Const(7), ...op.i32Rotl],
  ...[...op.i32Const(9), ...op.i32Mul],
  ...[...op.get(S1), ...op.i32Const(9), ...op.i32Shl, ...op.set(T)],
  ...xorInto(S2, ...op.get(S0)),
  ...xorInto(S3, ...op.get(S1)),
  ...xorInto(S1, ...op.get(S2)),
  ...xorInto(S0, ...op.get(S3)),
  ...xorInto(S2, ...op.get(T)),
  ...[...op.get(S3), ...op.i32Const(11), ...op.i32Rotl, ...op.set(S3)],
];

/** `RowBits.uniform`: `((next >>> 9) + 0.5) * 2^-23` as an f64 on the stack. */
const uniform = [
  ...next,
  ...[...op.i32Const(9), ...op.i32ShrU, ...op.f64ConvertI32U, ...op.f64Const(0.5), ...op.f64Add],
  ...[...op.f64Const(1.1920928955078125e-7), ...op.f64Mul],
];

/**
 * `zigguratNormal`'s first try with the word in WORD: LAYER8 (the layer's byte offset in the
 * f64 tables) and x = ((word >> 7) + 0.5) * W[layer] into XV, then a branch to `done` (a depth)
 * if x is inside the layer's inner rectangle, |x| < X[layer + 1] (on integers: see K_AT).
 */
function fastPath(done: number): number[] {
  return [
    ...[...op.get(WORD), ...op.i32Const(LAYERS - 1), ...op.i32And, ...op.i32Const(3)],
    ...[...op.i32Shl, ...op.set(LAYER8)],
    ...[...op.get(WORD), ...op.i32Const(6), ...op.i32ShrS, ...op.i32Const(1), ...op.i32Or],
    ...[...op.tee(T), ...op.f64ConvertI32S, ...op.get(LAYER8), ...op.f64Load(HALF_W_AT)],
    ...[...op.f64Mul, ...op.set(XV), ...op.get(T), ...op.get(LAYER8), ...op.i32Load(K_AT)],
    ...[...op.i32Add, ...op.get(LAYER8), ...op.i32Load(K_AT + 4), ...op.i32LtU, ...op.brIf(done)],
  ];
}

/**
 * The rest of a try that left the fast path, inside a block (the draw is done: depth 1) and a
 * loop (depth 0): the tail beyond R if LAYER8 is the base layer, else the wedge; XV is the draw
 * where it branches out to the block. Falls through where the wedge rejects x. `band`: the
 * wedge's WEDGE_BAND (the tests widen it to send the decisions through `Math.exp`).
 */
function slowPath(band: number): number[] {
  return [
    // the base layer: the tail beyond R, with the sign of x
    ...[...op.get(LAYER8), ...op.i32Eqz, ...op.if],
    ...op.loop,
    ...[...uniform, ...op.call(LOG), ...op.f64Neg, ...op.f64Const(R), ...op.f64Div, ...op.set(A)],
    ...[...uniform, ...op.call(LOG), ...op.f64Neg, ...op.set(B)],
    ...[...op.get(B), ...op.get(B), ...op.f64Add, ...op.get(A), ...op.get(A), ...op.f64Mul],
    ...[...op.f64Ge, ...op.i32Eqz, ...op.brIf(0), ...op.end],
    ...[...op.f64Const(R), ...op.get(A), ...op.f64Add, ...op.set(A)],
    ...[...op.get(XV), ...op.f64Const(0), ...op.f64Lt, ...op.if],
    ...[...op.get(A), ...op.f64Neg, ...op.set(A), ...op.end],
    ...[...op.get(A), ...op.set(XV), ...op.br(2), ...op.end],
    // the wedge: y = F[layer] + u * (F[layer + 1] - F[layer]) under exp(-0.5 * x * x)
    ...[...op.get(LAYER8), ...op.f64Load(F_AT), ...uniform, ...op.get(LAYER8)],
    ...[...op.f64Load(F_AT + 8), ...op.get(LAYER8), ...op.f64Load(F_AT), ...op.f64Sub],
    ...[...op.f64Mul, ...op.f64Add],
    ...[
      ...op.set(Y),
      ...op.f64Const(-0.5),
      ...op.get(XV),
      ...op.f64Mul,
      ...op.get(XV),
      ...op.f64Mul,
    ],
    ...[...op.tee(A), ...op.get(LAYER8), ...op.f64Load(Z_AT), ...op.f64Sub, ...op.set(B)],
    ...op.f64Const(1 / 6227020800),
    ...[479001600, 39916800, 3628800, 362880, 40320, 5040, 720, 120, 24, 6, 2, 1, 1].flatMap(
      (f) => [...[...op.get(B), ...op.f64Mul, ...op.f64Const(1 / f), ...op.f64Add]],
    ),
    ...[...op.get(LAYER8), ...op.f64Load(F_AT + 8), ...op.f64Mul, ...op.set(B)],
    ...[...op.get(Y), ...op.get(B), ...op.f64Const(1 - band), ...op.f64Mul],
    ...[...op.f64Lt, ...op.brIf(1)],
    ...[...op.get(Y), ...op.get(B), ...op.f64Const(1 + band), ...op.f64Mul, ...op.f64Lt],
    ...[
      ...op.if,
      ...op.get(Y),
      ...op.get(A),
      ...op.call(EXP),
      ...op.f64Lt,
      ...op.brIf(2),
      ...op.end,
    ],
  ];
}

/** `zigguratNormal` into XV. */
function normal(band: number): number[] {
  return [
    ...op.block, // depth 1 below: the draw is done
    ...op.loop, // depth 0: try again
    ...[...next, ...op.set(WORD), ...fastPath(1), ...slowPath(band), ...op.br(0)],
    ...op.end,
    ...op.end,
  ];
}

/** HIGH = mix32(hi + 0x9e3779b9), hashLabel's fold of the row index's high word. */
const highWord = [...op.get(HI), ...op.i32Const(GOLDEN), ...op.i32Add, ...mix32, ...op.set(HIGH)];

/** A fill function: `ROWS` rows of `ROW_LENGTH` values from row (HI, LO), each `store`d. */
function fillBody(store: readonly number[]): number[] {
  return [
    // H = imul(mix32(seed ^ 0x5bd1e995), 0x9e3779b1), as deriveSeed starts
    ...[...op.get(SEED), ...op.i32Const(0x5bd1e995), ...op.i32Xor, ...mix32],
    ...[...op.i32Const(0x9e3779b1), ...op.i32Mul, ...op.set(H)],
    ...highWord,
    ...op.block,
    ...op.loop,
    ...[...op.get(ROW), ...op.get(ROWS), ...op.i32GeU, ...op.brIf(1)],
    ...seedRow,
    ...[...op.get(P), ...op.get(ROW_LENGTH), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add],
    ...op.set(END),
    // the row's values (at least one: ROW_LENGTH > 0), the test at the bottom
    ...op.loop,
    ...store,
    ...[...op.get(P), ...op.i32Const(4), ...op.i32Add, ...op.tee(P), ...op.get(END), ...op.i32LtU],
    ...[...op.brIf(0), ...op.end],
    ...[...op.get(ROW), ...op.i32Const(1), ...op.i32Add, ...op.set(ROW)],
    ...[...op.get(LO), ...op.i32Const(1), ...op.i32Add, ...op.tee(LO), ...op.i32Eqz, ...op.if],
    ...[...op.get(HI), ...op.i32Const(1), ...op.i32Add, ...op.set(HI), ...highWord, ...op.end],
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** `mix32` lane-wise on the i32x4 on the stack. */
const mix32x4 = [
  ...[...op.tee(VM), ...op.get(VM), ...op.i32Const(16), ...op.i32x4ShrU, ...op.v128Xor],
  ...[...op.i32Const(0x85ebca6b), ...op.i32x4Splat, ...op.i32x4Mul, ...op.tee(VM)],
  ...[...op.get(VM), ...op.i32Const(13), ...op.i32x4ShrU, ...op.v128Xor],
  ...[...op.i32Const(0xc2b2ae35), ...op.i32x4Splat, ...op.i32x4Mul, ...op.tee(VM)],
  ...[...op.get(VM), ...op.i32Const(16), ...op.i32x4ShrU, ...op.v128Xor],
];

/** `vector = vector ^ value on the stack`. */
function xorIntoX4(vector: number, ...value: number[]): number[] {
  return [...op.get(vector), ...value, ...op.v128Xor, ...op.set(vector)];
}

/** `rotl` lane-wise of the i32x4 on the stack by `k` (uses VT). */
function rotlX4(k: number): number[] {
  return [
    ...[...op.tee(VT), ...op.i32Const(k), ...op.i32x4Shl],
    ...[...op.get(VT), ...op.i32Const(32 - k), ...op.i32x4ShrU, ...op.v128Or],
  ];
}

/**
 * Seeds the streams of the four rows (HI, LO + j), j = 0..3, into V0..V3 as `seedRow` seeds
 * one (a call's rows never cross a multiple of 2^32, so HIGH is theirs).
 */
const seedRows4 = [
  ...[...op.i32x4Const([0, 1, 2, 3]), ...op.get(LO), ...op.i32x4Splat, ...op.i32x4Add],
  ...[...op.get(HIGH), ...op.i32x4Splat, ...op.v128Xor, ...mix32x4],
  ...[...op.get(H), ...op.i32x4Splat, ...op.v128Xor, ...mix32x4, ...op.set(VW)],
  ...[V0, V1, V2, V3].flatMap((state, k) => [
    ...op.get(VW),
    ...[...op.i32Const(Math.imul(k + 1, GOLDEN)), ...op.i32x4Splat, ...op.i32x4Add],
    ...mix32x4,
    ...op.set(state),
  ]),
  // the all-zero guard: s0 |= 1 in the lanes where s0 | s1 | s2 | s3 is 0
  ...[...op.get(V0), ...op.get(V1), ...op.v128Or, ...op.get(V2), ...op.v128Or, ...op.get(V3)],
  ...[...op.v128Or, ...op.i32x4Const([0, 0, 0, 0]), ...op.i32x4Eq, ...op.i32Const(31)],
  ...[...op.i32x4ShrU, ...op.get(V0), ...op.v128Or, ...op.set(V0)],
  ...[...op.i32Const(0), ...op.set(FAILED)],
];

/** xoshiro128** on the four streams: their next words on the stack (x * 5 = (x << 2) + x). */
const next4 = [
  ...[...op.get(V1), ...op.get(V1), ...op.i32Const(2), ...op.i32x4Shl, ...op.i32x4Add],
  ...rotlX4(7),
  ...[...op.tee(VT), ...op.i32Const(3), ...op.i32x4Shl, ...op.get(VT), ...op.i32x4Add],
  ...[...op.get(V1), ...op.i32Const(9), ...op.i32x4Shl, ...op.set(VT)],
  ...xorIntoX4(V2, ...op.get(V0)),
  ...xorIntoX4(V3, ...op.get(V1)),
  ...xorIntoX4(V1, ...op.get(V2)),
  ...xorIntoX4(V0, ...op.get(V3)),
  ...xorIntoX4(V2, ...op.get(VT)),
  ...[...op.get(V3), ...rotlX4(11), ...op.set(V3)],
];

/** The byte address of value t of lane j's row: Q + j * ROW_BYTES. */
function laneAddress(lane: number): number[] {
  return [
    ...op.get(Q),
    ...Array.from({ length: lane }, () => [...op.get(ROW_BYTES), ...op.i32Add]).flat(),
  ];
}

/**
 * A normal draw of lane j from its word in VW, stored at its row's address. Off the fast path,
 * the lane's first such draw appends its row to the list at LIST (stream, word, address, row
 * end; the value stored is a placeholder) and sets its bit in FAILED: the lane keeps stepping
 * but `finish4` redraws its row from there. When all four lanes have left, the steps stop.
 * (Measured against the slow path inline, the lane's stream through memory while the others
 * go on: 4.3 against 4.5 ms for 1.28 M normals in rows of 10, and 4.7 ms with one call per
 * slow draw to a helper; before the integer fast path and the inline wedge.)
 */
function normalLane(lane: number): number[] {
  const entry = (offset: number, ...value: number[]) => [
    ...[...op.get(LIST), ...value, ...op.i32Store(offset)],
  ];
  return [
    ...op.block,
    ...[...op.get(VW), ...op.i32x4ExtractLane(lane), ...op.set(WORD), ...fastPath(0)],
    ...[...op.get(FAILED), ...op.i32Const(1 << lane), ...op.i32And, ...op.brIf(0)],
    ...[...op.get(FAILED), ...op.i32Const(1 << lane), ...op.i32Or, ...op.set(FAILED)],
    ...[V0, V1, V2, V3].flatMap((v, k) => entry(4 * k, ...op.get(v), ...op.i32x4ExtractLane(lane))),
    ...entry(16, ...op.get(WORD)),
    ...entry(20, ...laneAddress(lane)),
    ...entry(
      24,
      ...op.get(P),
      ...op.get(ROW_BYTES),
      ...op.i32Const(lane + 1),
      ...op.i32Mul,
      ...op.i32Add,
    ),
    ...[...op.get(LIST), ...op.i32Const(32), ...op.i32Add, ...op.set(LIST)],
    ...[...op.get(FAILED), ...op.i32Const(15), ...op.i32Eq, ...op.brIf(2)],
    ...op.end,
    ...[...laneAddress(lane), ...op.get(XV), ...op.f32DemoteF64, ...op.f32Store()],
  ];
}

/**
 * `finish4(entries)`: redraws the listed rows' tails. Each finishes its saved draw on its own
 * stream (the rest of `zigguratNormal` from the saved word), then draws the rest of its row as
 * the scalar fill does, over the placeholders. Its parameter sits in the slot of P, so the fill
 * functions' local layout (and the snippets above) hold; ROW walks the list up to H.
 */
function finish4Body(band: number): number[] {
  return [
    ...[...op.i32Const(LIST_AT), ...op.tee(ROW), ...op.get(P), ...op.i32Const(5), ...op.i32Shl],
    ...[...op.i32Add, ...op.set(H), ...op.block, ...op.loop],
    ...[...op.get(ROW), ...op.get(H), ...op.i32GeU, ...op.brIf(1)],
    ...[S0, S1, S2, S3, WORD, Q, END].flatMap((local, k) => [
      ...[...op.get(ROW), ...op.i32Load(4 * k), ...op.set(local)],
    ]),
    ...[...op.block, ...fastPath(0), ...op.end], // LAYER8 and x of the saved word
    ...[...op.block, ...op.loop, ...slowPath(band)],
    ...[...next, ...op.set(WORD), ...fastPath(1), ...op.br(0), ...op.end, ...op.end],
    ...[...op.get(Q), ...op.get(XV), ...op.f32DemoteF64, ...op.f32Store()],
    ...[...op.block, ...op.loop],
    ...[...op.get(Q), ...op.i32Const(4), ...op.i32Add, ...op.tee(Q), ...op.get(END), ...op.i32GeU],
    ...[
      ...op.brIf(1),
      ...normal(band),
      ...op.get(Q),
      ...op.get(XV),
      ...op.f32DemoteF64,
      ...op.f32Store(),
    ],
    ...[...op.br(0), ...op.end, ...op.end],
    ...[...op.get(ROW), ...op.i32Const(32), ...op.i32Add, ...op.set(ROW), ...op.br(0)],
    ...op.end,
    ...op.end,
  ];
}

/**
 * Uniforms of the four lanes from their words in VW: `((word >>> 9) + 0.5) * 2^-23` in f32
 * (exact: 24 significant bits at most, as the f64 values the scalar fill demotes).
 */
const uniformLanes = [
  ...[...op.get(VW), ...op.i32Const(9), ...op.i32x4ShrU, ...op.f32x4ConvertI32x4S],
  ...[...op.f32Const(0.5), ...op.f32x4Splat, ...op.f32x4Add],
  ...[...op.f32Const(1.1920928955078125e-7), ...op.f32x4Splat, ...op.f32x4Mul, ...op.set(VW)],
  ...[0, 1, 2, 3].flatMap((lane) => [
    ...[...laneAddress(lane), ...op.get(VW), ...op.f32x4ExtractLane(lane), ...op.f32Store()],
  ]),
];

/** A four-row fill: `ROWS` groups of four rows of `ROW_LENGTH` values from row (HI, LO). */
function fillBody4(draw: readonly number[]): number[] {
  return [
    ...[...op.i32Const(LIST_AT), ...op.set(LIST)],
    ...[...op.get(SEED), ...op.i32Const(0x5bd1e995), ...op.i32Xor, ...mix32],
    ...[...op.i32Const(0x9e3779b1), ...op.i32Mul, ...op.set(H)],
    ...highWord,
    ...[...op.get(ROW_LENGTH), ...op.i32Const(2), ...op.i32Shl, ...op.set(ROW_BYTES)],
    ...op.block,
    ...op.loop,
    ...[...op.get(ROW), ...op.get(ROWS), ...op.i32GeU, ...op.brIf(1)],
    ...seedRows4,
    ...[...op.get(P), ...op.tee(Q), ...op.get(ROW_BYTES), ...op.i32Add, ...op.set(END)],
    ...op.block,
    ...op.loop,
    ...[...op.get(Q), ...op.get(END), ...op.i32GeU, ...op.brIf(1)],
    ...[...next4, ...op.set(VW), ...draw],
    ...[...op.get(Q), ...op.i32Const(4), ...op.i32Add, ...op.set(Q), ...op.br(0)],
    ...op.end,
    ...op.end,
    ...[...op.get(P), ...op.get(ROW_BYTES), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add],
    ...op.set(P),
    ...[...op.get(LO), ...op.i32Const(4), ...op.i32Add, ...op.set(LO)],
    ...[...op.get(ROW), ...op.i32Const(1), ...op.i32Add, ...op.set(ROW), ...op.br(0)],
    ...op.end,
    ...op.end,
  ];
}

const FILL_PARAMS = [i32, i32, i32, i32, i32, i32]; // P, ROW_LENGTH, ROWS, LO, HI, SEED

/** The module: the scalar fills, and with `simd` the four-row fills too. */
function moduleBytes(simd: boolean, band: number): Uint8Array {
  const fill = (name: string, locals: [number, number][], body: number[]) => ({
    name,
    params: FILL_PARAMS,
    locals,
    body,
  });
  const storeNormal = [
    ...normal(band),
    ...op.get(P),
    ...op.get(XV),
    ...op.f32DemoteF64,
    ...op.f32Store(),
  ];
  const storeUniform = [...op.get(P), ...uniform, ...op.f32DemoteF64, ...op.f32Store()];
  return assembleWasm({
    memory: { module: 'env', name: 'memory', shared: false, minimumPages: 1 },
    imports: [
      { module: 'env', name: 'exp', params: [f64], results: [f64] },
      { module: 'env', name: 'log', params: [f64], results: [f64] },
    ],
    functions: [
      fill('normal', LOCALS, fillBody(storeNormal)),
      fill('uniform', LOCALS, fillBody(storeUniform)),
      ...(simd
        ? [
            {
              // returns the number of rows it listed for finish4
              ...fill('normal4', LOCALS4, [
                ...fillBody4([0, 1, 2, 3].flatMap(normalLane)),
                ...[...op.get(LIST), ...op.i32Const(LIST_AT), ...op.i32Sub, ...op.i32Const(5)],
                ...op.i32ShrU,
              ]),
              results: [i32],
            },
            fill('uniform4', LOCALS4, fillBody4(uniformLanes)),
            {
              name: 'finish4',
              params: [i32],
              results: [],
              locals: [[FILL_PARAMS.length - 1 + LOCALS[0]![0], i32], LOCALS[1]!] as [
                number,
                number,
              ][],
              body: finish4Body(band),
            },
          ]
        : []),
    ],
  });
}

/** A fill; the four-row normal fill returns how many rows it listed for `finish4`. */
type FillExport = (
  at: number,
  rowLength: number,
  rows: number,
  lo: number,
  hi: number,
  seed: number,
) => number;

type Kind = 'normal' | 'uniform';

/** The row fills of one module instance; `fill` and `view` decline (false, null) what they cannot take. */
export interface WasmRowFill {
  /** The instance's memory (its size shows the growth). */
  readonly memory: Required<WasmMemory>;
  /** Whether the module has the four-row SIMD fills. */
  readonly simd: boolean;
  /** Fills `out` as `fillNormalRows` / `fillUniformRows` do; false where it cannot. */
  fill(kind: Kind, out: Float32Array, rowLength: number, firstRow: number, seed: number): boolean;
  /**
   * Draws `size` values in the module's memory and returns a view of them, valid until the
   * next call (which overwrites it or detaches it by growing the memory); null where it
   * cannot (as `fill`, or a draw above 128 MiB).
   */
  view(
    kind: Kind,
    size: number,
    rowLength: number,
    firstRow: number,
    seed: number,
  ): Float32Array | null;
}

/**
 * Compiles and instantiates the fill module with `api` (with SIMD where it validates, else
 * without; `useSimd` false and another `wedgeBand` for the tests); `null` where there is no
 * WebAssembly or neither validates (the callers fill in JavaScript then).
 */
export function createWasmRowFill(
  api: WasmApi | null,
  useSimd = true,
  wedgeBand = WEDGE_BAND,
): WasmRowFill | null {
  if (api === null) return null;
  const simd = useSimd && api.validate(moduleBytes(true, wedgeBand));
  const bytes = moduleBytes(simd, wedgeBand);
  if (!api.validate(bytes)) return null;
  const memory = new api.Memory({ initial: 1 });
  const { exports } = new api.Instance(new api.Module(bytes), {
    env: { memory, exp: Math.exp, log: Math.log },
  });
  const tables = new Float64Array(memory.buffer, 0, LIST_AT / 8);
  tables.set(X, X_AT / 8);
  tables.set(F, F_AT / 8);
  tables.set(
    W.map((w) => w / 2),
    HALF_W_AT / 8,
  );
  new Int32Array(memory.buffer, K_AT, 2 * LAYERS).set(rectangleBounds());
  tables.set(
    X.subarray(1).map((x) => -0.5 * x * x),
    Z_AT / 8,
  );
  const one = { normal: exports.normal as FillExport, uniform: exports.uniform as FillExport };
  const four = { normal: exports.normal4 as FillExport, uniform: exports.uniform4 as FillExport };
  const finish4 = exports.finish4 as (entries: number) => void;

  /**
   * `rows` rows from `firstRow` at byte `at`, in calls that never cross a multiple of 2^32,
   * four at a time (uniform rows, normal rows shorter than FOUR_ROWS_BELOW).
   */
  function fillAt(
    kind: Kind,
    at: number,
    rowLength: number,
    rows: number,
    firstRow: number,
    seed: number,
  ) {
    const fourRows = simd && (kind === 'uniform' || rowLength < FOUR_ROWS_BELOW);
    for (let done = 0; done < rows; ) {
      const row = firstRow + done;
      const lo = row >>> 0;
      const hi = Math.floor(row / 2 ** 32);
      const address = at + 4 * done * rowLength;
      const groups = fourRows ? Math.floor(Math.min(rows - done, 2 ** 32 - lo, LIST_ROWS) / 4) : 0;
      if (groups > 0) {
        const listed = four[kind](address, rowLength, groups, lo, hi, seed | 0);
        if (listed > 0) finish4(listed);
        done += 4 * groups;
      } else {
        // all rows one at a time (the scalar fill crosses multiples of 2^32 itself), or the
        // fewer than four before the end or before a multiple of 2^32
        const count = fourRows ? Math.min(rows - done, 2 ** 32 - lo, 3) : rows - done;
        one[kind](address, rowLength, count, lo, hi, seed | 0);
        done += count;
      }
    }
  }

  function grow(bytes: number) {
    const pages = memory.buffer.byteLength / PAGE;
    if (bytes > pages * PAGE) memory.grow(Math.ceil(bytes / PAGE) - pages);
  }

  return {
    memory,
    simd,
    fill(kind, out, rowLength, firstRow, seed) {
      const rows = takes(out.length, rowLength, firstRow, seed);
      if (rows === null) return false;
      const rowsPerCall = Math.max(1, Math.floor(CHUNK_VALUES / rowLength));
      grow(OUT + 4 * Math.min(rows, rowsPerCall) * rowLength);
      for (let start = 0; start < rows; start += rowsPerCall) {
        const count = Math.min(rowsPerCall, rows - start);
        fillAt(kind, OUT, rowLength, count, firstRow + start, seed);
        const from = start * rowLength;
        const length = Math.min(count * rowLength, out.length - from);
        out.set(new Float32Array(memory.buffer, OUT, length), from);
      }
      return true;
    },
    view(kind, size, rowLength, firstRow, seed) {
      const rows = takes(size, rowLength, firstRow, seed);
      if (rows === null || OUT + 4 * rows * rowLength > MAX_VIEW_BYTES) return null;
      grow(OUT + 4 * rows * rowLength);
      fillAt(kind, OUT, rowLength, rows, firstRow, seed);
      return new Float32Array(memory.buffer, OUT, size);
    },
  };
}

/**
 * The number of rows of a fill of `size` values (a partial last row is cut, as in JS), or
 * null where the module declines it: row lengths that are no positive integer or too long for
 * its memory, seeds outside `[0, 2^32)`, first rows that are no integer `>= 0`, rows past 2^53.
 */
function takes(size: number, rowLength: number, firstRow: number, seed: number): number | null {
  if (!Number.isInteger(rowLength) || rowLength <= 0 || OUT + 4 * rowLength > MAX_BYTES)
    return null;
  const rows = Math.ceil(size / rowLength);
  if (!isSeed(seed) || !Number.isInteger(firstRow) || firstRow < 0) return null;
  if (!Number.isSafeInteger(firstRow + rows)) return null;
  return rows;
}

/**
 * `K - 1, 2 K - 1` per layer (see K_AT): K from an estimate, moved in odd steps to the smallest
 * odd m with fl(m * W / 2) >= X[i + 1]; `2^25 + 1` where every |m| <= 2^25 is inside. Exported
 * for the tests.
 */
export function rectangleBounds(): Int32Array {
  const bounds = new Int32Array(2 * LAYERS);
  for (let i = 0; i < LAYERS; i++) {
    const halfW = W[i]! / 2;
    const edge = X[i + 1]!;
    let k = Math.max(1, 2 * Math.floor(edge / halfW / 2) - 5) | 1;
    while (k > 1 && (k - 2) * halfW >= edge) k -= 2;
    while (k <= 2 ** 25 && k * halfW < edge) k += 2;
    bounds[2 * i] = k - 1;
    bounds[2 * i + 1] = 2 * k - 1;
  }
  return bounds;
}

function isSeed(seed: number): boolean {
  return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32;
}
