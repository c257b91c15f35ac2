import { DataError } from '@uqjs/core';

/**
 * A reader of exactly the MAT-file level 5 features that numeric data needs (the format of
 * SVHN's `*_32x32.mat` files): the 128-byte header, top-level `miMATRIX` elements, plain or
 * inside `miCOMPRESSED` (zlib) elements, and real numeric arrays of class double, single and
 * (u)int8/16/32, whose values may be stored in a narrower type (MATLAB saves doubles holding
 * small integers as `miUINT8`). Little-endian files only. Cell, struct, object, char, sparse,
 * complex and 64-bit integer arrays are skipped, and asking for one is an error.
 *
 * Layout reference: MathWorks, "MAT-File Format", chapter 1 (Level 5 MAT-files).
 */

/**
 * Decompresses a whole zlib stream, throwing once the output would pass `maxOutputLength`
 * bytes (the loader passes Node's `zlib.inflateSync` with that option, which then throws a
 * `RangeError` of code `ERR_BUFFER_TOO_LARGE`).
 */
export type Inflate = (data: Uint8Array, maxOutputLength: number) => Uint8Array;

/** The numeric classes this reader returns. */
export type MatClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32';

/** Values of a numeric MAT array, column-major (MATLAB order). */
export type MatData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** One numeric variable of a MAT-file. */
export interface MatArray {
  readonly name: string;
  readonly className: MatClass;
  /** MATLAB dimensions, at least 2 (`[rows, cols, ...]`). */
  readonly dims: readonly number[];
  /** `prod(dims)` values, column-major: element `(i0, i1, ...)` at `i0 + d0 * (i1 + d1 * ...)`. */
  readonly data: MatData;
}

type TypedArrayClass = {
  new (length: number): MatData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): MatData;
};

/** Data element types (`mi*`) that hold numbers: byte size and how to read one (little-endian). */
const NUMERIC_TYPES: Record<number, { size: number; read: (v: DataView, at: number) => number }> = {
  1: { size: 1, read: (v, at) => v.getInt8(at) }, // miINT8
  2: { size: 1, read: (v, at) => v.getUint8(at) }, // miUINT8
  3: { size: 2, read: (v, at) => v.getInt16(at, true) }, // miINT16
  4: { size: 2, read: (v, at) => v.getUint16(at, true) }, // miUINT16
  5: { size: 4, read: (v, at) => v.getInt32(at, true) }, // miINT32
  6: { size: 4, read: (v, at) => v.getUint32(at, true) }, // miUINT32
  7: { size: 4, read: (v, at) => v.getFloat32(at, true) }, // miSINGLE
  9: { size: 8, read: (v, at) => v.getFloat64(at, true) }, // miDOUBLE
};
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

/** Array classes (`mx*_CLASS`): the numeric ones with their typed array and natural `mi` type. */
const NUMERIC_CLASSES: Record<number, { name: MatClass; array: TypedArrayClass; mi: number }> = {
  6: { name: 'double', array: Float64Array, mi: 9 },
  7: { name: 'single', array: Float32Array, mi: 7 },
  8: { name: 'int8', array: Int8Array, mi: 1 },
  9: { name: 'uint8', array: Uint8Array, mi: 2 },
  10: { name: 'int16', array: Int16Array, mi: 3 },
  11: { name: 'uint16', array: Uint16Array, mi: 4 },
  12: { name: 'int32', array: Int32Array, mi: 5 },
  13: { name: 'uint32', array: Uint32Array, mi: 6 },
};
const OTHER_CLASSES: Record<number, string> = {
  1: 'cell array',
  2: 'struct',
  3: 'object',
  4: 'char array',
  5: 'sparse array',
  14: 'int64 array',
  15: 'uint64 array',
};
const COMPLEX_FLAG = 0x08;
const HEADER_SIZE = 128;

/** Where parsing is, for error messages, and the decompressor with its budget. */
interface Context {
  readonly file: string;
  readonly fn: string;
  readonly inflate: Inflate;
  /** Most bytes all `miCOMPRESSED` elements of the file may decompress to, together. */
  readonly maxInflated: number;
  /** Bytes decompressed so far. */
  inflated: number;
}

/** A data element: its type, its payload (a view) and where the next element starts. */
interface DataElement {
  readonly type: number;
  readonly data: Uint8Array;
  readonly next: number;
}

