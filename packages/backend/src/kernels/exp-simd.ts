import { I32, loadAt, op, type SimdFunction, simdFunction, V128 } from './simd-module.js';

/**
 * `exp` of float32 arrays as a WebAssembly SIMD function on the wasm backend's memory, 2-3x the
 * stock wasm `Exp` (a scalar `expf` per element, ~5-6 ns; this ~2 ns). Cephes' `expf` scheme, four lanes at
 * a time:
 *
 *     x  = clamp(x, -104, 89)                (NaN stays NaN)
 *     n  = round(x log2(e));  r = x - n C1 - n C2      (C1 + C2 = ln 2, C1 exact in float32)
 *          (rounded by adding and subtracting 1.5 * 2^23, whose float32 bits then hold n)
 *     p  = 1 + r + r^2 (((((P0 r + P1) r + P2) r + P3) r + P4) r + P5)
 *     exp(x) = p 2^h 2^(n - h),  h = floor(n / 2)
 *
 * The two power-of-two factors stay normal for every `n` in [-150, 129], so the products round
 * to subnormals and to 0 below x = -103.3, and overflow to `Infinity` above 88.72, as `expf`
 * does. Error about 1 ulp (Cephes' polynomial for |r| <= ln(2) / 2).
 */

// Constants of Cephes' expf (their values, not their code).
const LOG2E = Math.LOG2E;
const C1 = 0.693359375;
const C2 = -2.1219444e-4;
const POLYNOMIAL = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
  5.0000001201e-1,
];
const LOWEST = -104;
const HIGHEST = 89;
/** 1.5 * 2^23: adding it rounds to an integer, kept in the low mantissa bits. */
const ROUNDER = 12582912;
const ROUNDER_BITS = 0x4b400000;

// Parameters 0-2, locals 3-4 (i32), 5-10 (v128 values), 11-25 (v128 constants).
const [X, OUT, COUNT, I, END] = [0, 1, 2, 3, 4];
const [VALUE, N, R, P, WHOLE, HALF] = [5, 6, 7, 8, 9, 10];
const [ROUND, ROUND_BITS] = [24, 25];
const FLOAT_CONSTANTS: readonly [number, number][] = [
  [11, LOWEST],
  [12, HIGHEST],
  [13, LOG2E],
  [14, C1],
  [15, C2],
  ...POLYNOMIAL.map((c, k) => [16 + k, c] as [number, number]),
  [22, 1],
  [ROUND, ROUNDER],
];
const [LO, HI, L2E, LN2_HI, LN2_LO, ONE, EXPONENT_BIAS] = [11, 12, 13, 14, 15, 22, 23];
const P_LOCALS = [16, 17, 18, 19, 20, 21];

/** `(k + 127) << 23` of the i32x4 on the stack: 2^k as float32 bits. */
const powerOfTwo = [...op.get(EXPONENT_BIAS), ...op.i32x4Add, ...op.i32Const(23), ...op.i32x4Shl];

const expFunction = (): SimdFunction => ({
  name: 'exp',
  params: [I32, I32, I32],
  locals: [
    [2, I32],
    [21, V128],
  ],
  body: [
    ...[...op.get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.set(END)], // bytes
    ...FLOAT_CONSTANTS.flatMap(([local, value]) => [
      ...op.f32Const(value),
      ...op.splat,
      ...op.set(local),
    ]),
    ...[...op.i32Const(127), ...op.i32x4Splat, ...op.set(EXPONENT_BIAS)],
    ...[...op.i32Const(ROUNDER_BITS), ...op.i32x4Splat, ...op.set(ROUND_BITS)],
    ...op.block,
    ...op.loop,
    ...[...op.get(I), ...op.get(END), ...op.i32GeU, ...op.brIf(1)],
    // x = clamp(x); n = round(x log2 e) (WHOLE: x log2 e + 1.5 2^23); r = x - n C1 - n C2
    ...[...loadAt(X, I), ...op.get(LO), ...op.pmax, ...op.get(HI), ...op.pmin, ...op.set(VALUE)],
    ...[...op.get(VALUE), ...op.get(L2E), ...op.mul, ...op.get(ROUND), ...op.add, ...op.set(WHOLE)],
    ...[...op.get(WHOLE), ...op.get(ROUND), ...op.sub, ...op.set(N)],
    ...[...op.get(VALUE), ...op.get(N), ...op.get(LN2_HI), ...op.mul, ...op.sub],
    ...[...op.get(N), ...op.get(LN2_LO), ...op.mul, ...op.sub, ...op.set(R)],
    // p = ((((P0 r + P1) r + P2) r + P3) r + P4) r + P5, then 1 + r + r^2 p
    ...op.get(P_LOCALS[0]!),
    ...P_LOCALS.slice(1).flatMap((c) => [...op.get(R), ...op.mul, ...op.get(c), ...op.add]),
    ...[...op.get(R), ...op.mul, ...op.get(R), ...op.mul, ...op.get(R), ...op.add],
    ...[...op.get(ONE), ...op.add, ...op.set(P)],
    // n as i32 (the bits of WHOLE less those of 1.5 2^23), h = n >> 1; out = p 2^h 2^(n - h)
    ...[...op.get(WHOLE), ...op.get(ROUND_BITS), ...op.i32x4Sub, ...op.set(WHOLE)],
    ...[...op.get(WHOLE), ...op.i32Const(1), ...op.i32x4ShrS, ...op.set(HALF)],
    ...[...op.get(OUT), ...op.get(I), ...op.i32Add],
    ...[...op.get(P), ...op.get(HALF), ...powerOfTwo, ...op.mul],
    ...[...op.get(WHOLE), ...op.get(HALF), ...op.i32x4Sub, ...powerOfTwo, ...op.mul],
    ...op.store,
    ...[...op.get(I), ...op.i32Const(16), ...op.i32Add, ...op.set(I), ...op.br(0)],
    ...op.end, // loop
    ...op.end, // block
  ],
});

/** `out[i] = exp(x[i])` for `count` elements (a multiple of 4); addresses are byte offsets. */
export type SimdExp = (x: number, out: number, count: number) => void;

/** The SIMD `exp` bound to a memory, or `null` where it cannot run (see `simdFunction`). */
export const simdExpFor = simdFunction<SimdExp>(expFunction);
