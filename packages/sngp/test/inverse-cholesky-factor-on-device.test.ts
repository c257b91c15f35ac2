import * as tf from '@tensorflow/tfjs-core';
import { CholeskyDecomposition, inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { inverseCholeskyFactorOnDevice } from '../src/inverse-cholesky-factor-on-device.js';
import { expectNoLeak, normals } from './helpers.js';

/** `A^T A + ridge I` for a seeded `[rows, n]` normal `A`: symmetric positive definite. */
function spd(n: number, rows: number, seed: number, ridge: number): Matrix {
  const a = Matrix.from1DArray(rows, n, Array.from(normals(rows * n, seed)));
  return a.transpose().mmul(a).add(Matrix.eye(n, n).mul(ridge));
}

/** `L^{-1}` in float64 by ml-matrix's Cholesky and an explicit inverse: the independent reference. */
function reference(p: Matrix): Matrix {
  const lower = new CholeskyDecomposition(p).lowerTriangularMatrix;
  return inverse(lower);
}

async function onDevice(matrices: Matrix[]): Promise<Matrix[]> {
  const n = matrices[0]!.rows;
  const input = tf.tensor3d(
    matrices.flatMap((m) => m.to1DArray()),
    [matrices.length, n, n],
  );
  const factor = inverseCholeskyFactorOnDevice(input);
  const values = await factor.data();
  tf.dispose([input, factor]);
  return matrices.map((_, p) =>
    Matrix.from1DArray(n, n, Array.from(values.subarray(p * n * n, (p + 1) * n * n))),
  );
}

function maxAbs(m: Matrix): number {
  return Math.max(...m.to1DArray().map(Math.abs));
}

describe('inverseCholeskyFactorOnDevice', () => {
  it('matches the float64 L^{-1} of ml-matrix and whitens P, for each matrix of a stack', async () => {
    const n = 20;
    // Condition numbers ~1e2 to ~1e3 (A^T A of 30 x 20 and 60 x 20 normals plus a ridge).
    const ps = [spd(n, 30, 3, 0.1), spd(n, 60, 4, 1)];
    const xs = await onDevice(ps);
    for (let p = 0; p < ps.length; p++) {
      const x = xs[p]!;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(x.get(i, j)).toBe(0);
      const expected = reference(ps[p]!);
      // Float32 elimination: measured 3e-7 of the largest entry (wasm and lavapipe); 1e-5 leaves room.
      expect(maxAbs(x.clone().sub(expected))).toBeLessThan(1e-5 * maxAbs(expected));
      const identity = x.mmul(ps[p]!).mmul(x.transpose());
      expect(maxAbs(identity.sub(Matrix.eye(n, n)))).toBeLessThan(1e-5);
    }
  });

  it('symmetrizes its input as (P + P^T) / 2', async () => {
    const p = spd(6, 10, 5, 0.5);
    const skewed = p.clone();
    skewed.set(0, 1, p.get(0, 1) + 0.25);
    skewed.set(1, 0, p.get(1, 0) - 0.25);
    const [a, b] = [(await onDevice([p]))[0]!, (await onDevice([skewed]))[0]!];
    expect(maxAbs(a.sub(b))).toBeLessThan(1e-6);
  });

  it('gives non-finite values, not a wrong factor, for a matrix that is not positive definite', async () => {
    const [x] = await onDevice([Matrix.eye(3, 3).mul(-1)]);
    expect(x!.to1DArray().some((v) => !Number.isFinite(v))).toBe(true);
  });

  it('leaves no tensors behind', () => {
    const input = tf.tensor3d(spd(5, 8, 6, 1).to1DArray(), [1, 5, 5]);
    expectNoLeak(() => inverseCholeskyFactorOnDevice(input));
    input.dispose();
  });
});