/**
 * Reads the variables named in `wanted` from the bytes of a MAT v5 file. Every problem (not a
 * MAT-file, v7.3/HDF5, big-endian, truncated, bad compressed data, a wanted variable missing
 * or not numeric, a data size that does not match the dimensions) is a `DataError`.
 * `miCOMPRESSED` elements are decompressed with `inflate`, to at most `maxInflated` bytes in
 * all (the size the caller knows the file's data to have): a decompression bomb stops there
 * with a `DataError` instead of filling the memory. The sizes in the elements' own tags are
 * not trusted for this.
 */
export function readMatV5(
  bytes: Uint8Array,
  wanted: readonly string[],
  inflate: Inflate,
  maxInflated: number,
  file: string,
  fn: string,
): Map<string, MatArray> {
  const ctx: Context = { file, fn, inflate, maxInflated, inflated: 0 };
  checkHeader(bytes, ctx);
  const found = new Map<string, MatArray>();
  const skipped = new Map<string, string>();
  let at = HEADER_SIZE;
  while (at + 8 <= bytes.length) {
    const element = readElement(bytes, at, false, ctx);
    at = element.next;
    let matrix = element;
    if (element.type === MI_COMPRESSED)
      matrix = readElement(decompress(element.data, ctx), 0, false, ctx);
    if (matrix.type !== MI_MATRIX) continue;
    const array = readMatrix(matrix.data, ctx);
    if (typeof array.skipped === 'string') skipped.set(array.name, array.skipped);
    else found.set(array.name, array.array);
  }
  for (const name of wanted) {
    if (found.has(name)) continue;
    const why = skipped.has(name)
      ? `is a ${skipped.get(name)}, not a real numeric array`
      : `is not in the file (found: ${[...found.keys(), ...skipped.keys()].join(', ') || 'none'})`;
    throw new DataError(`${fn}: ${file}: variable '${name}' ${why}`);
  }
  return found;
}

function checkHeader(bytes: Uint8Array, ctx: Context): void {
  if (bytes.length < HEADER_SIZE) {
    throw corrupt(ctx, `is ${bytes.length} bytes, shorter than a MAT-file's 128-byte header`);
  }
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (text.startsWith('MATLAB 7.3')) {
    throw corrupt(ctx, 'is a MAT v7.3 (HDF5) file; only MAT v5/v7 files are supported');
  }
  if (!text.startsWith('MATLAB 5.0 MAT-file')) {
    throw corrupt(
      ctx,
      `is not a MAT-file (its header starts ${JSON.stringify(text.slice(0, 20))})`,
    );
  }
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian === 'MI') throw corrupt(ctx, 'is a big-endian MAT-file, which is not supported');
  if (endian !== 'IM')
    throw corrupt(ctx, `has endian indicator ${JSON.stringify(endian)}, not "IM"`);
}

/**
 * Reads the data element at `at`: an 8-byte tag (type, byte count) and its data, or the
 * small format (count and type packed in 4 bytes, up to 4 data bytes in the next 4). Inside a
 * matrix every element is padded to a multiple of 8 bytes (`padded`).
 */
function readElement(buf: Uint8Array, at: number, padded: boolean, ctx: Context): DataElement {
  if (at + 8 > buf.length) throw truncated(ctx, at + 8, buf.length);
  const view = new DataView(buf.buffer, buf.byteOffset + at, 8);
  const first = view.getUint32(0, true);
  if (first >>> 16 !== 0) {
    const size = first >>> 16;
    if (size > 4) throw corrupt(ctx, `has a small data element of ${size} bytes at byte ${at}`);
    return { type: first & 0xffff, data: buf.subarray(at + 4, at + 4 + size), next: at + 8 };
  }
  const size = view.getUint32(4, true);
  const end = at + 8 + size;
  if (end > buf.length) throw truncated(ctx, end, buf.length);
  return { type: first, data: buf.subarray(at + 8, end), next: padded ? at + 8 + pad8(size) : end };
}

