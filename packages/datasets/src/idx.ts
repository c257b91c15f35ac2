import { DataError } from '@uqjs/core';

/** An IDX array of unsigned bytes: its dimensions and row-major values. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** IDX type code of unsigned bytes, the only type MNIST-style files use. */
const IDX_UBYTE = 0x08;

/**
 * Decompresses a whole gzip stream, throwing once the output would pass `maxOutputLength`
 * bytes (the loader passes Node's `zlib.gunzipSync` with that option, which stops there with
 * a `RangeError` of code `ERR_BUFFER_TOO_LARGE` instead of growing without bound).
 */
export type Gunzip = (bytes: Uint8Array, maxOutputLength: number) => Uint8Array;

/**
 * Undoes gzip with `gunzip` when `bytes` start with the gzip magic number `1f 8b`, so `.gz`
 * and plain files (however they are named) read alike. The output may not pass `maxBytes`
 * (the size the file must have), so a decompression bomb fails after `maxBytes`, not after
 * filling the memory; the gzip trailer's size field is not trusted.
 */
export function maybeGunzip(
  bytes: Uint8Array,
  gunzip: Gunzip,
  maxBytes: number,
  file: string,
  fn: string,
): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzip(bytes, maxBytes);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `${fn}: ${file} decompresses to more than ${maxBytes.toLocaleString('en-US')} bytes, ` +
          'the size of the file it should hold; it is not that file (or a decompression bomb): ' +
          'delete it and fetch it again',
      );
    }
    throw new DataError(
      `${fn}: ${file} is not a valid gzip file (${(error as Error).message}); delete it and ` +
        'fetch it again',
    );
  }
}

/**
 * Parses an IDX file (the format of the MNIST files): two zero bytes, a type code (`0x08`,
 * unsigned byte), the number of dimensions `r`, `r` big-endian uint32 sizes, then the values
 * row-major. Checks the magic number, the rank and that the data is exactly
 * `prod(dims)` bytes long, so a truncated or padded file is an error, not a short dataset.
 *
 * `raw` is the decompressed file ({@link maybeGunzip}); the returned `data` is a view into it.
 */
export function parseIdx(raw: Uint8Array, rank: number, file: string, fn: string): IdxArray {
  const headerSize = 4 + 4 * rank;
  if (raw.length < headerSize) {
    throw new DataError(
      `${fn}: ${file} is truncated: ${raw.length} bytes, shorter than its ${headerSize}-byte header`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  const expectedMagic = (IDX_UBYTE << 8) | rank;
  if (magic !== expectedMagic) {
    throw new DataError(
      `${fn}: ${file} has magic number 0x${hex(magic)}, expected 0x${hex(expectedMagic)} ` +
        `(IDX, unsigned bytes, ${rank} dimension${rank === 1 ? '' : 's'})`,
    );
  }
  const dims: number[] = [];
  for (let axis = 0; axis < rank; axis++) dims.push(view.getUint32(4 + 4 * axis));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = raw.length - headerSize;
  if (found !== expected) {
    throw new DataError(
      `${fn}: ${file} holds ${found} data bytes, but its header [${dims.join(', ')}] needs ` +
        `${expected}; the file is ${found < expected ? 'truncated' : 'corrupt'}`,
    );
  }
  // A plain Uint8Array view (not a Buffer) of the values, without copying them.
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + headerSize, expected) };
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
