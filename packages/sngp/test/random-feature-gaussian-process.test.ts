import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { DataError, InvalidArgumentError, ShapeError, UqjsError } from '@uqjs/core';
import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  RandomFeatureGaussianProcess,
  type RandomFeatureGaussianProcessArgs,
} from '../src/index.js';
import { sampleRandomFeatures } from '../src/random-features.js';
import { expectNoLeak, normals, onWebgpu, roundTrip, SKIPPED_ON_WEBGPU } from './helpers.js';

const D = 3;

function buildGp(
  args: Partial<RandomFeatureGaussianProcessArgs> = {},
): RandomFeatureGaussianProcess {
  const gp = new RandomFeatureGaussianProcess({ units: 2, numInducing: 24, seed: 1, ...args });
  gp.build([null, D]);
  return gp;
}

function weightNamed(gp: RandomFeatureGaussianProcess, name: string): tf.Tensor {
  const w = gp.weights.find((v) => v.originalName.endsWith(`/${name}`) || v.originalName === name);
  if (w === undefined) throw new Error(`no weight ${name}`);
  return w.read();
}

/** Rows of a row-major [rows, cols] array as float64 Matrix. */
function toMatrix(values: ArrayLike<number>, rows: number, cols: number): Matrix {
  return Matrix.from1DArray(rows, cols, Array.from(values));
}

function rbf(x: Float32Array, n: number, scale: number): Matrix {
  const k = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let d = 0; d < D; d++) d2 += (x[i * D + d]! - x[j * D + d]!) ** 2;
      k.set(i, j, Math.exp(-d2 / (2 * scale)));
    }
  }
  return k;
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  return Math.max(...a.clone().sub(b).abs().to1DArray());
}

