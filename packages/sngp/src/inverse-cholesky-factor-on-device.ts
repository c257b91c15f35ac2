import {
  add,
  cast,
  concat,
  div,
  expandDims,
  eye,
  greater,
  mul,
  range,
  rsqrt,
  slice,
  sub,
  sum,
  type Tensor,
  type Tensor3D,
  tidy,
  tile,
  transpose,
} from '@tensorflow/tfjs-core';

/**
 * For a stack of symmetric positive-definite matrices `P_p` (`[count, n, n]`), returns
 * `X_p = L_p^{-1}` (`[count, n, n]`, lower triangular) where `P_p = L_p L_p^T` is the Cholesky
 * factorization, with tensor ops only: the values never leave the backend, so this runs on
 * GPU backends that cannot read back synchronously (webgpu). Float32 arithmetic; the host
 * version {@link inverseCholeskyFactor} works in float64.
 *
 * Method: Gaussian elimination without pivoting (stable for symmetric positive-definite
 * matrices) on the augmented `[P | I]`, `[count, n, 2n]`. Step `j` subtracts
 * `m_i = M[i, j] / M[j, j]` times row `j` from every row `i > j`, so after `n` steps
 * `[P | I]` becomes `[U | Y]` with `Y P = U` upper triangular and `Y` unit lower triangular:
 * `P = Y^{-1} D Y^{-T}` with `D = diag(U)` (the pivots), so `L^{-1} = D^{-1/2} Y`. `n` steps of
 * 8 ops on fixed shapes (the same kernels every step); `O(n^3)` work.
 *
 * `P` is symmetrized as `(P + P^T) / 2` first, as the host version does. There is no
 * positive-definiteness check (it would need a read): a matrix that is not positive definite
 * gives NaN or infinite values.
 *
 * @param precision - Symmetric positive-definite matrices, `[count, n, n]`.
 * @returns `L^{-1}` for each, `[count, n, n]`; a new tensor the caller disposes.
 */
export function inverseCholeskyFactorOnDevice(precision: Tensor3D): Tensor3D {
  const [count, n] = precision.shape;
  return tidy(() => {
    const symmetric = mul(add(precision, transpose(precision, [0, 2, 1])), 0.5);
    const identities = tile(expandDims(eye(n), 0), [count, 1, 1]);
    // below[i, j] = 1 where i > j: column j selects the rows that step j eliminates, [n, n].
    const index = range(0, n);
    const below = cast(greater(expandDims(index, 1), expandDims(index, 0)), 'float32');
    let augmented: Tensor = concat([symmetric, identities], 2); // [count, n, 2n]
    for (let j = 0; j < n; j++) {
      const next = tidy(() => {
        const row = slice(augmented, [0, j, 0], [count, 1, 2 * n]); // [count, 1, 2n]
        const pivot = slice(row, [0, 0, j], [count, 1, 1]); // [count, 1, 1]
        const column = slice(augmented, [0, 0, j], [count, n, 1]); // [count, n, 1]
        const rows = slice(below, [0, j], [n, 1]); // [n, 1]
        const multipliers = div(mul(column, rows), pivot); // m_i, zero for i <= j
        return sub(augmented, mul(multipliers, row)); // rank-one row update, [count, n, 2n]
      });
      augmented.dispose();
      augmented = next;
    }
    // The pivots D = diag(U), [count, n, 1]; Y is the right half.
    const upper = slice(augmented, [0, 0, 0], [count, n, n]);
    const pivots = sum(mul(upper, eye(n)), 2, true);
    const unitLower = slice(augmented, [0, 0, n], [count, n, n]);
    return mul(unitLower, rsqrt(pivots)) as Tensor3D;
  });
}
