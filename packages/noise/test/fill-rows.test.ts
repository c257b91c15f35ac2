import { deriveSeed, wasmApi } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  fillNormalRows,
  fillNormalRowsJs,
  fillUniformRows,
  fillUniformRowsJs,
} from '../src/fill-rows.js';
import { RowBits } from '../src/row-bits.js';
import { createWasmRowFill, rectangleBounds } from '../src/wasm-fill.js';
import { LAYERS, R, W, X, zigguratNormal } from '../src/ziggurat.js';

/** The fills as first written: a fresh `new RowBits(deriveSeed(seed, row))` per row. */
function freshStreamFill(
  draw: (bits: RowBits) => number,
  length: number,
  rowLength: number,
  firstRow: number,
  seed: number,
): Float32Array {
  const out = new Float32Array(length);
  for (let r = 0; r < length / rowLength; r++) {
    const bits = new RowBits(deriveSeed(seed, firstRow + r));
    for (let i = 0; i < rowLength; i++) out[r * rowLength + i] = draw(bits);
  }
  return out;
}

/** Bit patterns, so that the comparison is exact (and NaN-proof). */
function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/**
 * For arrays of millions of values (a deep `toEqual` of those takes seconds): the first index
 * whose bit patterns differ, with both values, or `'same'` (lengths must match too).
 */
function firstDifference(actual: Float32Array, expected: Float32Array): string {
  if (actual.length !== expected.length) return `lengths ${actual.length} != ${expected.length}`;
  const [a, b] = [bitsOf(actual), bitsOf(expected)];
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i]) return `at ${i}: ${actual[i]} != ${expected[i]}`;
  return 'same';
}

describe('RowBits.reseed', () => {
  it('restarts the stream exactly as a fresh RowBits, for many seeds', () => {
    const reused = new RowBits(0);
    for (const seed of [0, 1, 7, 0x9e3779b9, 2 ** 31, 2 ** 32 - 1, 123_456_789]) {
      reused.next(); // leave state behind that reseed must overwrite
      reused.reseed(seed);
      const fresh = new RowBits(seed);
      for (let i = 0; i < 100; i++) expect(reused.next()).toBe(fresh.next());
    }
  });

  it('reseedRow(seed, row) starts the stream of RowBits.forRow(seed, row)', () => {
    const reused = new RowBits(0);
    for (const row of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3]) {
      reused.reseedRow(42, row);
      const fresh = RowBits.forRow(42, row);
      for (let i = 0; i < 20; i++) expect(reused.next()).toBe(fresh.next());
    }
  });
});

describe('fillNormalRows / fillUniformRows', () => {
  const cases: [number, number, number][] = [];
  for (const seed of [0, 7, 2 ** 32 - 1])
    for (const rowLength of [1, 3, 10, 1000])
      for (const firstRow of [0, 5, 2 ** 32 - 3, 2 ** 40 + 1])
        cases.push([seed, rowLength, firstRow]);

  it.each(
    cases,
  )('seed %d, rows of %d from row %d: bit-identical to fresh streams per row', (seed, rowLength, firstRow) => {
    // 20 rows (20,000 normals for rows of 1000: ~240 wedge or tail draws at 1.2% each).
    const length = 20 * rowLength;
    const normal = fillNormalRows(new Float32Array(length), rowLength, firstRow, seed);
    const uniform = fillUniformRows(new Float32Array(length), rowLength, firstRow, seed);
    expect(bitsOf(normal)).toEqual(
      bitsOf(freshStreamFill(zigguratNormal, length, rowLength, firstRow, seed)),
    );
    expect(bitsOf(uniform)).toEqual(
      bitsOf(freshStreamFill((bits) => bits.uniform(), length, rowLength, firstRow, seed)),
    );
  });

  it('row r of a fill from firstRow equals row firstRow + r of a fill from row 0', () => {
    const whole = fillNormalRows(new Float32Array(60), 3, 0, 11);
    const part = fillNormalRows(new Float32Array(30), 3, 10, 11);
    expect(bitsOf(part)).toEqual(bitsOf(whole.subarray(30)));
  });
});

