import { assembleWasm, wasmOp as op, type WasmApi, type WasmMemory, wasmType } from '@uqjs/core';
import { F, LAYERS, R, W, X } from './ziggurat.js';

/**
 * The row fills in WebAssembly (internal): the same numbers as the JavaScript fills of
 * `fill-rows.ts`, bit for bit, several times faster (no per-row objects, no argument checks per
 * row). Per row, the module derives the row's seed exactly as `deriveSeed(seed, row)` (murmur3's
 * finalizer `mix32`, integer labels with their high word folded in), expands it with SplitMix32
 * as `RowBits` does, and draws with xoshiro128**. Normals follow `zigguratNormal` in f64, its
 * wedge and tail calling the imported `Math.exp` / `Math.log`, so that even those paths give
 * the JavaScript numbers; `f32.demote_f64` rounds as a `Float32Array` store does.
 *
 * Memory (its own, created here, grown as needed): the ziggurat tables X, F, W as f64 from byte
 * 0, the output rows as f32 from byte `OUT`.
 */

const { i32, f64 } = wasmType;
const X_AT = 0;
const F_AT = X_AT + 8 * (LAYERS + 1);
const W_AT = F_AT + 8 * (LAYERS + 1);
const OUT = 4096;
const PAGE = 65536;
/** Values per call of the module: bounds its memory at ~4 MiB (more only for longer rows). */
const CHUNK_VALUES = 1 << 20;
/** The largest memory asked for: 2^31 bytes; longer rows are filled in JavaScript. */
const MAX_BYTES = 2 ** 31;

const GOLDEN = 0x9e3779b9; // 2^32 / golden ratio: the Weyl step of SplitMix32 and hashLabel

// Functions: the imports first, then the module's own.
const EXP = 0;
const LOG = 1;

// Locals of the fill functions: the parameters, then i32 locals, then f64 locals.
const P = 0; // byte address of the next value
const ROW_LENGTH = 1;
const ROWS = 2;
const LO = 3; // the row index's low and high 32 bits
const HI = 4;
const SEED = 5;
const [S0, S1, S2, S3, T, LAYER8, END, H, ROW, WORD, M, HIGH] = [
  6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
];
const [XV, A, B] = [18, 19, 20];
const LOCALS: [number, number][] = [
  [12, i32],
  [3, f64],
];

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

/** `zigguratNormal` into XV (LAYER8 is the layer's byte offset in a table). */
const normal = [
  ...op.block, // depth 1 below: the draw is done
  ...op.loop, // depth 0: try again
  ...[...next, ...op.tee(WORD), ...op.i32Const(LAYERS - 1), ...op.i32And, ...op.i32Const(3)],
  ...[...op.i32Shl, ...op.set(LAYER8)],
  // x = ((word >> 7) + 0.5) * W[layer]; inside the inner rectangle if |x| < X[layer + 1]
  ...[...op.get(WORD), ...op.i32Const(7), ...op.i32ShrS, ...op.f64ConvertI32S],
  ...[...op.f64Const(0.5), ...op.f64Add, ...op.get(LAYER8), ...op.f64Load(W_AT), ...op.f64Mul],
  ...[...op.tee(XV), ...op.f64Abs, ...op.get(LAYER8), ...op.f64Load(X_AT + 8), ...op.f64Lt],
  ...op.brIf(1),
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
  ...[...op.f64Const(-0.5), ...op.get(XV), ...op.f64Mul, ...op.get(XV), ...op.f64Mul],
  ...[...op.call(EXP), ...op.f64Lt, ...op.brIf(1), ...op.br(0)],
  ...op.end,
  ...op.end,
];

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
    ...op.block,
    ...op.loop,
    ...[...op.get(P), ...op.get(END), ...op.i32GeU, ...op.brIf(1)],
    ...store,
    ...[...op.get(P), ...op.i32Const(4), ...op.i32Add, ...op.set(P), ...op.br(0)],
    ...op.end,
    ...op.end,
    ...[...op.get(ROW), ...op.i32Const(1), ...op.i32Add, ...op.set(ROW)],
    ...[...op.get(LO), ...op.i32Const(1), ...op.i32Add, ...op.tee(LO), ...op.i32Eqz, ...op.if],
    ...[...op.get(HI), ...op.i32Const(1), ...op.i32Add, ...op.set(HI), ...highWord, ...op.end],
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

