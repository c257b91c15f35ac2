/**
 * Single-function WebAssembly SIMD modules that run on the tfjs wasm backend's own memory
 * (imported as `env.memory`, so kernels read and write tensors in place, nothing copied),
 * assembled at load time by @uqjs/core's {@link assembleWasm}. Used by the Adam update, `Exp`,
 * the softmax kernels and the leading-axis reductions.
 */
import {
  assembleWasm,
  BackendError,
  type WasmApi,
  type WasmMemory,
  wasmApi,
  wasmOp,
  wasmType,
} from '@uqjs/core';

export type { WasmMemory } from '@uqjs/core';

/** Value types. */
export const I32 = wasmType.i32;
export const F32 = wasmType.f32;
export const V128 = wasmType.v128;

/**
 * The instructions the kernels use: @uqjs/core's {@link wasmOp}, with the kernels' short names
 * for the f32x4 and v128 ones (`add` is `f32x4.add`, `load` is `v128.load` at offset 0, ...).
 */
export const op = {
  ...wasmOp,
  load: wasmOp.v128Load(),
  store: wasmOp.v128Store(),
  splat: wasmOp.f32x4Splat,
  sqrt: wasmOp.f32x4Sqrt,
  add: wasmOp.f32x4Add,
  sub: wasmOp.f32x4Sub,
  mul: wasmOp.f32x4Mul,
  div: wasmOp.f32x4Div,
  max: wasmOp.f32x4Max,
  pmin: wasmOp.f32x4Pmin,
  pmax: wasmOp.f32x4Pmax,
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
 * A complete module: imports `env.memory` (any size, shared or not: a shared memory can only be
 * imported as shared), exports the one function.
 */
function assemble(fn: SimdFunction, shared: boolean): Uint8Array {
  return assembleWasm({
    memory: { module: 'env', name: 'memory', shared },
    functions: [fn],
  });
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
  const api = wasmApi();
  const bytes = assemble(description, shared);
  if (api === null || !api.validate(bytes)) return null;
  return { module: new api.Module(bytes), exportName: description.name };
}

function instantiate<F>(module: object, exportName: string, memory: WasmMemory): F {
  const api = wasmApi() as WasmApi; // compile() found it
  return new api.Instance(module, { env: { memory } }).exports[exportName] as F;
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