describe('the WebAssembly fills', () => {
  const wasm = createWasmRowFill(wasmApi());

  function wasmFill(kind: 'normal' | 'uniform', length: number, ...args: [number, number, number]) {
    const out = new Float32Array(length).fill(Number.NaN);
    expect(wasm?.fill(kind, out, ...args)).toBe(true);
    return out;
  }

  it('compile on this runtime (Node has WebAssembly), and not without WebAssembly', () => {
    expect(wasm).not.toBeNull();
    expect(createWasmRowFill(null)).toBeNull();
  });

  const cases: [number, number, number][] = [];
  for (const seed of [0, 1, 42, 2 ** 31, 2 ** 32 - 1])
    for (const rowLength of [1, 3, 10, 1000])
      for (const firstRow of [0, 7, 2 ** 32 - 2, 2 ** 32, 2 ** 45 + 3])
        cases.push([seed, rowLength, firstRow]);

  it.each(
    cases,
  )('seed %d, rows of %d from row %d: bit-identical to the JS fills', (seed, rowLength, firstRow) => {
    // At least 3 rows (rows crossing 2^32 from 2^32 - 2) and 30,000 values.
    const length = Math.max(3, Math.ceil(30_000 / rowLength)) * rowLength;
    for (const [kind, js] of [
      ['normal', fillNormalRowsJs],
      ['uniform', fillUniformRowsJs],
    ] as const) {
      const expected = js(new Float32Array(length), rowLength, firstRow, seed);
      expect(bitsOf(wasmFill(kind, length, rowLength, firstRow, seed))).toEqual(bitsOf(expected));
    }
  });

  it('take the wedge and the tail paths as often as the JS ziggurat, with the same numbers', () => {
    // 2 million normals: a JS stream that counts its words shows how many draws left the fast
    // path (about 1.2% of draws take the wedge, 0.1% the base layer), and the |x| > R values
    // are tail draws (expected 2e6 * 2 * (1 - Phi(R)) = 576).
    let words = 0;
    class CountingBits extends RowBits {
      override next(): number {
        words++;
        return super.next();
      }
    }
    const rowLength = 1000;
    const length = 2_000_000;
    const expected = new Float32Array(length);
    for (let r = 0; r < length / rowLength; r++) {
      const bits = new CountingBits(deriveSeed(5, 123 + r));
      for (let i = 0; i < rowLength; i++) expected[r * rowLength + i] = zigguratNormal(bits);
    }
    const tails = expected.filter((x) => Math.abs(x) > R).length;
    expect(words - length).toBeGreaterThan(20_000); // slow-path words (wedge uniforms, retries)
    expect(tails).toBeGreaterThan(400);
    expect(firstDifference(wasmFill('normal', length, rowLength, 123, 5), expected)).toBe('same');
  });

  it('grow their memory for long rows and stay exact after', () => {
    const fill = createWasmRowFill(wasmApi())!;
    const before = fill.memory.buffer.byteLength;
    const rowLength = 3_000_001; // longer than one call's chunk: the memory must grow to ~12 MB
    const long = new Float32Array(rowLength * 2);
    expect(fill.fill('normal', long, rowLength, 9, 3)).toBe(true);
    expect(before).toBeLessThan(4 * rowLength);
    expect(fill.memory.buffer.byteLength).toBeGreaterThanOrEqual(4 * rowLength);
    expect(
      firstDifference(long, fillNormalRowsJs(new Float32Array(rowLength * 2), rowLength, 9, 3)),
    ).toBe('same');
    const small = new Float32Array(30);
    expect(fill.fill('uniform', small, 3, 0, 3)).toBe(true);
    expect(bitsOf(small)).toEqual(bitsOf(fillUniformRowsJs(new Float32Array(30), 3, 0, 3)));
  });

  it("cut a partial last row as the JS fills do, and fill many calls' worth of rows", () => {
    for (const [length, rowLength] of [
      [25, 10],
      [2_500_003, 10],
      [7, 1000],
    ] as const) {
      const expected = fillNormalRowsJs(new Float32Array(length), rowLength, 4, 8);
      expect(firstDifference(wasmFill('normal', length, rowLength, 4, 8), expected)).toBe('same');
    }
  });

  it('decline what the JS fills handle (or reject) themselves: bad seeds, rows, row lengths', () => {
    const out = new Float32Array(6);
    for (const [rowLength, firstRow, seed] of [
      [0, 0, 1],
      [2.5, 0, 1],
      [3, -1, 1],
      [3, 0.5, 1],
      [3, 2 ** 53 - 1, 1],
      [3, 0, -1],
      [3, 0, 2 ** 32],
      [3, 0, 1.5],
    ])
      expect(wasm?.fill('normal', out, rowLength!, firstRow!, seed!)).toBe(false);
    // ... so the public fills keep the JS errors: deriveSeed names the bad row index or seed.
    expect(() => fillNormalRows(out, 3, 0.5, 1)).toThrow(/path index/);
    expect(() => fillUniformRows(out, 3, 0, -1)).toThrow(/seed/);
  });
});

