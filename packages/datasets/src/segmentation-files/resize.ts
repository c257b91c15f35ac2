/**
 * Resizing for the segmentation loaders, with half-pixel centres (as `tf.image.resizeBilinear`
 * with `halfPixelCenters: true`, and OpenCV's `INTER_LINEAR`): output pixel `d` of an axis of
 * `n -> m` pixels sits at source coordinate `(d + 0.5) * n / m - 0.5`, so the outer edges of
 * the two images coincide and nothing shifts by half a pixel.
 */

/**
 * Bilinear resize of an 8-bit RGBA image `[h, w, 4]` to `[outH, outW, 3]` float32 values in
 * `[0, 1]` (the channels divided by 255; alpha dropped), written to `out` from `offset`.
 * A source coordinate past the first or last pixel centre is clamped to it. At the same size
 * every output pixel sits on its source pixel (weights 0), so the values are copied exactly.
 */
export function resizeBilinearRgb(
  rgba: Uint8Array,
  h: number,
  w: number,
  outH: number,
  outW: number,
  out: Float32Array,
  offset: number,
): void {
  const rows = sampleAxis(h, outH);
  const cols = sampleAxis(w, outW);
  for (let y = 0; y < outH; y++) {
    const r0 = rows.lo[y]! * w;
    const r1 = rows.hi[y]! * w;
    const fy = rows.frac[y]!;
    for (let x = 0; x < outW; x++) {
      const c0 = cols.lo[x]!;
      const c1 = cols.hi[x]!;
      const fx = cols.frac[x]!;
      const p00 = 4 * (r0 + c0);
      const p01 = 4 * (r0 + c1);
      const p10 = 4 * (r1 + c0);
      const p11 = 4 * (r1 + c1);
      const to = offset + 3 * (y * outW + x);
      for (let ch = 0; ch < 3; ch++) {
        const top = rgba[p00 + ch]! + fx * (rgba[p01 + ch]! - rgba[p00 + ch]!);
        const bottom = rgba[p10 + ch]! + fx * (rgba[p11 + ch]! - rgba[p10 + ch]!);
        out[to + ch] = (top + fy * (bottom - top)) / 255;
      }
    }
  }
}

/**
 * Nearest-neighbour resize of a `[h, w]` mask to `[outH, outW]` (each output pixel takes the
 * source pixel whose cell holds its centre, so labels are never blended), written to `out`
 * from `offset`.
 */
export function resizeNearest(
  mask: Uint8Array,
  h: number,
  w: number,
  outH: number,
  outW: number,
  out: Uint8Array,
  offset: number,
): void {
  const rows = nearestAxis(h, outH);
  const cols = nearestAxis(w, outW);
  for (let y = 0; y < outH; y++) {
    const row = rows[y]! * w;
    const to = offset + y * outW;
    for (let x = 0; x < outW; x++) out[to + x] = mask[row + cols[x]!]!;
  }
}

/** Per output pixel of an `n -> m` axis: the two source pixels and the weight of the second. */
function sampleAxis(n: number, m: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(m);
  const hi = new Int32Array(m);
  const frac = new Float64Array(m);
  const scale = n / m;
  for (let d = 0; d < m; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), n - 1);
    lo[d] = Math.floor(s);
    hi[d] = Math.min(lo[d]! + 1, n - 1);
    frac[d] = s - lo[d]!;
  }
  return { lo, hi, frac };
}

/** Per output pixel of an `n -> m` axis: the source pixel whose cell holds its centre. */
function nearestAxis(n: number, m: number): Int32Array {
  const at = new Int32Array(m);
  const scale = n / m;
  for (let d = 0; d < m; d++) at[d] = Math.min(Math.floor((d + 0.5) * scale), n - 1);
  return at;
}