describe('random features', () => {
  const L = 16384;
  // Each entry of Phi Phi^T is a mean of L terms z = cos(w.(x - x')) + cos(w.(x + x') + 2b),
  // Var(z) <= 1, so SE <= 1 / sqrt(L) = 0.0078; 5 SE = 0.039 over the 136 distinct entries.
  const tolerance = 5 / Math.sqrt(L);
  it.each([
    { kind: 'rff' as const, kernelScale: 1 },
    { kind: 'orf' as const, kernelScale: 1 },
    { kind: 'rff' as const, kernelScale: 2.5 },
  ])("$kind approximate exp(-||x - x'||^2 / (2 * $kernelScale))", async ({ kind, kernelScale }) => {
    // The layer's feature map is checked against cos(x W / sqrt(s) + b) below; here its
    // frequencies and phases, at a size whose [L, L] precision would not fit a unit test.
    const { frequencies, phases } = sampleRandomFeatures(kind, D, L, 4);
    const n = 16;
    const xs = normals(n * D, 8, 0.8);
    const gram = tf.tidy(() => {
      const z = tf.add(
        tf.matMul(
          tf.div(tf.tensor2d(xs, [n, D]), Math.sqrt(kernelScale)),
          tf.tensor2d(frequencies, [D, L]),
        ),
        tf.tensor1d(phases),
      );
      const phi = tf.mul(tf.cos(z), Math.sqrt(2 / L));
      // The transpose is explicit: tfjs-webgpu's split-K matMul (K = L >= 2000) sums wrongly
      // with transposeB (see test/kernel-operator.test.ts).
      return tf.matMul(phi, tf.transpose(phi));
    });
    const approx = toMatrix(await gram.data(), n, n);
    expect(maxAbsDiff(approx, rbf(xs, n, kernelScale))).toBeLessThan(tolerance);
    gram.dispose();
  });

  it('orf frequencies are orthogonal within each block of D', async () => {
    const gp = buildGp({ randomFeatures: 'orf', numInducing: 7 });
    const w = toMatrix(await weightNamed(gp, 'gp_frequencies').data(), D, 7);
    for (const block of [0, 3]) {
      const cols = w.subMatrix(0, D - 1, block, block + D - 1);
      const gram = cols.transpose().mmul(cols);
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < D; j++)
          if (i !== j) expect(Math.abs(gram.get(i, j))).toBeLessThan(1e-4);
      }
    }
  });

  it('scaleRandomFeatures multiplies cos(x W / sqrt(s) + b) by sqrt(2 / L)', async () => {
    const x = tf.tensor2d(normals(4 * D, 2), [4, D]);
    const scaled = await buildGp({ kernelScale: 3 }).randomFeatures(x).data();
    const gp = buildGp({ kernelScale: 3, scaleRandomFeatures: false });
    const raw = await gp.randomFeatures(x).data();
    const w = await weightNamed(gp, 'gp_frequencies').data();
    const b = await weightNamed(gp, 'gp_phases').data();
    const xv = await x.data();
    for (let i = 0; i < 4; i++) {
      for (let l = 0; l < 24; l++) {
        let z = b[l]!;
        for (let d = 0; d < D; d++) z += (xv[i * D + d]! / Math.sqrt(3)) * w[d * 24 + l]!;
        expect(raw[i * 24 + l]).toBeCloseTo(Math.cos(z), 5);
        expect(scaled[i * 24 + l]).toBeCloseTo(Math.sqrt(2 / 24) * Math.cos(z), 5);
      }
    }
  });

  it('normalizeInput makes the features invariant to shifting and scaling each input', async () => {
    const gp = buildGp({ normalizeInput: true });
    const x = tf.tensor2d(normals(5 * D, 3), [5, D]);
    const moved = tf.add(tf.mul(x, 4), 7);
    const a = await gp.randomFeatures(x).data();
    const b = await gp.randomFeatures(moved).data();
    // Only the layer-norm epsilon (1e-3 against variances ~1) tells them apart.
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-2);
  });

  it('are frozen, seeded, and the same on every backend', async () => {
    const features = async (seed = 9) =>
      Array.from(await weightNamed(buildGp({ seed }), 'gp_frequencies').data());
    const wasm = await features();
    expect(await features()).toEqual(wasm);
    expect(await features(10)).not.toEqual(wasm);
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      expect(await features()).toEqual(wasm);
    } finally {
      await tf.setBackend(previous);
    }
    const gp = buildGp();
    expect(gp.trainableWeights.map((w) => w.originalName)).toEqual(['gp_kernel', 'gp_bias']);
  });
});

/** Sum over batches of the training-mode calls; returns the features of all rows. */
function accumulate(
  gp: RandomFeatureGaussianProcess,
  xs: Float32Array,
  n: number,
  batch: number,
): void {
  for (let start = 0; start < n; start += batch) {
    tf.tidy(() => {
      gp.apply(tf.tensor2d(xs.subarray(start * D, (start + batch) * D), [batch, D]), {
        training: true,
      });
    });
  }
}

function eye(n: number, scale: number): Matrix {
  return Matrix.eye(n, n).mul(scale);
}

