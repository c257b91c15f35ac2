import { UqjsError } from '@uqjs/core';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { inverseCholeskyFactor } from '../src/inverse-cholesky-factor.js';
import { normals } from './helpers.js';

describe('inverseCholeskyFactor', () => {
  const n = 12;
  // P = A^T A + 0.1 I: symmetric positive definite.
  const a = Matrix.from1DArray(20, n, Array.from(normals(20 * n, 3)));
  const p = a.transpose().mmul(a).add(Matrix.eye(n, n).mul(0.1));

  it('returns the lower-triangular X = L^{-1} with X P X^T = I', () => {
    const x = Matrix.from1DArray(n, n, Array.from(inverseCholeskyFactor(p.to1DArray(), n, 'test')));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(x.get(i, j)).toBe(0);
    const identity = x.mmul(p).mmul(x.transpose());
    // X is rounded to float32 (relative 6e-8); P's condition number here is ~1e3.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++)
        expect(Math.abs(identity.get(i, j) - (i === j ? 1 : 0))).toBeLessThan(1e-4);
    }
  });

  it('reads the matrix at an offset and symmetrizes it', () => {
    const values = p.to1DArray();
    const skewed = p.clone();
    skewed.set(0, 1, p.get(0, 1) + 0.5);
    skewed.set(1, 0, p.get(1, 0) - 0.5);
    const padded = [7, 7, 7, ...skewed.to1DArray()];
    expect(Array.from(inverseCholeskyFactor(padded, n, 'test', 3))).toEqual(
      Array.from(inverseCholeskyFactor(values, n, 'test')),
    );
  });

  it('throws a UqjsError naming the caller when the matrix is not positive definite', () => {
    const indefinite = Matrix.eye(3, 3).mul(-1).to1DArray();
    expect(() => inverseCholeskyFactor(indefinite, 3, 'myLayer')).toThrow(UqjsError);
    expect(() => inverseCholeskyFactor(indefinite, 3, 'myLayer')).toThrow(
      'myLayer: the precision matrix is not positive definite',
    );
  });
});
