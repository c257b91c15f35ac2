import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { DataError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { readMatV5 } from '../src/mat-v5.js';
import { concat, type MatVariable, MI, MX, matFile } from './helpers/formats.js';

const inflate = (data: Uint8Array, maxOutputLength: number) =>
  inflateSync(data, { maxOutputLength });
const read = (bytes: Uint8Array, wanted: string[] = [], maxInflated = 1 << 24) =>
  readMatV5(bytes, wanted, inflate, maxInflated, 'test.mat', 'f');

describe('readMatV5 on a file written by SciPy', () => {
  it('reads X (uint8 32x32x3x4, column-major) and y (double 4x1)', () => {
    // test/fixtures/make_svhn_fixture.py wrote it with scipy.io.savemat(..., do_compression=True).
    const bytes = readFileSync(new URL('./fixtures/svhn-scipy.mat', import.meta.url));
    const vars = read(bytes, ['X', 'y']);
    const x = vars.get('X')!;
    expect(x.className).toBe('uint8');
    expect(x.dims).toEqual([32, 32, 3, 4]);
    for (let n = 0; n < 4; n++) {
      for (let ch = 0; ch < 3; ch++) {
        for (let c = 0; c < 32; c++) {
          for (let r = 0; r < 32; r++) {
            const want = (7 * r + 3 * c + 50 * ch + 11 * n) % 256;
            const got = x.data[r + 32 * c + 1024 * ch + 3072 * n];
            if (got !== want) expect(got).toBe(want);
          }
        }
      }
    }
    const y = vars.get('y')!;
    expect(y.className).toBe('double');
    expect(y.dims).toEqual([4, 1]);
    expect(Array.from(y.data)).toEqual([1, 10, 5, 3]);
  });
});

describe('readMatV5 on files in the format MATLAB writes', () => {
  const base: MatVariable = {
    name: 'values',
    classId: MX.DOUBLE,
    dims: [2, 3],
    values: [1.5, -2, 3, 4.25, 5, 6e10],
    storeAs: MI.DOUBLE,
  };

  it('reads plain and compressed matrices, long and short names', () => {
    const vars = read(
      matFile([
        base,
        { ...base, name: 'y', compress: true, values: [1, 2, 3, 4, 5, 6] },
        {
          ...base,
          name: 'single',
          classId: MX.SINGLE,
          storeAs: MI.SINGLE,
          values: [0.5, 1, 2, 3, 4, 5],
        },
      ]),
    );
    expect(Array.from(vars.get('values')!.data)).toEqual([1.5, -2, 3, 4.25, 5, 6e10]);
    expect(vars.get('values')!.data).toBeInstanceOf(Float64Array);
    expect(Array.from(vars.get('y')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(vars.get('single')!.data).toBeInstanceOf(Float32Array);
  });

  it('widens values MATLAB stored in a narrower type to the array class', () => {
    const vars = read(
      matFile([
        {
          ...base,
          name: 'y',
          dims: [4, 1],
          values: [10, 1, 255, 7],
          storeAs: MI.UINT8,
          compress: true,
        },
        { ...base, name: 'neg', dims: [1, 3], values: [-300, 2, 32767], storeAs: MI.INT16 },
        {
          ...base,
          name: 'i16',
          classId: MX.INT16,
          dims: [1, 2],
          values: [-5, 9],
          storeAs: MI.INT8,
        },
      ]),
    );
    expect(vars.get('y')!.data).toBeInstanceOf(Float64Array);
    expect(Array.from(vars.get('y')!.data)).toEqual([10, 1, 255, 7]);
    expect(Array.from(vars.get('neg')!.data)).toEqual([-300, 2, 32767]);
    expect(vars.get('i16')!.data).toBeInstanceOf(Int16Array);
    expect(Array.from(vars.get('i16')!.data)).toEqual([-5, 9]);
  });

  it('skips arrays it does not read, and says so when one is asked for', () => {
    const file = matFile([
      { ...base, name: 'cells', classId: MX.CELL, dims: [1, 1], values: [], storeAs: MI.UINT8 },
      { ...base, name: 'z', complex: true },
      base,
    ]);
    expect([...read(file).keys()]).toEqual(['values']);
    expect(() => read(file, ['cells'])).toThrow(
      "f: test.mat: variable 'cells' is a cell array, not a real numeric array",
    );
    expect(() => read(file, ['z'])).toThrow("variable 'z' is a complex double array");
    expect(() => read(file, ['X'])).toThrow(
      "f: test.mat: variable 'X' is not in the file (found: values, cells, z)",
    );
  });

  it.each([
    ['a file shorter than the header', () => new Uint8Array(100), 'is 100 bytes, shorter than'],
    [
      'a non-MAT file',
      () => new Uint8Array(200).fill(65),
      'is not a MAT-file (its header starts "AAAA',
    ],
    [
      'a v7.3 (HDF5) file',
      () => matFile([], 'MATLAB 7.3 MAT-file, Platform: GLNXA64'),
      'is a MAT v7.3 (HDF5) file',
    ],
    [
      'a big-endian file',
      () => {
        const bytes = matFile([base]);
        bytes.set([0x4d, 0x49], 126);
        return bytes;
      },
      'is a big-endian MAT-file',
    ],
    [
      'a truncated file',
      () => matFile([base]).subarray(0, 128 + 60),
      'is truncated: an element ends at byte',
    ],
    [
      'a truncated compressed element',
      () => {
        const bytes = matFile([{ ...base, compress: true }]);
        return bytes.subarray(0, bytes.length - 4);
      },
      'is truncated',
    ],
    [
      'corrupt compressed data',
      () => {
        const bytes = matFile([{ ...base, compress: true }]);
        bytes.fill(0x55, 140, 150);
        return bytes;
      },
      'has corrupt compressed data',
    ],
    [
      'values that do not fill the dimensions',
      () => matFile([{ ...base, dims: [3, 3] }]),
      "holds 48 bytes of values for 'values', but its dimensions [3, 3] need 72",
    ],
    [
      'a compressed element holding garbage',
      () => {
        const tag = new Uint8Array(8);
        const inner = deflateSync(Uint8Array.from([14, 0, 0, 0, 200, 0, 0, 0]));
        new DataView(tag.buffer).setUint32(0, 15, true);
        new DataView(tag.buffer).setUint32(4, inner.length, true);
        return concat([matFile([]), tag, inner]);
      },
      'is truncated: an element ends at byte 208, past the end (8)',
    ],
  ])('turns %s into a DataError', (_, make, message) => {
    const attempt = () => read(make(), ['values']);
    expect(attempt).toThrow(DataError);
    expect(attempt).toThrow(message);
  });

  it('stops decompressing at the budget: a bomb fails after maxInflated bytes', () => {
    // 64 MB of zeros deflate to about 64 KB; the budget of 1 MiB stops them.
    const zeros = deflateSync(new Uint8Array(64 << 20));
    const tag = new Uint8Array(8);
    new DataView(tag.buffer).setUint32(0, MI.COMPRESSED, true);
    new DataView(tag.buffer).setUint32(4, zeros.length, true);
    const bomb = concat([matFile([base]), tag, zeros]);
    expect(bomb.length).toBeLessThan(1 << 20);
    const attempt = () => read(bomb, ['values'], 1 << 20);
    expect(attempt).toThrow(DataError);
    expect(attempt).toThrow(
      'f: test.mat decompresses to more than 1,048,576 bytes, more than the data of this file can take',
    );
  });

  it('counts the budget over all compressed elements of the file', () => {
    // Each compressed matrix here decompresses to 112 bytes: its tag 8, flags 16, dimensions
    // 16, name 16, values 8 + 48.
    const file = matFile([
      { ...base, compress: true },
      { ...base, name: 'second', compress: true },
    ]);
    expect([...read(file, [], 224).keys()]).toEqual(['values', 'second']);
    expect(() => read(file, [], 223)).toThrow('decompresses to more than 223 bytes');
  });
});