describe('precision matrix', () => {
  const n = 40;
  const xs = normals(n * D, 5);
  const L = 24;

  it('after one pass with momentum -1 equals ridge I + Phi^T Phi (orthogonal features)', async () => {
    const gp = buildGp({ randomFeatures: 'orf', gpCovRidgePenalty: 0.5, gpCovMomentum: -1 });
    accumulate(gp, xs, n, 10);
    const phi = toMatrix(await gp.randomFeatures(tf.tensor2d(xs, [n, D])).data(), n, L);
    const expected = eye(L, 0.5).add(phi.transpose().mmul(phi));
    const precision = toMatrix(await weightNamed(gp, 'gp_precision').data(), L, L);
    // float32 sums of 40 products of size <= 2 / L: round-off ~1e-6; 1e-4 leaves room.
    expect(maxAbsDiff(precision, expected)).toBeLessThan(1e-4);
  });

  it('weights each example by p (1 - p) per output under binary_logistic', async () => {
    const gp = buildGp({ units: 1, likelihood: 'binary_logistic', gpCovRidgePenalty: 2 });
    // Make the logits non-trivial so that p (1 - p) varies across examples.
    gp.setWeights([
      tf.tensor2d(normals(L, 6, 3), [L, 1]),
      tf.tensor1d([0.5]),
      ...gp.getWeights().slice(2),
    ]);
    accumulate(gp, xs, n, 8);
    const x = tf.tensor2d(xs, [n, D]);
    const phi = toMatrix(await gp.randomFeatures(x).data(), n, L);
    const p = toMatrix(await tf.sigmoid(gp.apply(x) as tf.Tensor).data(), n, 1);
    const precision = weightNamed(gp, 'gp_precision');
    expect(precision.shape).toEqual([1, L, L]);
    const values = await precision.data();
    for (let k = 0; k < 1; k++) {
      const weighted = phi.clone();
      for (let i = 0; i < n; i++) weighted.mulRow(i, Math.sqrt(p.get(i, k) * (1 - p.get(i, k))));
      const expected = eye(L, 2).add(weighted.transpose().mmul(weighted));
      const actual = toMatrix(values.subarray(k * L * L, (k + 1) * L * L), L, L);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
    }
  });

  it('with momentum m is the moving average P <- m P + (1 - m)(ridge I + Phi_b^T Phi_b / B)', async () => {
    const gp = buildGp({ gpCovMomentum: 0.9, gpCovRidgePenalty: 0.3 });
    accumulate(gp, xs, n, 10);
    let expected = eye(L, 0.3);
    for (let start = 0; start < n; start += 10) {
      const phi = toMatrix(
        await gp
          .randomFeatures(tf.tensor2d(xs.subarray(start * D, (start + 10) * D), [10, D]))
          .data(),
        10,
        L,
      );
      const batch = eye(L, 0.3).add(phi.transpose().mmul(phi).div(10));
      expected = expected.mul(0.9).add(batch.mul(0.1));
    }
    expect(
      maxAbsDiff(toMatrix(await weightNamed(gp, 'gp_precision').data(), L, L), expected),
    ).toBeLessThan(1e-5);
  });

  it('changes only in training calls, and resetCovariance restores ridge I', async () => {
    const gp = buildGp({ gpCovRidgePenalty: 0.5 });
    const prior = Array.from(eye(L, 0.5).to1DArray());
    const read = async () => Array.from(await weightNamed(gp, 'gp_precision').data());
    expect(await read()).toEqual(prior);
    tf.dispose(gp.apply(tf.tensor2d(xs, [n, D])) as tf.Tensor);
    tf.dispose(gp.apply(tf.tensor2d(xs, [n, D]), { training: false }) as tf.Tensor);
    expect(await read()).toEqual(prior);
    accumulate(gp, xs, n, 20);
    expect(await read()).not.toEqual(prior);
    gp.resetCovariance();
    expect(await read()).toEqual(prior);
  });
});

