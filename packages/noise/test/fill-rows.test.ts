import { deriveSeed } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { fillNormalRows, fillUniformRows } from '../src/fill-rows.js';
import { RowBits } from '../src/row-bits.js';
import { zigguratNormal } from '../src/ziggurat.js';

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
