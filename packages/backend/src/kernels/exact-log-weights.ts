/**
 * The fused MC softmax kernels' exact path (softmax-log-mean-exp.ts), column by column and row
 * by row: only where a log-weight falls below {@link LOWEST_FAST}. The fast forms read the
 * per-sample softmax `p_s` (float32): `lse = log sum_s p_s` and `w_s = exp(l_s - lse) = p_s
 * exp(-lse)`, exact while `lse >= -60` (`exp(-lse) <= e^60` cannot overflow, and a sample whose
 * `p_s` underflows float32, `l_s < -87`, has a weight below `e^-27 ~ 2e-12` of the total 1).
 * A confident model has many classes below that (every class it rules out): those columns, and
 * in the backward pass the rows they meet where `dy` is not 0, are computed here in double
 * precision from the latents, the rest stays on the fast path.
 *
 * Legend: `S` samples, `width` the values of one sample (`R` rows of `K` classes), a column `c`
 * one of them, row `r = floor(c / K)`.
 */

/** Log-weights below this take the exact path. */
export const LOWEST_FAST = -60;
const SMALLEST_FAST = Math.exp(LOWEST_FAST);

/** The latent at flat index `i` of `[S, ..., K]` (stored, or formed as `loc + scale u`). */
export type LatentAt = (i: number) => number;

/** `log sum_k exp(x_k)` of the row of `classes` latents from flat index `o`, in double. */
function rowLogSumExp(latentAt: LatentAt, o: number, classes: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < classes; k++) max = Math.max(max, latentAt(o + k));
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += Math.exp(latentAt(o + k) - max);
  return max + Math.log(sum);
}

/**
 * `log sum_k exp(x_k)` of the row at flat index `o` from its softmax `p`: `max_k x - log max_k p`
 * (the largest `p` is `1 / sum_k exp(x_k - max)`, at least `1 / K`, so it cannot underflow and
 * its float32 rounding moves the logarithm by ~6e-8).
 */
function rowLogSumExpFromSoftmax(
  latentAt: LatentAt,
  p: Float32Array,
  o: number,
  classes: number,
): number {
  let max = Number.NEGATIVE_INFINITY;
  let largest = 0;
  for (let k = 0; k < classes; k++) {
    max = Math.max(max, latentAt(o + k));
    largest = Math.max(largest, p[o + k]!);
  }
  return max - Math.log(largest);
}

/**
 * `lse = log sum_s exp(l_s)` `[width]` in place of `sums = sum_s p_s`, from the per-sample
 * softmax `p` `[S, ..., K]`: `log sum_s p_s` where `sums >= S e^-60` (so `max_s l_s >= -60`; NaN
 * stays NaN), else `m + log sum_s exp(l_s - m)`, `m = max_s l_s`, with the log-softmax
 * `l_s = x_s - log sum_k exp(x_s)` of the column's row in double precision (its log-sum-exp
 * once per row that has such a column and sample, from `p`).
 */
export function logSumExpOverSamples(
  sums: Float32Array,
  p: Float32Array,
  samples: number,
  classes: number,
  latentAt: LatentAt,
): void {
  const width = sums.length;
  const exactByRow = new Map<number, number[]>();
  for (let c = 0; c < width; c++) {
    if (sums[c]! < samples * SMALLEST_FAST) {
      const row = Math.floor(c / classes);
      const columns = exactByRow.get(row);
      if (columns === undefined) exactByRow.set(row, [c]);
      else columns.push(c);
    } else {
      sums[c] = Math.log(sums[c]!);
    }
  }
  if (exactByRow.size === 0) return;
  const shifts = new Float64Array(samples);
  for (const [row, columns] of exactByRow) {
    for (let s = 0; s < samples; s++) {
      shifts[s] = rowLogSumExpFromSoftmax(latentAt, p, s * width + row * classes, classes);
    }
    for (const c of columns) {
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < samples; s++) max = Math.max(max, latentAt(s * width + c) - shifts[s]!);
      let sum = 0;
      for (let s = 0; s < samples; s++) sum += Math.exp(latentAt(s * width + c) - shifts[s]! - max);
      sums[c] = max + Math.log(sum);
    }
  }
}

/**
 * The fast backward pass's per-column factor `g = dy exp(-lse)` `[width]`, and the rows it
 * cannot serve: a column with `dy = 0` adds nothing to any row (`g = 0`, whatever its `lse`); one
 * with `dy != 0` and `lse < -60` makes its row exact. Every column of an exact row gets `g = 0`,
 * so the fast pass adds exactly nothing there (`p (0 - sum_k p 0) = 0`). Returns the exact rows
 * (`r` within one sample).
 */
export function fastGradientFactors(
  lse: Float32Array,
  dy: Float32Array,
  g: Float32Array,
  classes: number,
): number[] {
  const exactRows = new Set<number>();
  for (let c = 0; c < lse.length; c++) {
    if (dy[c] === 0) g[c] = 0;
    else if (lse[c]! < LOWEST_FAST) exactRows.add(Math.floor(c / classes));
    else g[c] = dy[c]! * Math.exp(-lse[c]!);
  }
  for (const row of exactRows) g.fill(0, row * classes, (row + 1) * classes);
  return [...exactRows];
}

/**
 * `dx_s = a_s - p_s sum_k a_s[k]`, `a_s = exp(l_s - lse) dy`, of the row of `classes` values at
 * flat index `o` (column offset `c0 = o % width`) into `out[at ..]`, with the log-softmax `l_s`
 * of the latents in double precision. `l_s <= lse` (the log-sum-exp over the samples bounds
 * each term), so `exp` cannot overflow and a `dy` of 0 gives 0.
 */
export function exactRowGradient(
  latentAt: LatentAt,
  p: Float32Array,
  lse: Float32Array,
  dy: Float32Array,
  o: number,
  c0: number,
  classes: number,
  out: Float32Array,
  at: number,
): void {
  const shift = rowLogSumExp(latentAt, o, classes);
  let total = 0;
  for (let k = 0; k < classes; k++) {
    const a = Math.exp(latentAt(o + k) - shift - lse[c0 + k]!) * dy[c0 + k]!;
    out[at + k] = a;
    total += out[at + k]!;
  }
  for (let k = 0; k < classes; k++) out[at + k] = out[at + k]! - p[o + k]! * total;
}

/** The fast backward pass in JavaScript (where WebAssembly cannot run): `dx = p (g - sum_k p g)`. */
export function fastRowsGradient(
  p: Float32Array,
  g: Float32Array,
  classes: number,
  dx: Float32Array,
): void {
  const width = g.length;
  for (let o = 0; o < p.length; o += classes) {
    const c0 = o % width;
    let total = 0;
    for (let k = 0; k < classes; k++) total += p[o + k]! * g[c0 + k]!;
    for (let k = 0; k < classes; k++) dx[o + k] = p[o + k]! * (g[c0 + k]! - total);
  }
}