describe('predictWithCovariance', () => {
  const n = 40;
  const L = 24;
  const xs = normals(n * D, 5);
  const testXs = normals(6 * D, 12, 2);

  it('gives phi^T P^{-1} phi and Phi P^{-1} Phi^T (checked against an LU inverse)', async () => {
    const gp = buildGp({ gpCovRidgePenalty: 0.7 });
    accumulate(gp, xs, n, 10);
    const x = tf.tensor2d(testXs, [6, D]);
    const { logits, variance, covariance } = gp.predictWithCovariance(x, { fullCovariance: true });
    const pInv = inverse(toMatrix(await weightNamed(gp, 'gp_precision').data(), L, L));
    const phi = toMatrix(await gp.randomFeatures(x).data(), 6, L);
    const expected = phi.mmul(pInv).mmul(phi.transpose());
    expect(variance.shape).toEqual([6]);
    expect(covariance?.shape).toEqual([6, 6]);
    const cov = toMatrix(await covariance!.data(), 6, 6);
    const scale = Math.max(...expected.diag());
    expect(maxAbsDiff(cov, expected) / scale).toBeLessThan(1e-4);
    const v = await variance.data();
    for (let i = 0; i < 6; i++)
      expect(Math.abs(v[i]! - expected.get(i, i)) / scale).toBeLessThan(1e-4);
    expect(Array.from(await logits.data())).toEqual(
      Array.from(await (gp.apply(x) as tf.Tensor).data()),
    );
  });

  it('gives the variance of the one logit under binary_logistic, [B, 1] and [1, B, B]', async () => {
    const gp = buildGp({ units: 1, likelihood: 'binary_logistic' });
    accumulate(gp, xs, n, 10);
    const x = tf.tensor2d(testXs, [6, D]);
    const { variance, covariance } = gp.predictWithCovariance(x, { fullCovariance: true });
    expect(variance.shape).toEqual([6, 1]);
    expect(covariance?.shape).toEqual([1, 6, 6]);
    const values = await weightNamed(gp, 'gp_precision').data();
    const phi = toMatrix(await gp.randomFeatures(x).data(), 6, L);
    const v = await variance.data();
    const pInv = inverse(toMatrix(values, L, L));
    const expected = phi.mmul(pInv).mmul(phi.transpose());
    for (let i = 0; i < 6; i++) expect(v[i]).toBeCloseTo(expected.get(i, i), 4);
  });

  it("covarianceConvention 'edward2' reproduces the reference r * phi^T (r I + Phi^T Phi)^-1 phi", async () => {
    // edward2 (LaplaceRandomFeatureCovariance.compute_predictive_covariance) and
    // tensorflow/models (gaussian_process.py): precision P = r I + sum_i phi_i phi_i^T,
    // covariance = r * Phi_test P^{-1} Phi_test^T. Computed here in float64 plain JS with
    // Gauss-Jordan elimination, independent of the layer and of ml-matrix.
    const r = 0.01;
    const reference = buildGp({ gpCovRidgePenalty: r, covarianceConvention: 'edward2' });
    const posterior = buildGp({ gpCovRidgePenalty: r });
    accumulate(reference, xs, n, 10);
    accumulate(posterior, xs, n, 10);
    const train = Array.from(await reference.randomFeatures(tf.tensor2d(xs, [n, D])).data());
    const x = tf.tensor2d(testXs, [6, D]);
    const test = Array.from(await reference.randomFeatures(x).data());
    const precision = Array.from({ length: L }, (_, i) =>
      Array.from({ length: L }, (_, j) => {
        let s = i === j ? r : 0;
        for (let b = 0; b < n; b++) s += train[b * L + i]! * train[b * L + j]!;
        return s;
      }),
    );
    const inv = gaussJordanInverse(precision);
    const expected = Array.from({ length: 6 }, (_, b) => {
      let q = 0;
      for (let i = 0; i < L; i++)
        for (let j = 0; j < L; j++) q += test[b * L + i]! * inv[i]![j]! * test[b * L + j]!;
      return r * q;
    });
    const got = await reference.predictWithCovariance(x).variance.data();
    const ours = await posterior.predictWithCovariance(x).variance.data();
    for (let b = 0; b < 6; b++) {
      // float32 features and Cholesky factor: relative error ~1e-5; 1e-3 leaves room.
      expect(Math.abs(got[b]! - expected[b]!) / expected[b]!).toBeLessThan(1e-3);
      // The default convention is the same quantity without the factor r.
      expect(Math.abs(ours[b]! * r - expected[b]!) / expected[b]!).toBeLessThan(1e-3);
    }
  });

  it('fails clearly on NaN inputs or a NaN precision instead of returning NaN', (ctx) => {
    ctx.skip(onWebgpu(), SKIPPED_ON_WEBGPU);
    const gp = buildGp();
    accumulate(gp, xs, n, 10);
    tf.dispose(gp.predictWithCovariance(tf.ones([1, D]))); // caches the Cholesky factor
    const before = tf.memory().numTensors;
    expect(() => gp.predictWithCovariance(tf.tensor2d([[Number.NaN, 0, 0]]))).toThrow(DataError);
    expect(() => gp.predictWithCovariance(tf.tensor2d([[Number.NaN, 0, 0]]))).toThrow(
      'RandomFeatureGaussianProcess.predictWithCovariance: the logits or variances are not finite',
    );
    expect(tf.memory().numTensors).toBe(before + 2); // only the two inputs
    const weights = gp.getWeights();
    gp.setWeights(weights.map((w, i) => (i === 4 ? tf.fill(w.shape, Number.NaN) : w)));
    expect(() => gp.predictWithCovariance(tf.ones([1, D]))).toThrow(
      'the precision matrix gp_precision holds NaN or infinite values',
    );
  });

  it('is distance aware: ~||phi||^2 / ridge far from the data, much smaller on it', async () => {
    const ridge = 0.5;
    const gp = buildGp({ numInducing: 256, gpCovRidgePenalty: ridge });
    accumulate(gp, xs, n, 10);
    const far = tf.add(tf.tensor2d(testXs, [6, D]), 30);
    const farVariance = await gp.predictWithCovariance(far).variance.data();
    const norms = await tf.sum(tf.square(gp.randomFeatures(far)), 1).data();
    // phi(far) . phi_i ~ N(0, 1 / L): the data term removes ~ n / L of the prior variance.
    for (let i = 0; i < 6; i++) expect(farVariance[i]! / (norms[i]! / ridge)).toBeGreaterThan(0.8);
    const near = await gp.predictWithCovariance(tf.tensor2d(xs, [n, D])).variance.data();
    const meanNear = Array.from(near).reduce((a, b) => a + b, 0) / n;
    expect(meanNear).toBeLessThan(0.3 / ridge);
  });

  it('round-trips through model.save / loadLayersModel with identical logits and variances', async () => {
    const gp = new RandomFeatureGaussianProcess({
      units: 3,
      numInducing: 32,
      randomFeatures: 'orf',
      seed: 3,
      inputShape: [D],
    });
    const model = sequential({ layers: [gp] });
    accumulate(gp, xs, n, 20);
    const loaded = await roundTrip(model);
    const restored = loaded.layers[0] as RandomFeatureGaussianProcess;
    expect(restored.getConfig()).toEqual(gp.getConfig());
    const x = tf.tensor2d(testXs, [6, D]);
    const a = gp.predictWithCovariance(x);
    const b = restored.predictWithCovariance(x);
    expect(Array.from(await b.logits.data())).toEqual(Array.from(await a.logits.data()));
    expect(Array.from(await b.variance.data())).toEqual(Array.from(await a.variance.data()));
  });

  it('does not leak tensors', () => {
    const gp = buildGp({ units: 1, likelihood: 'binary_logistic' });
    const x = tf.tensor2d(xs, [n, D]);
    expectNoLeak(() => gp.apply(x, { training: true }) as tf.Tensor);
    expectNoLeak(() => gp.apply(x) as tf.Tensor);
    expectNoLeak(() => gp.randomFeatures(x));
    expectNoLeak(() => gp.predictWithCovariance(x, { fullCovariance: true }));
    expectNoLeak(() => gp.resetCovariance());
  });
});

