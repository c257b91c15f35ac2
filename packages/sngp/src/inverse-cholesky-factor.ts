import { UqjsError } from '@uqjs/core';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/**
 * For a symmetric positive-definite `n x n` matrix `P` (row-major, read from `offset`),
 * returns `L^{-1}` (row-major, lower triangular) where `P = L L^T` is its Cholesky
 * factorization, computed in float64 by ml-matrix. Then `P^{-1} = L^{-T} L^{-1}`, so
 * `phi^T P^{-1} phi = ||L^{-1} phi||^2`: a sum of squares, never negative.
 *
 * `P` is symmetrized as `(P + P^T) / 2` first, so float32 round-off in an accumulated
 * `Phi^T Phi` cannot break the factorization. Throws a `UqjsError` naming `fn` if `P` is
 * not positive definite.
 */
export function inverseCholeskyFactor(
  matrix: ArrayLike<number>,
  n: number,
  fn: string,
  offset = 0,
): Float32Array {
  const symmetric = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pij = matrix[offset + i * n + j]!;
      const pji = matrix[offset + j * n + i]!;
      symmetric.set(i, j, (pij + pji) / 2);
    }
  }
  const cholesky = new CholeskyDecomposition(symmetric);
  if (!cholesky.isPositiveDefinite()) {
    throw new UqjsError(
      `${fn}: the precision matrix is not positive definite; use a larger gpCovRidgePenalty`,
    );
  }
  return invertLowerTriangular(cholesky.lowerTriangularMatrix, n);
}

/**
 * `L^{-1}` of a lower-triangular `L` by forward substitution, one row at a time:
 * row `i` of `X = L^{-1}` is `(e_i - sum_{k < i} L[i, k] X[k, :]) / L[i, i]`.
 */
function invertLowerTriangular(lower: Matrix, n: number): Float32Array {
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < i; k++) {
      const lik = lower.get(i, k);
      if (lik === 0) continue;
      for (let j = 0; j <= k; j++) x[row + j]! -= lik * x[k * n + j]!;
    }
    x[row + i]! += 1;
    const diagonal = lower.get(i, i);
    for (let j = 0; j <= i; j++) x[row + j]! /= diagonal;
  }
  return Float32Array.from(x);
}
