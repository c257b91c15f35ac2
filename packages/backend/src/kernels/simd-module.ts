/**
 * A small assembler for single-function WebAssembly SIMD modules that run on the tfjs wasm
 * backend's own memory (imported as `env.memory`, so kernels read and write tensors in place,
 * nothing copied). Modules are built at load time from named opcodes: no build step, no binary
 * blob in the package. Used by the Adam update, `Exp` and the leading-axis reductions.
 */
import { BackendError } from '@uqjs/core';

/**
 * The parts of the WebAssembly JavaScript API used here: the project compiles without the DOM
 * library, and @types/node 20 does not declare the `WebAssembly` global.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
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

/** Signed LEB128, the encoding of an `i32.const` immediate. */
function signed(value: number): number[] {
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
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsigned(content.length), ...content];
}

function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const SIMD = 0xfd;
/** memarg of a v128 access: alignment hint 2^2 bytes (float32 arrays), offset 0. */
const MEMARG = [2, 0];

/** The instructions the kernels use, each as its bytes (or a function of its immediate). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, ...unsigned(local)],
  set: (local: number) => [0x21, ...unsigned(local)],
  i32Const: (value: number) => [0x41, ...signed(value)],
  f32Const: (value: number) => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  load: [SIMD, 0x00, ...MEMARG],
  store: [SIMD, 0x0b, ...MEMARG],
  i32x4Splat: [SIMD, 0x11],
  splat: [SIMD, 0x13], // f32x4.splat
  i32x4Shl: [SIMD, 0xab, 0x01],
  i32x4ShrS: [SIMD, 0xac, 0x01],
  i32x4Add: [SIMD, 0xae, 0x01],
  i32x4Sub: [SIMD, 0xb1, 0x01],
  sqrt: [SIMD, 0xe3, 0x01],
  add: [SIMD, 0xe4, 0x01],
  sub: [SIMD, 0xe5, 0x01],
  mul: [SIMD, 0xe6, 0x01],
  div: [SIMD, 0xe7, 0x01],
  max: [SIMD, 0xe9, 0x01], // f32x4.max (NaN if either lane is NaN)
  pmin: [SIMD, 0xea, 0x01], // f32x4.pmin: b < a ? b : a (one instruction; keeps a NaN in a)
  pmax: [SIMD, 0xeb, 0x01], // f32x4.pmax: a < b ? b : a
} as const;

/** `[base + i]` on the stack (a byte address), then `v128.load`. */
export function loadAt(base: number, index: number): number[] {
  return [...op.get(base), ...op.get(index), ...op.i32Add, ...op.load];
}

/** The function of a module: its parameter types, its locals (count and type) and its body. */
export interface SimdFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly locals: readonly (readonly [number, number])[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/**
 * The memory import's limits: any size; a shared memory (the threaded tfjs-wasm build's, a
 * `SharedArrayBuffer`) can only be imported as shared, which needs a maximum: 65536 pages (4 GiB),
 * the largest a 32-bit memory can have, so that every shared memory satisfies it.
 */
function memoryLimits(shared: boolean): number[] {
  return shared ? [0x03, 0x00, ...unsigned(65536)] : [0x00, 0x00];
}

/** A complete module: imports `env.memory` (any size, shared or not), exports the one function. */
function assemble(fn: SimdFunction, shared: boolean): Uint8Array {
  const code = [...vector(fn.locals.map(([count, type]) => [count, type])), ...fn.body, ...op.end];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([[0x60, ...vector(fn.params.map((type) => [type])), 0]])), // type 0: params -> ()
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memoryLimits(shared)]])),
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(7, vector([[...name(fn.name), 0x00, 0]])), // export function 0
    ...section(10, vector([[...unsigned(code.length), ...code]])),
  ]);
}

/**
 * The function `describe()` gives, bound to a memory: assembled, validated and compiled on the
 * first call for that kind of memory (not at import; a module of a few hundred bytes, so
 * synchronous compilation is allowed on a browser's main thread too), instantiated once per
 * memory. A shared memory (the threaded tfjs-wasm build, {@link resolveBackend}'s `threads`) gets
 * a module that imports it as shared; the kernels run on the calling thread only, while XNNPACK's
 * threads are idle, so plain loads and stores need no atomics. `null` where WebAssembly SIMD is
 * missing (the module does not validate).
 */
export function simdFunction<F>(describe: () => SimdFunction): (memory: WasmMemory) => F | null {
  const instances = new WeakMap<WasmMemory, F | null>();
  const compiled = new Map<boolean, { module: object; exportName: string } | null>();
  return (memory) => {
    let fn = instances.get(memory);
    if (fn === undefined) {
      const shared = isShared(memory);
      if (!compiled.has(shared)) compiled.set(shared, compile(describe(), shared));
      const module = compiled.get(shared)!;
      fn = module === null ? null : instantiate<F>(module.module, module.exportName, memory);
      instances.set(memory, fn);
    }
    return fn;
  };
}

function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function compile(
  description: SimdFunction,
  shared: boolean,
): { module: object; exportName: string } | null {
  const bytes = assemble(description, shared);
  if (!WebAssembly.validate(bytes)) return null;
  return { module: new WebAssembly.Module(bytes), exportName: description.name };
}

function instantiate<F>(module: object, exportName: string, memory: WasmMemory): F {
  return new WebAssembly.Instance(module, { env: { memory } }).exports[exportName] as F;
}

/**
 * The wasm backend's memory (`BackendWasm.wasm` is the Emscripten module): exported by the
 * single-threaded builds (`asm.memory`), created in JavaScript and shared with the workers by the
 * threaded one (`wasmMemory`).
 */
export function backendMemory(backend: unknown): WasmMemory {
  const { wasm } = backend as { wasm: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory } };
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (memory === undefined)
    throw new BackendError('the tfjs wasm backend exposes no memory (asm.memory, wasmMemory)');
  return memory;
}