describe('RandomFeatureGaussianProcess arguments', () => {
  it.each([
    [{ units: 0 }, 'units must be an integer >= 1, got 0'],
    [{ numInducing: 2.5 }, 'numInducing must be an integer >= 1, got 2.5'],
    [{ kernelScale: -1 }, 'kernelScale must be a finite number > 0, got -1'],
    [{ randomFeatures: 'fourier' }, "randomFeatures must be one of 'rff', 'orf', got \"fourier\""],
    [
      { gpCovMomentum: 1 },
      'gpCovMomentum must be -1 (exact accumulation) or a number in [0, 1), got 1',
    ],
    [
      { gpCovMomentum: -0.5 },
      'gpCovMomentum must be -1 (exact accumulation) or a number in [0, 1), got -0.5',
    ],
    [{ gpCovRidgePenalty: 0 }, 'gpCovRidgePenalty must be a finite number > 0, got 0'],
    [
      { likelihood: 'poisson' },
      "likelihood must be one of 'gaussian', 'binary_logistic', got \"poisson\"",
    ],
    [{ normalizeInput: 'yes' }, 'normalizeInput must be a boolean, got "yes"'],
    [{ seed: 1.5 }, 'seed must be an integer seed in [0, 2^32), got 1.5'],
    [
      { likelihood: 'binary_logistic' },
      "units must be 1 with likelihood 'binary_logistic' (use 'gaussian' for K >= 2 outputs), got 2",
    ],
    [{ numInducing: 100000 }, 'numInducing must be a number in [1, 8192], got 100000'],
    [{ units: 70000 }, 'units must be a number in [1, 65536], got 70000'],
    [
      { covarianceConvention: 'tf' },
      "covarianceConvention must be one of 'posterior', 'edward2', got \"tf\"",
    ],
  ])('rejects %o', (args, message) => {
    const make = () =>
      new RandomFeatureGaussianProcess({
        units: 2,
        ...(args as object),
      } as RandomFeatureGaussianProcessArgs);
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(`RandomFeatureGaussianProcess: ${message}`);
  });

  it('rejects null args with a clear error, not a TypeError', () => {
    expect(() => new RandomFeatureGaussianProcess(null as never)).toThrow(
      'RandomFeatureGaussianProcess: args must be an object { units, numInducing?, ... }, got null',
    );
  });

  it('rejects inputs of the wrong shape and an unbuilt layer', () => {
    const unbuilt = new RandomFeatureGaussianProcess({ units: 2 });
    expect(() => unbuilt.randomFeatures(tf.ones([2, D]))).toThrow(UqjsError);
    expect(() => unbuilt.build([null, 4, 4])).toThrow(ShapeError);
    const gp = buildGp();
    expect(() => gp.randomFeatures(tf.ones([2, D + 1]))).toThrow(
      'RandomFeatureGaussianProcess.randomFeatures: x must be of shape [*, 3], got [2, 4]',
    );
    expect(() =>
      gp.predictWithCovariance(tf.ones([2, D]), { fullCovariance: 1 as unknown as boolean }),
    ).toThrow(
      'RandomFeatureGaussianProcess.predictWithCovariance: options.fullCovariance must be a boolean, got 1',
    );
    expect(() => gp.predictWithCovariance(tf.ones([2, D]), null as never)).toThrow(
      'RandomFeatureGaussianProcess.predictWithCovariance: options must be an object',
    );
    // Arrays and tensors are no options object either (both passed the old typeof check).
    const features = tf.ones([2, D]);
    for (const bad of [[{ fullCovariance: true }], features]) {
      expect(() => gp.predictWithCovariance(features, bad as never)).toThrow(
        /^RandomFeatureGaussianProcess\.predictWithCovariance: options must be an object \{ fullCovariance\? \}, got /,
      );
    }
    features.dispose();
    expect(() => gp.predictWithCovariance(null as never)).toThrow(
      'RandomFeatureGaussianProcess.predictWithCovariance: x must be a tensor, got null',
    );
  });

  it('rejects a model.json asking for numInducing 100000, stating the limit', async () => {
    const model = sequential({
      layers: [new RandomFeatureGaussianProcess({ units: 2, numInducing: 8, inputShape: [D] })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    // Layer configs are stored in snake case.
    const text = JSON.stringify(saved!.modelTopology).replace(
      '"num_inducing":8,',
      '"num_inducing":100000,',
    );
    expect(text).toContain('100000');
    await expect(
      loadLayersModel(tf.io.fromMemory({ ...saved!, modelTopology: JSON.parse(text) })),
    ).rejects.toThrow('numInducing must be a number in [1, 8192], got 100000');
  });
});

/** The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting (float64). */
function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const d = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}