function decompress(data: Uint8Array, ctx: Context): Uint8Array {
  const budget = ctx.maxInflated - ctx.inflated;
  let out: Uint8Array;
  try {
    if (budget < 1) throw Object.assign(new RangeError('no budget left'), { code: BOMB });
    out = ctx.inflate(data, budget);
  } catch (error) {
    if ((error as { code?: unknown }).code === BOMB) {
      throw corrupt(
        ctx,
        `decompresses to more than ${ctx.maxInflated.toLocaleString('en-US')} bytes, more ` +
          'than the data of this file can take; it is not that file (or a decompression bomb)',
      );
    }
    throw corrupt(ctx, `has corrupt compressed data (${(error as Error).message})`);
  }
  ctx.inflated += out.length;
  return out;
}

/** The code of Node's error for output past `maxOutputLength`. */
const BOMB = 'ERR_BUFFER_TOO_LARGE';

type MatrixResult =
  | { readonly name: string; readonly array: MatArray; readonly skipped?: undefined }
  | { readonly name: string; readonly skipped: string };

/** Parses an `miMATRIX` payload: array flags, dimensions, name, real part. */
function readMatrix(payload: Uint8Array, ctx: Context): MatrixResult {
  const flags = expectElement(payload, 0, [MI_UINT32], 'array flags', ctx);
  if (flags.data.length !== 8) throw corrupt(ctx, 'has array flags that are not 8 bytes');
  const flagWord = dataView(flags.data).getUint32(0, true);
  const classId = flagWord & 0xff;
  const dimsElement = expectElement(payload, flags.next, [MI_INT32], 'dimensions', ctx);
  const dimsView = dataView(dimsElement.data);
  const dims = Array.from({ length: dimsElement.data.length / 4 }, (_, i) =>
    dimsView.getInt32(4 * i, true),
  );
  if (dims.length < 2 || dims.some((d) => d < 0)) {
    throw corrupt(ctx, `has invalid dimensions [${dims.join(', ')}]`);
  }
  const nameElement = expectElement(payload, dimsElement.next, [MI_INT8, MI_UINT8], 'name', ctx);
  const name = new TextDecoder('latin1').decode(nameElement.data);
  const numeric = NUMERIC_CLASSES[classId];
  if (numeric === undefined) {
    return { name, skipped: OTHER_CLASSES[classId] ?? `array of unknown class ${classId}` };
  }
  if (((flagWord >>> 8) & 0xff & COMPLEX_FLAG) !== 0) {
    return { name, skipped: `complex ${numeric.name} array` };
  }
  const real = expectElement(
    payload,
    nameElement.next,
    Object.keys(NUMERIC_TYPES).map(Number),
    `values of '${name}'`,
    ctx,
  );
  const count = dims.reduce((a, b) => a * b, 1);
  const stored = NUMERIC_TYPES[real.type]!;
  if (real.data.length !== count * stored.size) {
    throw corrupt(
      ctx,
      `holds ${real.data.length} bytes of values for '${name}', but its dimensions ` +
        `[${dims.join(', ')}] need ${count * stored.size}`,
    );
  }
  return {
    name,
    array: { name, className: numeric.name, dims, data: convert(real, numeric, count) },
  };
}

/** Values as the class's typed array: a view when stored in the natural 1-byte type, else a copy. */
function convert(
  real: DataElement,
  numeric: { array: TypedArrayClass; mi: number },
  count: number,
): MatData {
  const { data } = real;
  if (real.type === numeric.mi && (real.type === MI_INT8 || real.type === MI_UINT8)) {
    return new numeric.array(data.buffer, data.byteOffset, count);
  }
  const out = new numeric.array(count);
  const stored = NUMERIC_TYPES[real.type]!;
  const view = dataView(data);
  for (let i = 0; i < count; i++) out[i] = stored.read(view, i * stored.size);
  return out;
}

function expectElement(
  payload: Uint8Array,
  at: number,
  types: readonly number[],
  what: string,
  ctx: Context,
): DataElement {
  const element = readElement(payload, at, true, ctx);
  if (!types.includes(element.type)) {
    throw corrupt(ctx, `has data type ${element.type} where a matrix's ${what} should be`);
  }
  return element;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function pad8(size: number): number {
  return Math.ceil(size / 8) * 8;
}

function corrupt(ctx: Context, problem: string): DataError {
  return new DataError(`${ctx.fn}: ${ctx.file} ${problem}`);
}

function truncated(ctx: Context, needed: number, length: number): DataError {
  return corrupt(ctx, `is truncated: an element ends at byte ${needed}, past the end (${length})`);
}
