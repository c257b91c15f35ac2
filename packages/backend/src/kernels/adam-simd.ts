/**
 * The Adam update as a tiny WebAssembly SIMD function that runs on the wasm backend's own
 * memory (imported, so nothing is copied): four float32 lanes per instruction, about 4x the
 * JavaScript loop, whose `sqrt` and division in double precision cost ~5 ns per element.
 *
 * The module is assembled below from named opcodes (no build step, no binary blob). Its one
 * function, in WebAssembly text form:
 *
 *     (func (export "adam")
 *       (param $w $g $m $v $wOut $mOut $vOut $count i32)
 *       (param $beta1 $keep1 $beta2 $keep2 $step $secondScale $epsilon f32)
 *       ;; for each group of 4 elements (count is a multiple of 4), all in f32x4:
 *       ;;   m' = beta1 m + keep1 g;  v' = beta2 v + keep2 g g
 *       ;;   w' = w - (step m') / (sqrt(secondScale v') + epsilon)
 *     )
 *
 * with byte addresses into the imported memory for the seven arrays.
 */

/**
 * The parts of the WebAssembly JavaScript API used here: the project compiles without the DOM
 * library, and @types/node 20 does not declare the `WebAssembly` global.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  LinkError: new () => Error;
};

/** A `WebAssembly.Memory`, e.g. the tfjs wasm backend's heap. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** Unsigned LEB128, the encoding of every count, size and index in a wasm binary. */
function unsigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

/** A vector: its length, then its items' bytes. */
function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsigned(content.length), ...content];
}

function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;
/** memarg of a v128 access: alignment hint 2^2 bytes (float32 arrays), offset 0. */
const MEMARG = [2, 0];

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, ...unsigned(local)],
  set: (local: number) => [0x21, ...unsigned(local)],
  i32Const: (value: number) => [0x41, value], // small non-negative values only (< 64)
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  load: [SIMD, 0x00, ...MEMARG],
  store: [SIMD, 0x0b, ...MEMARG],
  splat: [SIMD, 0x13],
  sqrt: [SIMD, 0xe3, 0x01],
  add: [SIMD, 0xe4, 0x01],
  sub: [SIMD, 0xe5, 0x01],
  mul: [SIMD, 0xe6, 0x01],
  div: [SIMD, 0xe7, 0x01],
} as const;

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

/** `base + i` on the stack, then `load`. */
const loadAt = (base: number) => [...op.get(base), ...op.get(I), ...op.i32Add, ...op.load];

const body: number[] = [
  // locals: 2 x i32 (i, end), 10 x v128
  ...vector([
    [2, I32],
    [10, V128],
  ]),
  ...[...op.get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.set(END)], // bytes
  ...SCALARS.flatMap((scalar, k) => [...op.get(scalar), ...op.splat, ...op.set(SPLATS[k]!)]),
  ...op.block,
  ...op.loop,
  ...[...op.get(I), ...op.get(END), ...op.i32GeU, ...op.brIf(1)],
  ...[...loadAt(G), ...op.set(GRAD)],
  // m' = beta1 m + keep1 g
  ...[...loadAt(M), ...op.get(BETA1), ...op.mul, ...op.get(GRAD), ...op.get(KEEP1), ...op.mul],
  ...[...op.add, ...op.set(FIRST)],
  // v' = beta2 v + keep2 g g
  ...[...loadAt(V), ...op.get(BETA2), ...op.mul, ...op.get(GRAD), ...op.get(GRAD), ...op.mul],
  ...[...op.get(KEEP2), ...op.mul, ...op.add, ...op.set(SECOND)],
  ...[...op.get(M_OUT), ...op.get(I), ...op.i32Add, ...op.get(FIRST), ...op.store],
  ...[...op.get(V_OUT), ...op.get(I), ...op.i32Add, ...op.get(SECOND), ...op.store],
  // w' = w - (step m') / (sqrt(secondScale v') + epsilon)
  ...[...op.get(W_OUT), ...op.get(I), ...op.i32Add, ...loadAt(W)],
  ...[...op.get(STEP), ...op.get(FIRST), ...op.mul],
  ...[...op.get(SECOND), ...op.get(SECOND_SCALE), ...op.mul, ...op.sqrt, ...op.get(EPSILON)],
  ...[...op.add, ...op.div, ...op.sub, ...op.store],
  ...[...op.get(I), ...op.i32Const(16), ...op.i32Add, ...op.set(I), ...op.br(0)],
  ...op.end, // loop
  ...op.end, // block
  ...op.end, // function
];

const MODULE_BYTES = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  // type 0: 8 x i32, 7 x f32 -> ()
  ...section(1, vector([[0x60, ...vector([...Array(8).fill([I32]), ...Array(7).fill([F32])]), 0]])),
  ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])), // memory, min 0
  ...section(3, vector([[0]])), // function 0 has type 0
  ...section(7, vector([[...name('adam'), 0x00, 0]])), // export function 0 as "adam"
  ...section(10, vector([[...unsigned(body.length), ...body]])),
]);

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

const instances = new WeakMap<WasmMemory, SimdAdam | null>();

/**
 * The SIMD update bound to `memory`, or `null` where it cannot run: no WebAssembly SIMD (the
 * module does not validate), or a shared memory (threaded tfjs-wasm builds), whose import this module does not declare.
 * Compiled once per memory (the module is ~200 bytes, so synchronous compilation is allowed
 * on a browser's main thread too).
 */
export function simdAdamFor(memory: WasmMemory): SimdAdam | null {
  let adam = instances.get(memory);
  if (adam === undefined) {
    adam = WebAssembly.validate(MODULE_BYTES) ? instantiate(memory) : null;
    instances.set(memory, adam);
  }
  return adam;
}

function instantiate(memory: WasmMemory): SimdAdam | null {
  try {
    const module = new WebAssembly.Module(MODULE_BYTES);
    return new WebAssembly.Instance(module, { env: { memory } }).exports.adam as SimdAdam;
  } catch (error) {
    if (error instanceof WebAssembly.LinkError) return null; // a shared memory
    throw error;
  }
}
