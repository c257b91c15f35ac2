import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { Rng } from '@uqjs/core';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { expect } from 'vitest';

/** Largest singular value of a row-major `rows x cols` matrix, by ml-matrix's SVD. */
export function maxSingularValue(values: ArrayLike<number>, rows: number, cols: number): number {
  const m = Matrix.from1DArray(rows, cols, Array.from(values));
  return Math.max(...new SingularValueDecomposition(m, { autoTranspose: true }).diagonal);
}

/**
 * The matrix of a linear map `f` on inputs of shape `inputShape`: row `i` is `f(e_i)`
 * flattened, from one batched call on the identity (`[n, ...inputShape]`, `n` = input size).
 */
export async function explicitMatrix(
  f: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
): Promise<{ values: Float32Array; rows: number; cols: number }> {
  const n = inputShape.reduce((a, b) => a * b, 1);
  // eye(n) [n, n] -> [n, ...inputShape]: one basis vector per example.
  const out = tf.tidy(() => f(tf.reshape(tf.eye(n), [n, ...inputShape])));
  const values = (await out.data()) as Float32Array;
  const cols = out.size / n;
  out.dispose();
  return { values, rows: n, cols };
}

/** `model.save` to memory, then `loadLayersModel` from it. */
export async function roundTrip(model: LayersModel): Promise<LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('roundTrip: nothing was saved');
  return loadLayersModel(tf.io.fromMemory(saved));
}

/**
 * Asserts that `run` leaves no tensors behind: one warm-up call (which may fill caches),
 * then the count must not change over `times` more calls whose results are disposed.
 */
export function expectNoLeak(run: () => tf.TensorContainer | undefined, times = 3): void {
  tf.dispose(run());
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) tf.dispose(run());
  expect(tf.memory().numTensors).toBe(before);
}

/** `n` standard normal draws from a seeded `Rng`, as a Float32Array. */
export function normals(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** Asserts `actual[i]` is close to `expected[i]` (to `digits` decimals) for every `i`. */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  digits: number,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

/**
 * Why a test of a value check of a synchronous API (NaN, label range) is skipped on webgpu:
 * there the library skips those checks, which would need a synchronous read back.
 */
export const SKIPPED_ON_WEBGPU =
  'webgpu: synchronous APIs skip their value checks there (they would need a synchronous read back; docs/webgpu.md)';

/** Whether the tests run on webgpu (`UQJS_TEST_BACKEND=webgpu`). */
export function onWebgpu(): boolean {
  return tf.getBackend() === 'webgpu';
}
