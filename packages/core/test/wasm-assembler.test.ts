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

const { i32, f32, f64 } = wasmType;
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

describe('the i32x4 lane opcodes', () => {
  // Two vectors a (bytes 0..15) and b (16..31) in memory; each function writes its result at 32.
  const a = [0x85ebca6b, -1, 7, 0x7fffffff];
  const b = [3, 0x80000000, 7, 0xc2b2ae35];
  const op = wasmOp;
  const loadA = [...op.i32Const(0), ...op.v128Load()];
  const loadB = [...op.i32Const(0), ...op.v128Load(16)];
  const vectorOut = (...value: number[]) => [...op.i32Const(32), ...value, ...op.v128Store()];
  const functions: Record<string, number[]> = {
    xor: vectorOut(...loadA, ...loadB, ...op.v128Xor),
    or: vectorOut(...loadA, ...loadB, ...op.v128Or),
    and: vectorOut(...loadA, ...loadB, ...op.v128And),
    mul: vectorOut(...loadA, ...loadB, ...op.i32x4Mul),
    eq: vectorOut(...loadA, ...loadB, ...op.i32x4Eq),
    shrU: vectorOut(...loadA, ...op.i32Const(13), ...op.i32x4ShrU),
    constant: vectorOut(...op.i32x4Const([1, -2, 0x9e3779b9, 2 ** 31 - 1])),
    replace: vectorOut(...loadA, ...op.i32Const(-5), ...op.i32x4ReplaceLane(2)),
    convert: vectorOut(...loadA, ...op.f32x4ConvertI32x4S),
  };
  const bytes = assembleWasm({
    memory: { module: 'env', name: 'memory', shared: false, minimumPages: 1 },
    functions: [
      ...Object.entries(functions).map(([name, body]) => ({ name, params: [], locals: [], body })),
      ...[0, 1, 2, 3].map((lane) => ({
        name: `lane${lane}`,
        params: [],
        results: [i32],
        locals: [],
        body: [...loadA, ...op.i32x4ExtractLane(lane)],
      })),
      {
        name: 'floatLane3',
        params: [],
        results: [f32],
        locals: [],
        body: [...loadB, ...op.f32x4ExtractLane(3)],
      },
    ],
  });

  it('validate, and compute lane by lane what the scalar i32 instructions compute', () => {
    expect(api.validate(bytes)).toBe(true);
    const memory = new api.Memory({ initial: 1 });
    const { exports } = new api.Instance(new api.Module(bytes), { env: { memory } });
    const ints = new Int32Array(memory.buffer, 0, 12);
    ints.set(a, 0);
    ints.set(b, 4);
    const run = (name: string) => {
      (exports[name] as () => void)();
      return [...ints.subarray(8, 12)];
    };
    const lanewise = (f: (x: number, y: number) => number) => a.map((x, i) => f(x, b[i]!) | 0);
    expect(run('xor')).toEqual(lanewise((x, y) => x ^ y));
    expect(run('or')).toEqual(lanewise((x, y) => x | y));
    expect(run('and')).toEqual(lanewise((x, y) => x & y));
    expect(run('mul')).toEqual(lanewise(Math.imul));
    expect(run('eq')).toEqual([0, 0, -1, 0]);
    expect(run('shrU')).toEqual(a.map((x) => (x >>> 13) | 0));
    expect(run('constant')).toEqual([1, -2, 0x9e3779b9 | 0, 2 ** 31 - 1]);
    expect(run('replace')).toEqual([a[0]! | 0, -1, -5, 0x7fffffff]);
    run('convert');
    expect([...new Float32Array(memory.buffer, 32, 4)]).toEqual(a.map((x) => Math.fround(x | 0)));
    for (const lane of [0, 1, 2, 3])
      expect((exports[`lane${lane}`] as () => number)()).toBe(a[lane]! | 0);
    const floatBits = new Float32Array(new Int32Array([b[3]!]).buffer)[0]!;
    expect((exports.floatLane3 as () => number)()).toBe(floatBits);
  });
});
