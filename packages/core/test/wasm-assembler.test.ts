import { describe, expect, it } from 'vitest';
import {
  assembleWasm,
  signedLeb128,
  unsignedLeb128,
  type WasmApi,
  wasmApi,
  wasmOp,
  wasmType,
} from '../src/wasm/assembler.js';

const { i32, f64 } = wasmType;
const api = wasmApi() as WasmApi;

describe('LEB128', () => {
  it('encodes the examples of the wasm spec and the 32-bit extremes', () => {
    expect(unsignedLeb128(0)).toEqual([0]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(65536)).toEqual([0x80, 0x80, 0x04]);
    expect(signedLeb128(0)).toEqual([0]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    // Above 2^31 - 1 the value is taken as an int32 (| 0), as i32.const needs.
    expect(signedLeb128(0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });
});

describe('assembleWasm', () => {
  it('builds a module with function imports, a memory import and several functions', () => {
    const calls: number[] = [];
    const bytes = assembleWasm({
      memory: { module: 'env', name: 'memory', shared: false, minimumPages: 1 },
      imports: [
        { module: 'env', name: 'exp', params: [f64], results: [f64] },
        { module: 'env', name: 'log', params: [f64], results: [f64] },
      ],
      functions: [
        // 2: unexported helper, x * 3 (int32 wrap)
        {
          params: [i32],
          results: [i32],
          locals: [],
          body: [...wasmOp.get(0), ...wasmOp.i32Const(3), ...wasmOp.i32Mul],
        },
        // 3: triple(x) calls 2
        {
          name: 'triple',
          params: [i32],
          results: [i32],
          locals: [],
          body: [...wasmOp.get(0), ...wasmOp.call(2)],
        },
        // 4: expLog(p): stores exp(log(f64 at p)) as f32 at p + 8 and returns the f64
        {
          name: 'expLog',
          params: [i32],
          results: [f64],
          locals: [[1, f64]],
          body: [
            ...wasmOp.get(0),
            ...wasmOp.f64Load(),
            ...wasmOp.call(1),
            ...wasmOp.call(0),
            ...wasmOp.set(1),
            ...wasmOp.get(0),
            ...wasmOp.get(1),
            ...wasmOp.f32DemoteF64,
            ...wasmOp.f32Store(8),
            ...wasmOp.get(1),
          ],
        },
      ],
    });
    expect(api.validate(bytes)).toBe(true);
    const memory = new api.Memory({ initial: 1 });
    const log = (x: number) => {
      calls.push(x);
      return Math.log(x);
    };
    const { exports } = new api.Instance(new api.Module(bytes), {
      env: { memory, exp: Math.exp, log },
    });
    expect(Object.keys(exports).sort()).toEqual(['expLog', 'triple']);
    expect((exports.triple as (x: number) => number)(7)).toBe(21);
    expect((exports.triple as (x: number) => number)(0x40000000)).toBe(Math.imul(0x40000000, 3));
    new Float64Array(memory.buffer, 16, 1)[0] = 2.5;
    const result = (exports.expLog as (p: number) => number)(16);
    expect(result).toBe(Math.exp(Math.log(2.5)));
    expect(new Float32Array(memory.buffer, 24, 1)[0]).toBe(Math.fround(result));
    expect(calls).toEqual([2.5]);
  });

  it('imports a shared memory only with the shared limits', () => {
    const fn = { name: 'f', params: [], locals: [], body: [] };
    const shared = assembleWasm({
      memory: { module: 'env', name: 'memory', shared: true },
      functions: [fn],
    });
    const plain = assembleWasm({
      memory: { module: 'env', name: 'memory', shared: false },
      functions: [fn],
    });
    expect(api.validate(shared)).toBe(true);
    expect(api.validate(plain)).toBe(true);
    const sharedMemory = new api.Memory({ initial: 1, maximum: 2, shared: true });
    expect(
      () => new api.Instance(new api.Module(shared), { env: { memory: sharedMemory } }),
    ).not.toThrow();
    expect(
      () => new api.Instance(new api.Module(plain), { env: { memory: sharedMemory } }),
    ).toThrow();
  });

  it('gives bytes that do not validate for a type error (the caller checks)', () => {
    const bytes = assembleWasm({
      functions: [
        { name: 'f', params: [], results: [i32], locals: [], body: [...wasmOp.f64Const(1)] },
      ],
    });
    expect(api.validate(bytes)).toBe(false);
  });
});