const FILL_PARAMS = [i32, i32, i32, i32, i32, i32]; // P, ROW_LENGTH, ROWS, LO, HI, SEED

function moduleBytes(): Uint8Array {
  return assembleWasm({
    memory: { module: 'env', name: 'memory', shared: false, minimumPages: 1 },
    imports: [
      { module: 'env', name: 'exp', params: [f64], results: [f64] },
      { module: 'env', name: 'log', params: [f64], results: [f64] },
    ],
    functions: [
      {
        name: 'normal',
        params: FILL_PARAMS,
        locals: LOCALS,
        body: fillBody([
          ...normal,
          ...op.get(P),
          ...op.get(XV),
          ...op.f32DemoteF64,
          ...op.f32Store(),
        ]),
      },
      {
        name: 'uniform',
        params: FILL_PARAMS,
        locals: LOCALS,
        body: fillBody([...op.get(P), ...uniform, ...op.f32DemoteF64, ...op.f32Store()]),
      },
    ],
  });
}

type FillExport = (
  at: number,
  rowLength: number,
  rows: number,
  lo: number,
  hi: number,
  seed: number,
) => void;

/** The row fills of one module instance; `fill` returns false where it cannot take the call. */
export interface WasmRowFill {
  /** The instance's memory (its size shows the growth). */
  readonly memory: Required<WasmMemory>;
  fill(
    kind: 'normal' | 'uniform',
    out: Float32Array,
    rowLength: number,
    firstRow: number,
    seed: number,
  ): boolean;
}

/**
 * Compiles and instantiates the fill module with `api`; `null` where there is no WebAssembly or
 * the module does not validate (the callers fill in JavaScript then).
 */
export function createWasmRowFill(api: WasmApi | null): WasmRowFill | null {
  if (api === null) return null;
  const bytes = moduleBytes();
  if (!api.validate(bytes)) return null;
  const memory = new api.Memory({ initial: 1 });
  const { exports } = new api.Instance(new api.Module(bytes), {
    env: { memory, exp: Math.exp, log: Math.log },
  });
  const tables = new Float64Array(memory.buffer, 0, 3 * LAYERS + 2);
  tables.set(X, X_AT / 8);
  tables.set(F, F_AT / 8);
  tables.set(W, W_AT / 8);
  const fns = { normal: exports.normal as FillExport, uniform: exports.uniform as FillExport };
  return {
    memory,
    fill(kind, out, rowLength, firstRow, seed) {
      if (!Number.isInteger(rowLength) || rowLength <= 0 || OUT + 4 * rowLength > MAX_BYTES)
        return false;
      const rows = Math.ceil(out.length / rowLength); // a partial last row is cut, as in JS
      if (!isSeed(seed) || !Number.isInteger(firstRow) || firstRow < 0) return false;
      if (!Number.isSafeInteger(firstRow + rows)) return false;
      const rowsPerCall = Math.max(1, Math.floor(CHUNK_VALUES / rowLength));
      const needed = OUT + 4 * Math.min(rows, rowsPerCall) * rowLength;
      const pages = memory.buffer.byteLength / PAGE;
      if (needed > pages * PAGE) memory.grow(Math.ceil(needed / PAGE) - pages);
      for (let start = 0; start < rows; start += rowsPerCall) {
        const count = Math.min(rowsPerCall, rows - start);
        const row = firstRow + start;
        fns[kind](OUT, rowLength, count, row >>> 0, Math.floor(row / 2 ** 32), seed | 0);
        const from = start * rowLength;
        const length = Math.min(count * rowLength, out.length - from);
        out.set(new Float32Array(memory.buffer, OUT, length), from);
      }
      return true;
    },
  };
}

function isSeed(seed: number): boolean {
  return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32;
}
