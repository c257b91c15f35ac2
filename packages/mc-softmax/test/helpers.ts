import * as tf from '@tensorflow/tfjs-core';
import { type NoiseKind, noiseFamily } from '@uqjs/noise';

/** Reads a tensor into a plain array and disposes it. */
export function read(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** Largest absolute difference between two tensors (both kept). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
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
