import { expandDims, slice, type Tensor, tile } from '@tensorflow/tfjs-core';
import { ShapeError } from '@uqjs/core';

/**
 * Checks the input `x` `[N, ...shape]` of a MIMO prediction (rank >= 2, `N >= 1`; internal).
 */
export function checkMimoInput(x: Tensor, fn: string): void {
  if (
    x === null ||
    typeof x !== 'object' ||
    !Array.isArray(x.shape) ||
    x.rank < 2 ||
    x.shape[0] === 0
  ) {
    throw new ShapeError({
      fn,
      argument: 'x',
      expected: 'a tensor [N, ...shape] of rank >= 2 with N >= 1',
      given: x,
    });
  }
}

/**
 * Runs `run` on each batch of `batchSize` rows of `x` `[N, ...shape]` tiled to every member,
 * `[b, M, ...shape]`, and returns the results in row order (internal; call inside `tidy`).
 */
export function mapTiledBatches(
  x: Tensor,
  members: number,
  batchSize: number,
  run: (tiled: Tensor) => Tensor,
): Tensor[] {
  const rows = x.shape[0]!;
  const results: Tensor[] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const size = Math.min(batchSize, rows - start);
    // Rows [start, start + size) along axis 0, all other axes whole.
    const xb = size === rows ? x : slice(x, [start], [size]);
    // [b, ...shape] -> [b, 1, ...shape] -> [b, M, ...shape]: every member sees the same row.
    results.push(run(tile(expandDims(xb, 1), [1, members, ...xb.shape.slice(1).map(() => 1)])));
  }
  return results;
}
