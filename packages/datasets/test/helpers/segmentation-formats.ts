// Writers of the image formats the segmentation datasets use, small enough for tests: JPEG
// (jpeg-js's encoder), RGB and greyscale PNG (pngjs's encoder) and palette PNG (written here per
// the PNG specification: pngjs encodes no palette PNGs).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** `[h, w, 4]` RGBA bytes (alpha 255) with `pixel(r, c, ch)` in channel `ch` of (`r`, `c`). */
export function rgbaImage(
  h: number,
  w: number,
  pixel: (r: number, c: number, ch: number) => number,
): Buffer {
  const data = Buffer.alloc(h * w * 4);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let ch = 0; ch < 3; ch++) data[4 * (r * w + c) + ch] = pixel(r, c, ch);
      data[4 * (r * w + c) + 3] = 255;
    }
  }
  return data;
}

/** An 8-bit RGB PNG (colour type 2) of `[h, w, 4]` RGBA bytes, by pngjs. */
export function rgbPng(rgba: Uint8Array, h: number, w: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data.set(rgba);
  return PNG.sync.write(png, { colorType: 2 });
}

/** A baseline JPEG of `[h, w, 4]` RGBA bytes, by jpeg-js. */
export function jpegFile(rgba: Uint8Array, h: number, w: number, quality = 100): Buffer {
  return jpeg.encode({ data: rgba, width: w, height: h }, quality).data;
}

/** An 8-bit greyscale PNG (colour type 0) of `values` `[h, w]`, by pngjs. */
export function greyPng(values: ArrayLike<number>, h: number, w: number): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < h * w; p++) {
    const v = values[p]!;
    png.data.set([v, v, v, 255], 4 * p);
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6 });
}

/** The VOC colour map: bits 0, 1, 2 of the index go to bit 7 of red, green, blue, and so on. */
export function vocColour(index: number): [number, number, number] {
  let [r, g, b] = [0, 0, 0];
  let c = index;
  for (let bit = 7; bit >= 0 && c > 0; bit--) {
    r |= (c & 1) << bit;
    g |= ((c >> 1) & 1) << bit;
    b |= ((c >> 2) & 1) << bit;
    c >>= 3;
  }
  return [r, g, b];
}

/** The 256 colours of VOC's palette PNGs. */
export const VOC_PALETTE = Array.from({ length: 256 }, (_, i) => vocColour(i));

/** A PNG chunk: big-endian length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/**
 * An 8-bit palette PNG (colour type 3) of the indices `[h, w]` with `palette` (default VOC's):
 * signature, IHDR, PLTE, one zlib IDAT of filter-0 rows, IEND.
 */
export function palettePng(
  indices: ArrayLike<number>,
  h: number,
  w: number,
  palette: readonly (readonly [number, number, number])[] = VOC_PALETTE,
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 3, 0, 0, 0], 8); // depth 8, colour type 3, deflate, filter 0, no interlace
  const rows = Buffer.alloc(h * (w + 1));
  for (let r = 0; r < h; r++) {
    rows[r * (w + 1)] = 0; // filter type None
    for (let c = 0; c < w; c++) rows[r * (w + 1) + 1 + c] = indices[r * w + c]!;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from(palette.flat())),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Writes `bytes` to `file`, creating its folder. */
export async function put(file: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bytes);
}
