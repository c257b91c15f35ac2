import * as tf from '@tensorflow/tfjs-core';
import { type NoiseKind, noiseFamily } from '@uqjs/noise';
import { expect } from 'vitest';

/** Reads a tensor into a plain array (asynchronously, as webgpu requires) and disposes it. */
export async function read(t: tf.Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

/** Largest absolute difference between two tensors (both kept). */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [gap] = await read(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)))));
  return gap!;
}

/** Largest absolute value of a tensor (kept). */
export async function maxAbs(t: tf.Tensor): Promise<number> {
  const [magnitude] = await read(tf.tidy(() => tf.max(tf.abs(t))));
  return magnitude!;
}

/**
 * The exact model's reference: for latents `[S, B, ..., K]`, the share of the `S` samples in
 * which each class has the largest latent, `[B, ..., K]`. The winners are counted in JavaScript
 * from the per-sample argmax, so no int32 reduction runs on the backend (tfjs-backend-webgpu
 * 4.22 fails to compile the Transpose behind an axis-0 sum of the int32 one-hot, which leaves
 * zeros and invalidates the rest of that command buffer); the division by `S` is the tensor op
 * the engine uses, so equal counts give bit-equal shares.
 */
export async function argmaxFrequencies(latents: tf.Tensor): Promise<tf.Tensor> {
  const [numSamples, ...outShape] = latents.shape;
  const numClasses = outShape[outShape.length - 1]!;
  const winners = await read(tf.argMax(latents, -1)); // [S, B, ...] row-major
  const rows = winners.length / numSamples!;
  const counts = new Array<number>(rows * numClasses).fill(0);
  winners.forEach((winner, i) => {
    counts[(i % rows) * numClasses + winner]! += 1;
  });
  return tf.tidy(() => tf.div(tf.tensor(counts, outShape), numSamples!));
}

/**
 * Expects `call` to throw `error` where the synchronous heads and losses check tensor values
 * (NaN, signs, label ranges: one small synchronous read-back). On webgpu, which cannot read
 * back synchronously, those checks are skipped (as `checkTensorValues` documents): there the
 * call must instead run, and whatever tensors it returns are freed.
 */
export function expectValueCheck(
  call: () => unknown,
  error: string | (new (...args: never[]) => Error),
): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(call).toThrow(error);
    return;
  }
  expect(() => tf.dispose(call() as tf.TensorContainer)).not.toThrow();
}

/**
 * An independent reference for the smoothed MC softmax on the same samples, written with
 * tfjs built-ins and differentiated by tfjs autodiff: `u` is `[S, B, ..., K]`,
 * `log mean_s softmax((loc + scale * u_s) / tau)`.
 */
export function naiveLogProbs(
  loc: tf.Tensor,
  scale: tf.Tensor,
  u: tf.Tensor,
  temperature: number | tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const perSample = tf.logSoftmax(tf.div(tf.add(loc, tf.mul(scale, u)), temperature));
    return tf.sub(tf.logSumExp(perSample, 0), Math.log(u.shape[0]!));
  });
}

/** The same standard noise `mcSoftmax` draws for `numSamples` samples of `loc`'s shape. */
export function sameNoise(
  kind: NoiseKind,
  numSamples: number,
  shape: readonly number[],
  seed: number,
): tf.Tensor {
  return noiseFamily(kind).sampleStandard([numSamples, ...shape], seed);
}

/** Standard normal CDF in float64 (erfc by its continued fraction / Maclaurin series). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let tail: number;
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 100; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    tail = 0.5 * (1 - (2 / Math.sqrt(Math.PI)) * sum);
  } else {
    let k = z;
    for (let n = 100; n >= 1; n--) k = z + n / 2 / k;
    tail = (0.5 * Math.exp(-z * z)) / (Math.sqrt(Math.PI) * k);
  }
  return x < 0 ? tail : 1 - tail;
}
