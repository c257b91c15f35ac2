/**
 * Test reference (float64): `log sum_s exp(l[s, c])` over the leading sample axis of `l`
 * `[samples, width]` (row-major), shifted by the column maximum so nothing overflows.
 */
export function logSumExpOverSamples64(
  l: Float64Array,
  samples: number,
  width: number,
): Float64Array {
  const lse = new Float64Array(width);
  for (let c = 0; c < width; c++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < samples; s++) max = Math.max(max, l[s * width + c]!);
    let sum = 0;
    for (let s = 0; s < samples; s++) sum += Math.exp(l[s * width + c]! - max);
    lse[c] = max + Math.log(sum);
  }
  return lse;
}
