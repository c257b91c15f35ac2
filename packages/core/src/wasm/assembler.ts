/**
 * A tiny WebAssembly assembler: modules are built at load time from named opcodes, so a package
 * ships no binary blob and needs no build step. It covers what the uqjs kernels need: imported
 * functions, one imported memory (shared or not), several exported functions, and the i32, f32,
 * f64 and v128 instructions listed in {@link wasmOp}. Used by @uqjs/backend's SIMD kernels and
 * @uqjs/noise's row fills.
 */

/**
 * The parts of the WebAssembly JavaScript API uqjs uses: the project compiles without the DOM
 * library, and @types/node 20 does not declare the `WebAssembly` global.
 *
 * @since 0.1.0
 */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => Required<WasmMemory>;
}

/**
 * A `WebAssembly.Memory` (e.g. the tfjs wasm backend's heap), as far as uqjs uses it.
 *
 * @since 0.1.0
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow?(pages: number): number;
}

/**
 * The global `WebAssembly` object, or `null` where the runtime has none (callers fall back to
 * JavaScript then).
 *
 * @since 0.1.0
 */
export function wasmApi(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api === undefined ? null : api;
}

/**
 * Unsigned LEB128, the encoding of every count, size and index in a wasm binary.
 *
 * @since 0.1.0
 */
export function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

/**
 * Signed LEB128 of a 32-bit integer (`value | 0`), the encoding of an `i32.const` immediate.
 *
 * @since 0.1.0
 */
export function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    bytes.push(done ? low : low | 0x80);
    if (done) return bytes;
  }
}

/** A vector: its length, then its items' bytes. */
function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsignedLeb128(content.length), ...content];
}

function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

/**
 * Value types.
 *
 * @since 0.1.0
 */
export const wasmType = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

const SIMD = 0xfd;

/** A memory access's memarg: the alignment hint (log2 of bytes) and a byte offset. */
function memarg(align: number, offset: number): number[] {
  return [align, ...unsignedLeb128(offset)];
}

function bytesOf(array: Float32Array | Float64Array): number[] {
  return [...new Uint8Array(array.buffer)];
}

/**
 * The instructions, each as its bytes (or a function of its immediates). Loads and stores take
 * a constant byte offset added to the address on the stack (default 0); `block`, `loop` and `if`
 * have no result. `i32` comparisons are signed (`S`) or unsigned (`U`).
 *
 * @since 0.1.0
 */
export const wasmOp = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsignedLeb128(depth)],
  brIf: (depth: number) => [0x0d, ...unsignedLeb128(depth)],
  return: [0x0f],
  call: (fn: number) => [0x10, ...unsignedLeb128(fn)],
  drop: [0x1a],
  get: (local: number) => [0x20, ...unsignedLeb128(local)],
  set: (local: number) => [0x21, ...unsignedLeb128(local)],
  tee: (local: number) => [0x22, ...unsignedLeb128(local)],
  i32Load: (offset = 0) => [0x28, ...memarg(2, offset)],
  f32Load: (offset = 0) => [0x2a, ...memarg(2, offset)],
  f64Load: (offset = 0) => [0x2b, ...memarg(3, offset)],
  i32Store: (offset = 0) => [0x36, ...memarg(2, offset)],
  f32Store: (offset = 0) => [0x38, ...memarg(2, offset)],
  f64Store: (offset = 0) => [0x39, ...memarg(3, offset)],
  i32Const: (value: number) => [0x41, ...signedLeb128(value)],
  f32Const: (value: number) => [0x43, ...bytesOf(new Float32Array([value]))],
  f64Const: (value: number) => [0x44, ...bytesOf(new Float64Array([value]))],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtS: [0x48],
  i32LtU: [0x49],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  f64Lt: [0x63],
  f64Ge: [0x66],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Or: [0x72],
  i32Xor: [0x73],
  i32Shl: [0x74],
  i32ShrS: [0x75],
  i32ShrU: [0x76],
  i32Rotl: [0x77],
  f64Abs: [0x99],
  f64Neg: [0x9a],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f32DemoteF64: [0xb6],
  f64ConvertI32S: [0xb7],
  f64ConvertI32U: [0xb8],
  // v128 accesses of float32 arrays: alignment hint 2^2 bytes.
  v128Load: (offset = 0) => [SIMD, 0x00, ...memarg(2, offset)],
  v128Store: (offset = 0) => [SIMD, 0x0b, ...memarg(2, offset)],
  /** A v128 constant of four i32 lanes (lane 0 first). */
  i32x4Const: (lanes: readonly [number, number, number, number]) => [
    SIMD,
    0x0c,
    ...new Uint8Array(Int32Array.from(lanes).buffer),
  ],
  i32x4Splat: [SIMD, 0x11],
  f32x4Splat: [SIMD, 0x13],
  i32x4ExtractLane: (lane: number) => [SIMD, 0x1b, lane],
  i32x4ReplaceLane: (lane: number) => [SIMD, 0x1c, lane],
  f32x4ExtractLane: (lane: number) => [SIMD, 0x1f, lane],
  i32x4Eq: [SIMD, 0x37], // all ones in lanes that are equal, else 0
  v128And: [SIMD, 0x4e],
  v128Or: [SIMD, 0x50],
  v128Xor: [SIMD, 0x51],
  i32x4Shl: [SIMD, 0xab, 0x01],
  i32x4ShrS: [SIMD, 0xac, 0x01],
  i32x4ShrU: [SIMD, 0xad, 0x01],
  i32x4Add: [SIMD, 0xae, 0x01],
  i32x4Sub: [SIMD, 0xb1, 0x01],
  i32x4Mul: [SIMD, 0xb5, 0x01], // the low 32 bits of each product, as i32.mul
  f32x4Sqrt: [SIMD, 0xe3, 0x01],
  f32x4Add: [SIMD, 0xe4, 0x01],
  f32x4Sub: [SIMD, 0xe5, 0x01],
  f32x4Mul: [SIMD, 0xe6, 0x01],
  f32x4Div: [SIMD, 0xe7, 0x01],
  f32x4Max: [SIMD, 0xe9, 0x01], // NaN if either lane is NaN
  f32x4Pmin: [SIMD, 0xea, 0x01], // b < a ? b : a (one instruction; keeps a NaN in a)
  f32x4Pmax: [SIMD, 0xeb, 0x01], // a < b ? b : a
  f32x4ConvertI32x4S: [SIMD, 0xfa, 0x01], // rounds to nearest, as f32.convert_i32_s
} as const;