describe('the four-row (SIMD) fills', () => {
  const api = wasmApi();
  const fills = [
    ['four rows at a time', createWasmRowFill(api)!],
    ['one row at a time', createWasmRowFill(api, false)!],
  ] as const;
  const js = { normal: fillNormalRowsJs, uniform: fillUniformRowsJs };

  it('are there on this runtime (Node has WebAssembly SIMD), and can be left out', () => {
    expect(fills[0][1].simd).toBe(true);
    expect(fills[1][1].simd).toBe(false);
  });

  // Row counts around multiples of 4 and first rows whose group of four crosses 2^32 (the
  // high word of the row index changes inside it), rows short enough for four at a time (< 16)
  // and the first length that is not.
  const cases: [number, number, number][] = [];
  for (const rows of [1, 2, 3, 4, 5, 7, 9, 13])
    for (const rowLength of [1, 3, 10, 15, 16])
      for (const firstRow of [0, 2 ** 32 - 5, 2 ** 32 - 2, 2 ** 44 - 3])
        cases.push([rows, rowLength, firstRow]);

  it.each(
    cases,
  )('%d rows of %d from row %d: fill and view bit-identical to the JS fills', (rows, rowLength, firstRow) => {
    for (const [, fill] of fills) {
      for (const kind of ['normal', 'uniform'] as const) {
        const expected = bitsOf(
          js[kind](new Float32Array(rows * rowLength), rowLength, firstRow, 77),
        );
        const out = new Float32Array(rows * rowLength).fill(Number.NaN);
        expect(fill.fill(kind, out, rowLength, firstRow, 77)).toBe(true);
        expect(bitsOf(out)).toEqual(expected);
        expect(bitsOf(fill.view(kind, rows * rowLength, rowLength, firstRow, 77)!)).toEqual(
          expected,
        );
      }
    }
  });

  it('take the wedge and tail paths in every lane with the same numbers (2 M normals, rows of 10)', () => {
    // About 2.6% of first words leave the fast path, so ~24% of rows of 10 are finished after
    // the four-row steps (some with all four lanes out), across many calls of up to 16,384 rows.
    const length = 2_000_000;
    const expected = fillNormalRowsJs(new Float32Array(length), 10, 2 ** 32 - 100_001, 3);
    const [, four] = fills[0];
    expect(firstDifference(four.view('normal', length, 10, 2 ** 32 - 100_001, 3)!, expected)).toBe(
      'same',
    );
  });

  it("decide the wedge through Math.exp where the approximation's band says so (band widened)", () => {
    // With the band at 1, no wedge draw is accepted by the Taylor approximation e (y < 0 never
    // holds) and every one with y < 2 e goes to the exact Math.exp comparison (all but a few
    // in layer 1, the only one with F[layer + 1] > 2 F[layer]): both module variants, both
    // row lengths' paths.
    for (const useSimd of [true, false]) {
      const exact = createWasmRowFill(api, useSimd, 1)!;
      for (const rowLength of [10, 1000]) {
        const expected = fillNormalRowsJs(new Float32Array(300_000), rowLength, 11, 4);
        expect(firstDifference(exact.view('normal', 300_000, rowLength, 11, 4)!, expected)).toBe(
          'same',
        );
      }
    }
  });

  it('view a partial last row cut as in the JS fills, and decline what fill declines', () => {
    const [, four] = fills[0];
    const expected = fillNormalRowsJs(new Float32Array(4 * 10 + 7), 10, 6, 2);
    expect(bitsOf(four.view('normal', 47, 10, 6, 2)!)).toEqual(bitsOf(expected));
    expect(four.view('uniform', 0, 10, 0, 2)).toHaveLength(0);
    for (const [rowLength, firstRow, seed] of [
      [0, 0, 1],
      [2.5, 0, 1],
      [3, -1, 1],
      [3, 2 ** 53 - 1, 1],
      [3, 0, 2 ** 32],
    ])
      expect(four.view('normal', 6, rowLength!, firstRow!, seed!)).toBeNull();
    // more than 128 MiB at once: the callers fill their own buffer in chunks instead
    expect(four.view('normal', 2 ** 25, 10, 0, 1)).toBeNull();
  });
});

describe("the WebAssembly fast path's integer bounds", () => {
  it("decide |x| < X[layer + 1] as zigguratNormal does, on both sides of every layer's bound", () => {
    // A word's high 25 bits h give x = (h + 0.5) * W[layer]; with m = 2 h + 1 the module tests
    // (m + K - 1) <u (2 K - 1), i.e. |m| < K. Check it against the JS test at m = +-(K - 2),
    // +-K (the last inside and the first outside) and the extremes +-(2^25 - 1).
    const bounds = rectangleBounds();
    for (let layer = 0; layer < LAYERS; layer++) {
      const k = bounds[2 * layer]! + 1;
      expect(bounds[2 * layer + 1]).toBe(2 * k - 1);
      for (const m of [k - 2, k, 2 ** 25 - 1].flatMap((v) => [v, -v])) {
        if (m % 2 === 0 || Math.abs(m) > 2 ** 25) continue;
        const h = (m - 1) / 2;
        const js = Math.abs((h + 0.5) * W[layer]!) < X[layer + 1]!;
        const wasm = (m + k - 1) >>> 0 < 2 * k - 1;
        expect([layer, m, wasm]).toEqual([layer, m, js]);
      }
    }
  });
});
