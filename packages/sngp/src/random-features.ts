import { deriveSeed, Rng } from '@uqjs/core';
import { Matrix, QrDecomposition } from 'ml-matrix';

/** How random Fourier frequencies are drawn: iid Gaussian, or orthogonal blocks. */
export type RandomFeatureKind = 'rff' | 'orf';

/** Frozen parameters of `phi(x) = cos(x W + b)`. */
export interface RandomFeatureWeights {
  /** `W`, `[inputDim, numFeatures]` row-major; column `l` is the frequency vector `w_l`. */
  readonly frequencies: Float32Array;
  /** `b`, `[numFeatures]`, iid uniform on `[0, 2 pi)`. */
  readonly phases: Float32Array;
}

/**
 * Draws the frozen weights of random Fourier features for the RBF kernel
 * `k(x, x') = exp(-||x - x'||^2 / 2)` (Rahimi and Recht, 2007):
 * `E_w,b[2 cos(w.x + b) cos(w.x' + b)] = k(x, x')` when `w ~ N(0, I)` and `b ~ U[0, 2 pi)`.
 *
 * - `'rff'`: every `w_l` iid `N(0, I_D)`.
 * - `'orf'`: orthogonal random features (Yu et al., 2016): blocks of `D` frequencies that are
 *   mutually orthogonal, each a uniformly random direction (rows of a Haar orthogonal matrix,
 *   from the QR factorization of a Gaussian matrix with the signs of `diag(R)` folded in)
 *   scaled by an independent chi(`D`) length, so every `w_l` is still marginally
 *   `N(0, I_D)` and the estimate stays unbiased, with lower variance. The last block is cut
 *   to fill `numFeatures`.
 *
 * Drawn in JavaScript from `seed`, so the features are the same on every backend.
 */
export function sampleRandomFeatures(
  kind: RandomFeatureKind,
  inputDim: number,
  numFeatures: number,
  seed: number,
): RandomFeatureWeights {
  const frequencies =
    kind === 'rff'
      ? gaussianFrequencies(inputDim, numFeatures, new Rng(deriveSeed(seed, 'frequencies')))
      : orthogonalFrequencies(inputDim, numFeatures, new Rng(deriveSeed(seed, 'frequencies')));
  const phaseRng = new Rng(deriveSeed(seed, 'phases'));
  const phases = new Float32Array(numFeatures);
  for (let l = 0; l < numFeatures; l++) phases[l] = 2 * Math.PI * phaseRng.uniform();
  return { frequencies, phases };
}

function gaussianFrequencies(inputDim: number, numFeatures: number, rng: Rng): Float32Array {
  const out = new Float32Array(inputDim * numFeatures);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function orthogonalFrequencies(inputDim: number, numFeatures: number, rng: Rng): Float32Array {
  const out = new Float32Array(inputDim * numFeatures);
  for (let start = 0; start < numFeatures; start += inputDim) {
    const q = haarOrthogonal(inputDim, rng);
    for (let i = 0; i < inputDim && start + i < numFeatures; i++) {
      const length = chiSample(inputDim, rng);
      // Row i of Q becomes column (start + i) of W [inputDim, numFeatures].
      for (let d = 0; d < inputDim; d++) out[d * numFeatures + start + i] = length * q.get(i, d);
    }
  }
  return out;
}

/** A Haar-distributed `n x n` orthogonal matrix: `Q diag(sign(diag R))` of a Gaussian's QR. */
function haarOrthogonal(n: number, rng: Rng): Matrix {
  const gaussian = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gaussian.set(i, j, rng.normal());
  const qr = new QrDecomposition(gaussian);
  const q = qr.orthogonalMatrix;
  const r = qr.upperTriangularMatrix;
  for (let j = 0; j < n; j++) {
    if (r.get(j, j) < 0) for (let i = 0; i < n; i++) q.set(i, j, -q.get(i, j));
  }
  return q;
}

/** The length of an `N(0, I_n)` vector: a chi(`n`) draw. */
function chiSample(n: number, rng: Rng): number {
  let sumSquares = 0;
  for (let i = 0; i < n; i++) sumSquares += rng.normal() ** 2;
  return Math.sqrt(sumSquares);
}
