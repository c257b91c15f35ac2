/** Shannon entropy helpers (natural log, nats; `0 log 0 = 0`). Internal. */

/** `-sum_k p_k log p_k` of row `i` of a row-major matrix with `cols` columns. */
export function rowEntropy(data: ArrayLike<number>, i: number, cols: number): number {
  let h = 0;
  for (let k = 0; k < cols; k++) {
    const p = data[i * cols + k]!;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
