import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, disposePredictive } from '@uqjs/core';
import type { ImageDataset } from '@uqjs/datasets';
import { accuracy, brier, ece, nll, type ProbsInput, reliabilityDiagram } from '@uqjs/metrics';
import type { MethodModel } from './methods/method.js';
import type { ReliabilityBins, SplitMetrics } from './record.js';

/**
 * Calibration bins of every reported ECE and reliability diagram.
 *
 * @since 0.1.0
 */
export const ECE_BINS = 15;

/**
 * Examples per forward pass at evaluation (bounds the MC head's `[S, B, K]` memory).
 *
 * @since 0.1.0
 */
export const EVAL_BATCH = 500;

/**
 * The method's predictive probabilities on every example of `dataset`, in order, `[N, K]`,
 * computed in batches of {@link EVAL_BATCH} with MC seeds `deriveSeed(seed, 'eval', batch)`.
 * The caller disposes the result.
 *
 * @since 0.1.0
 */
export function predictProbs(
  method: MethodModel,
  dataset: ImageDataset,
  flatten: boolean,
  seed: number,
): tf.Tensor2D {
  const parts: tf.Tensor[] = [];
  let index = 0;
  for (const batch of dataset.batches({ batchSize: EVAL_BATCH, flatten })) {
    const predictive = method.predict(batch.x, deriveSeed(seed, 'eval', index++));
    parts.push(predictive.probs);
    predictive.members?.dispose();
    predictive.variance?.dispose();
    tf.dispose([batch.x, batch.y]);
  }
  // [B_i, K] per batch -> [N, K] in dataset order.
  const probs = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 0);
  if (parts.length > 1) tf.dispose(parts);
  return probs as tf.Tensor2D;
}

/**
 * The values of predictive probabilities `[N, K]`, read without a synchronous read (which the
 * webgpu backend cannot do), as the metrics take them.
 *
 * @since 0.1.0
 */
export async function hostProbs(
  probs: tf.Tensor2D,
): Promise<{ data: Float32Array; numClasses: number }> {
  return { data: (await probs.data()) as Float32Array, numClasses: probs.shape[1] };
}

/**
 * The same, for raw `[n, D]` points (toy surfaces and OOD clusters).
 *
 * @since 0.1.0
 */
export async function predictPoints(
  method: MethodModel,
  points: Float32Array,
  dim: number,
  seed: number,
): Promise<Float32Array> {
  const n = points.length / dim;
  const out: Float32Array[] = [];
  for (let start = 0, index = 0; start < n; start += EVAL_BATCH, index++) {
    const rows = Math.min(EVAL_BATCH, n - start);
    const x = tf.tensor2d(points.subarray(start * dim, (start + rows) * dim), [rows, dim]);
    const predictive = method.predict(x, deriveSeed(seed, 'points', index));
    out.push((await predictive.probs.data()) as Float32Array);
    disposePredictive(predictive);
    x.dispose();
  }
  const all = new Float32Array(out.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const part of out) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/**
 * Test-set scores of predictive probabilities `[N, K]` against labels `[N]`.
 *
 * @since 0.1.0
 */
export function scoreProbs(probs: ProbsInput, labels: Int32Array): SplitMetrics {
  return {
    nll: nll(probs, labels),
    accuracy: accuracy(probs, labels),
    ece: ece(probs, labels, { bins: ECE_BINS }),
    brier: brier(probs, labels),
  };
}

/**
 * Reliability-diagram sums (count, confidence sum, correct count per bin), poolable over runs.
 *
 * @since 0.1.0
 */
export function reliabilitySums(probs: ProbsInput, labels: Int32Array): ReliabilityBins {
  const bins = reliabilityDiagram(probs, labels, { bins: ECE_BINS });
  return {
    count: bins.map((b) => b.count),
    confidenceSum: bins.map((b) => (b.count > 0 ? b.confidence * b.count : 0)),
    correctSum: bins.map((b) => (b.count > 0 ? Math.round(b.accuracy * b.count) : 0)),
  };
}