/**
 * A function's signature: its parameter and result types ({@link wasmType}).
 *
 * @since 0.1.0
 */
export interface WasmSignature {
  readonly params: readonly number[];
  readonly results?: readonly number[];
}

/**
 * A function imported from JavaScript, e.g. `Math.exp` as `{ module: 'env', name: 'exp',
 * params: [f64], results: [f64] }`.
 *
 * @since 0.1.0
 */
export interface WasmImport extends WasmSignature {
  readonly module: string;
  readonly name: string;
}

/**
 * A function defined by the module: exported under `name` if given; its locals as (count, type)
 * runs after the parameters; its body without the final `end`.
 *
 * @since 0.1.0
 */
export interface WasmFunction extends WasmSignature {
  readonly name?: string;
  readonly locals: readonly (readonly [number, number])[];
  readonly body: readonly number[];
}

/**
 * A module: its imported memory (`module.name`, shared or not, at least `minimumPages` 64 KiB
 * pages), its imported functions, then its own functions. Function indices (for
 * `wasmOp.call`) count the imports first, then `functions` in order.
 *
 * @since 0.1.0
 */
export interface WasmModule {
  readonly memory?: {
    readonly module: string;
    readonly name: string;
    readonly shared: boolean;
    readonly minimumPages?: number;
  };
  readonly imports?: readonly WasmImport[];
  readonly functions: readonly WasmFunction[];
}

/**
 * A memory import's limits: a shared memory (e.g. the threaded tfjs-wasm build's, a
 * `SharedArrayBuffer`) can only be imported as shared, which needs a maximum: 65536 pages
 * (4 GiB), the largest a 32-bit memory can have, so that every shared memory satisfies it.
 */
function memoryLimits(shared: boolean, minimum: number): number[] {
  return shared
    ? [0x03, ...unsignedLeb128(minimum), ...unsignedLeb128(65536)]
    : [0x00, ...unsignedLeb128(minimum)];
}

function signature({ params, results = [] }: WasmSignature): number[] {
  return [0x60, ...vector(params.map((type) => [type])), ...vector(results.map((type) => [type]))];
}

/**
 * The binary of a module (not validated: `WebAssembly.validate` it, since engines without an
 * extension, e.g. SIMD, reject it).
 *
 * @example
 * ```ts
 * const { i32 } = wasmType;
 * const bytes = assembleWasm({
 *   functions: [{ name: 'add', params: [i32, i32], results: [i32], locals: [],
 *     body: [...wasmOp.get(0), ...wasmOp.get(1), ...wasmOp.i32Add] }],
 * });
 * ```
 * @since 0.1.0
 */
export function assembleWasm(module: WasmModule): Uint8Array {
  const imports = module.imports ?? [];
  const { functions, memory } = module;
  const types = [...imports, ...functions].map(signature);
  const importEntries = imports.map((fn, i) => [
    ...name(fn.module),
    ...name(fn.name),
    0x00,
    ...unsignedLeb128(i),
  ]);
  if (memory !== undefined)
    importEntries.push([
      ...name(memory.module),
      ...name(memory.name),
      0x02,
      ...memoryLimits(memory.shared, memory.minimumPages ?? 0),
    ]);
  const exports = functions.flatMap((fn, i) =>
    fn.name === undefined ? [] : [[...name(fn.name), 0x00, ...unsignedLeb128(imports.length + i)]],
  );
  const codes = functions.map((fn) => {
    const code = [...vector(fn.locals.map(([count, type]) => [count, type])), ...fn.body, 0x0b];
    return [...unsignedLeb128(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector(types)),
    ...(importEntries.length === 0 ? [] : section(2, vector(importEntries))),
    ...section(3, vector(functions.map((_, i) => unsignedLeb128(imports.length + i)))),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}
