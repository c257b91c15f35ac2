import { DataError, UqjsError } from '@uqjs/core';

/**
 * PNG and JPEG decoding for the segmentation loaders, by the maintained pure-JavaScript
 * decoders `pngjs` and `jpeg-js`. Like the Node modules of the other loaders (see
 * `node-modules.ts`), both are imported when a loader runs, through a variable specifier that
 * browser bundlers leave alone, never when the package is imported.
 */

/** A decoded image: row-major `[H, W, 4]` RGBA bytes. */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  /** `[H, W, 4]` RGBA, 8 bits a channel. */
  readonly data: Uint8Array;
}

/** A decoded class-id mask: row-major `[H, W]` raw values. */
export interface RawMask {
  readonly width: number;
  readonly height: number;
  /** `[H, W]`: the palette index of a palette PNG, the grey value of a greyscale PNG. */
  readonly values: Uint8Array;
}

/**
 * The two functions used of the decoders (written out rather than taken from their type
 * packages, so the package's declarations need neither).
 */
export interface Codecs {
  /** pngjs's `PNG.sync.read`. */
  readonly readPng: (bytes: Uint8Array, options: { skipRescale: boolean }) => unknown;
  /** jpeg-js's `decode`. */
  readonly decodeJpeg: (
    bytes: Uint8Array,
    options: {
      useTArray: true;
      formatAsRGBA: true;
      tolerantDecoding: boolean;
      maxResolutionInMP: number;
      maxMemoryUsageInMB: number;
    },
  ) => { width: number; height: number; data: Uint8Array };
}

/** The parts of the two CommonJS modules used (named exports, or the same on `default`). */
interface PngModule {
  readonly PNG?: { readonly sync: { read(buffer: Uint8Array, options: object): unknown } };
  readonly default?: PngModule;
}
interface JpegModule {
  readonly decode?: Codecs['decodeJpeg'];
  readonly default?: JpegModule;
}

/** Imports `pngjs` and `jpeg-js` (cheap after the first call: `import()` caches modules). */
export async function importCodecs(fn: string): Promise<Codecs> {
  const [pngjs, jpegjs] = await Promise.all([
    importPackage<PngModule>('pngjs', fn),
    importPackage<JpegModule>('jpeg-js', fn),
  ]);
  const png = pngjs.PNG ?? pngjs.default?.PNG;
  const decode = jpegjs.decode ?? jpegjs.default?.decode;
  if (png === undefined || decode === undefined) {
    throw new UqjsError(`${fn}: pngjs or jpeg-js lacks PNG.sync.read or decode; reinstall them`);
  }
  return {
    // pngjs reads a Buffer (it calls Buffer methods on it); a view of the same bytes.
    readPng: (bytes, options) =>
      png.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options),
    decodeJpeg: decode,
  };
}

async function importPackage<T>(specifier: string, fn: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
  } catch (error) {
    throw new UqjsError(
      `${fn}: could not import ${specifier} (${(error as Error).message}); the segmentation ` +
        'loaders decode PNG and JPEG files with pngjs and jpeg-js and run in Node.js only',
    );
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SOI = [0xff, 0xd8];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * Most megapixels and megabytes `jpeg-js` may use for one image: far above any file of the
 * supported sets (Cityscapes' 2048x1024 is 2.1 MP), low enough that a corrupt header cannot
 * make it allocate gigabytes.
 */
const JPEG_LIMITS = { maxResolutionInMP: 64, maxMemoryUsageInMB: 1024 } as const;

/** Decodes a PNG or a JPEG (told apart by their signatures) into RGBA. */
export function decodeImage(codecs: Codecs, bytes: Uint8Array, file: string, fn: string): Rgba {
  if (startsWith(bytes, PNG_SIGNATURE)) {
    const png = readPng(codecs, bytes, false, file, fn);
    return { width: png.width, height: png.height, data: png.data };
  }
  if (startsWith(bytes, JPEG_SOI)) {
    let decoded: { width: number; height: number; data: Uint8Array };
    try {
      decoded = codecs.decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        ...JPEG_LIMITS,
      });
    } catch (error) {
      throw corrupt(file, 'JPEG', error, fn);
    }
    if (decoded.width < 1 || decoded.height < 1) {
      throw new DataError(`${fn}: ${file} is a JPEG of ${decoded.width}x${decoded.height} pixels`);
    }
    return decoded;
  }
  throw new DataError(
    `${fn}: ${file} is neither a PNG nor a JPEG (its first bytes are neither signature)`,
  );
}

/**
 * Decodes a class-id mask: a palette PNG gives each pixel's palette index (VOC), an 8-bit (or
 * lower) greyscale PNG its grey value (Cityscapes, CamVid). `pngjs` expands a palette into
 * colours, so the index is found again from the pixel's colour in the file's palette; where
 * several entries share a colour the lowest index is taken (the VOC palette's 256 colours are
 * all distinct).
 */
export function decodeMask(codecs: Codecs, bytes: Uint8Array, file: string, fn: string): RawMask {
  if (!startsWith(bytes, PNG_SIGNATURE)) {
    throw new DataError(`${fn}: ${file} is not a PNG (a mask must be a palette or greyscale PNG)`);
  }
  // skipRescale keeps the raw values of 1-, 2- and 4-bit greys (class ids, not intensities).
  const png = readPng(codecs, bytes, true, file, fn);
  const pixels = png.width * png.height;
  const values = new Uint8Array(pixels);
  const rgba = png.data;
  if (png.colorType === 3) {
    const index = new Map<number, number>();
    png.palette.forEach(([r, g, b, a], i) => {
      const key = colourKey(r, g, b, a);
      if (!index.has(key)) index.set(key, i);
    });
    for (let p = 0; p < pixels; p++) {
      const q = 4 * p;
      // Every pixel's colour is a palette entry: pngjs refuses indices past the palette.
      values[p] = index.get(colourKey(rgba[q]!, rgba[q + 1]!, rgba[q + 2]!, rgba[q + 3]!))!;
    }
  } else if ((png.colorType === 0 || png.colorType === 4) && png.depth <= 8) {
    for (let p = 0; p < pixels; p++) values[p] = rgba[4 * p]!;
  } else {
    throw new DataError(
      `${fn}: ${file} is a ${png.depth}-bit PNG of colour type ${png.colorType}; a mask must be a ` +
        'palette PNG (colour type 3) or an 8-bit greyscale PNG (colour type 0) of class ids',
    );
  }
  return { width: png.width, height: png.height, values };
}

function colourKey(r: number, g: number, b: number, a: number): number {
  return ((a * 256 + r) * 256 + g) * 256 + b;
}

/** What `PNG.sync.read` returns: the header fields, the palette of a palette PNG, RGBA data. */
interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly palette: readonly (readonly [number, number, number, number])[];
  readonly data: Uint8Array;
}

function readPng(
  codecs: Codecs,
  bytes: Uint8Array,
  skipRescale: boolean,
  file: string,
  fn: string,
): DecodedPng {
  let png: DecodedPng;
  try {
    png = codecs.readPng(bytes, { skipRescale }) as DecodedPng;
  } catch (error) {
    throw corrupt(file, 'PNG', error, fn);
  }
  if (png.width < 1 || png.height < 1 || png.data.length !== 4 * png.width * png.height) {
    throw new DataError(`${fn}: ${file} decodes to no ${png.width}x${png.height} RGBA image`);
  }
  return png;
}

function corrupt(file: string, format: string, error: unknown, fn: string): DataError {
  const why = error instanceof Error ? error.message : String(error);
  return new DataError(`${fn}: ${file} is not a readable ${format} (${why})`);
}
