import { checkInteger } from '@uqjs/core';
import { checkRange } from './toy-set.js';

/**
 * A grid of 2-D points.
 *
 * @since 0.1.0
 */
export interface Grid {
  /** `[n * n, 2]` row-major points: point `i` is `(xs[i % n], ys[floor(i / n)])`. */
  readonly x: Float32Array;
  /** `[n * n, 2]`. */
  readonly shape: readonly [number, number];
  /** `[n]` the x coordinates, evenly spaced from `xRange[0]` to `xRange[1]`. */
  readonly xs: Float32Array;
  /** `[n]` the y coordinates. */
  readonly ys: Float32Array;
}

/**
 * An `n x n` grid over `xRange x yRange` (ends included) for plotting uncertainty surfaces,
 * by default the SNGP tutorial's `[-3.5, 3.5] x [-2.5, 2.5]`, 100 x 100. Points go x fastest,
 * so predictions on `x` reshape to an `[n, n]` image whose rows are the y values
 * (like numpy's `meshgrid` then `flatten`).
 *
 * @example
 * ```ts
 * const grid = makeGrid([-3.5, 3.5], [-2.5, 2.5], 100); // grid.x [10000, 2]
 * ```
 * @since 0.1.0
 */
export function makeGrid(
  xRange: readonly [number, number] = [-3.5, 3.5],
  yRange: readonly [number, number] = [-2.5, 2.5],
  n = 100,
): Grid {
  const fn = 'makeGrid';
  const [x0, x1] = checkRange(xRange, 'xRange', fn);
  const [y0, y1] = checkRange(yRange, 'yRange', fn);
  checkInteger(n, 'n', fn, 2);
  const xs = Float32Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const ys = Float32Array.from({ length: n }, (_, i) => y0 + ((y1 - y0) * i) / (n - 1));
  const x = new Float32Array(2 * n * n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      x[2 * (row * n + col)] = xs[col]!;
      x[2 * (row * n + col) + 1] = ys[row]!;
    }
  }
  return { x, shape: [n * n, 2], xs, ys };
}
