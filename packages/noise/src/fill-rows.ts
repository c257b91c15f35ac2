import { type Seed, wasmApi } from '@uqjs/core';
import { RowBits } from './row-bits.js';
import { createWasmRowFill, type WasmRowFill } from './wasm-fill.js';
import { zigguratNormal } from './ziggurat.js';

/**
 * Filling noise buffers row by row (internal). `out` is read as rows of `rowLength` values;
 * row `r` of `out` is row `firstRow + r` of the noise drawn with `seed`, from its own stream
 * `RowBits.forRow(seed, firstRow + r)`. The fills run in WebAssembly (`wasm-fill.ts`, the same
 * numbers bit for bit) where it is available; the JavaScript fills below are the fallback and
 * the reference. They reuse one `RowBits`, reseeded per row, so no row allocates, and are
 * written out separately (rather than one loop taking a draw callback) because the monomorphic
 * loops are ~1.5x faster in V8.
 */

let wasmFill: WasmRowFill | null | undefined;

/** The WebAssembly fills, compiled on first use (a module of a few KB); `null` without wasm. */
function wasmRowFill(): WasmRowFill | null {
  if (wasmFill === undefined) wasmFill = createWasmRowFill(wasmApi());
  return wasmFill;
}

function numRows(out: Float32Array, rowLength: number): number {
  return rowLength === 0 ? 0 : out.length / rowLength;
}

/** Fills `out` with standard normal draws (ziggurat). */
export function fillNormalRows(
  out: Float32Array,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array {
  if (wasmRowFill()?.fill('normal', out, rowLength, firstRow, seed)) return out;
  return fillNormalRowsJs(out, rowLength, firstRow, seed);
}

/** Fills `out` with uniform draws in `(0, 1)` (see `RowBits.uniform`). */
export function fillUniformRows(
  out: Float32Array,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array {
  if (wasmRowFill()?.fill('uniform', out, rowLength, firstRow, seed)) return out;
  return fillUniformRowsJs(out, rowLength, firstRow, seed);
}

/**
 * `size` draws of `kind` (rows of `rowLength` from `firstRow`, as the fills above) in the
 * WebAssembly module's memory, without a copy: a view valid only until the next fill or draw,
 * for a caller that copies it at once (a backend that copies a new tensor's values into its own
 * memory). `null` where the WebAssembly fills cannot take it (the caller fills a buffer then).
 */
export function drawRowsView(
  kind: 'normal' | 'uniform',
  size: number,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array | null {
  return wasmRowFill()?.view(kind, size, rowLength, firstRow, seed) ?? null;
}

/** `fillNormalRows` in JavaScript. */
export function fillNormalRowsJs(
  out: Float32Array,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array {
  const bits = new RowBits(0);
  for (let r = 0; r < numRows(out, rowLength); r++) {
    bits.reseedRow(seed, firstRow + r);
    for (let i = r * rowLength; i < (r + 1) * rowLength; i++) out[i] = zigguratNormal(bits);
  }
  return out;
}

/** `fillUniformRows` in JavaScript. */
export function fillUniformRowsJs(
  out: Float32Array,
  rowLength: number,
  firstRow: number,
  seed: Seed,
): Float32Array {
  const bits = new RowBits(0);
  for (let r = 0; r < numRows(out, rowLength); r++) {
    bits.reseedRow(seed, firstRow + r);
    for (let i = r * rowLength; i < (r + 1) * rowLength; i++) out[i] = bits.uniform();
  }
  return out;
}
