// Writers of the real file formats, small enough for tests: IDX (MNIST), CIFAR-10 binary
// records, and MAT v5 (SVHN). Each follows the published layout byte for byte.
import { deflateSync } from 'node:zlib';

/** An IDX file of unsigned bytes: 0, 0, type 0x08, rank, big-endian uint32 dims, values. */
export function idxFile(dims: readonly number[], values: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, dims.length);
  dims.forEach((d, axis) => {
    header.setUint32(4 + 4 * axis, d, false);
  });
  return concat([new Uint8Array(header.buffer), values]);
}

/**
 * A CIFAR-10 binary batch: per record a label byte and the red, green, blue 32x32 planes.
 * `pixel(record, channel, row, col)` gives each value.
 */
export function cifarFile(
  labels: readonly number[],
  pixel: (record: number, channel: number, row: number, col: number) => number,
): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, n) => {
    const at = n * 3073;
    out[at] = label;
    for (let ch = 0; ch < 3; ch++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          out[at + 1 + ch * 1024 + row * 32 + col] = pixel(n, ch, row, col);
        }
      }
    }
  });
  return out;
}

/** MAT v5 data types used by the writer. */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  MATRIX: 14,
  COMPRESSED: 15,
} as const;

/** MAT v5 array classes used by the writer. */
export const MX = { CELL: 1, CHAR: 4, DOUBLE: 6, SINGLE: 7, UINT8: 9, INT16: 10 } as const;

/** One variable for {@link matFile}. */
export interface MatVariable {
  readonly name: string;
  /** An `mx*_CLASS` id. */
  readonly classId: number;
  readonly dims: readonly number[];
  /** Column-major values. */
  readonly values: ArrayLike<number>;
  /** The `mi*` type the values are stored in (MATLAB narrows, e.g. doubles as miUINT8). */
  readonly storeAs: number;
  /** Set the complex flag (values are then the real part only; the reader must skip it). */
  readonly complex?: boolean;
  /** Wrap the matrix in an miCOMPRESSED (zlib) element. */
  readonly compress?: boolean;
}

/** A little-endian MAT v5 file with a 128-byte header and one miMATRIX per variable. */
export function matFile(variables: readonly MatVariable[], headerText?: string): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  header.set(new TextEncoder().encode(headerText ?? 'MATLAB 5.0 MAT-file, written by a uqjs test'));
  header.fill(0, 116, 124); // subsystem data offset: none
  header.set([0x00, 0x01, 0x49, 0x4d], 124); // version 0x0100, then 'IM' (little-endian)
  const parts: Uint8Array[] = [header];
  for (const v of variables) {
    const matrix = element(MI.MATRIX, matrixPayload(v));
    parts.push(v.compress ? element(MI.COMPRESSED, deflateSync(matrix), false) : matrix);
  }
  return concat(parts);
}

function matrixPayload(v: MatVariable): Uint8Array {
  const flags = new DataView(new ArrayBuffer(8));
  flags.setUint32(0, v.classId | ((v.complex ? 0x08 : 0) << 8), true);
  const dims = new DataView(new ArrayBuffer(4 * v.dims.length));
  v.dims.forEach((d, i) => {
    dims.setInt32(4 * i, d, true);
  });
  const name = new TextEncoder().encode(v.name);
  return concat([
    element(MI.UINT32, new Uint8Array(flags.buffer)),
    element(MI.INT32, new Uint8Array(dims.buffer)),
    name.length <= 4 ? smallElement(MI.INT8, name) : element(MI.INT8, name),
    element(v.storeAs, encode(v.values, v.storeAs)),
  ]);
}

function encode(values: ArrayLike<number>, type: number): Uint8Array {
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8 };
  const size = sizes[type]!;
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const at = i * size;
    if (type === MI.INT8) view.setInt8(at, v);
    else if (type === MI.UINT8) view.setUint8(at, v);
    else if (type === MI.INT16) view.setInt16(at, v, true);
    else if (type === MI.UINT16) view.setUint16(at, v, true);
    else if (type === MI.INT32) view.setInt32(at, v, true);
    else if (type === MI.UINT32) view.setUint32(at, v, true);
    else if (type === MI.SINGLE) view.setFloat32(at, v, true);
    else view.setFloat64(at, v, true);
  }
  return new Uint8Array(view.buffer);
}

/** Tag (type, byte count), data, zero padding to a multiple of 8 (unless `pad` is false). */
function element(type: number, data: Uint8Array, pad = true): Uint8Array {
  const tag = new DataView(new ArrayBuffer(8));
  tag.setUint32(0, type, true);
  tag.setUint32(4, data.length, true);
  const padding = pad ? (8 - (data.length % 8)) % 8 : 0;
  return concat([new Uint8Array(tag.buffer), data, new Uint8Array(padding)]);
}

/** Small data element: byte count and type packed in 4 bytes, then up to 4 data bytes. */
function smallElement(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, (data.length << 16) | type, true);
  out.set(data, 4);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
