import { sigmoid, softmax, type Tensor, type Tensor1D, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { checkOptionsObject, checkPositiveInteger, ShapeError } from '@uqjs/core';
import { splitConfidence } from './confidence-loss.js';
import { outputClasses } from './train-with-confidence.js';

/**
 * The predictive of a learned-confidence model: a `Predictive` (no members, no variance)
 * plus the confidence. A plain object of tensors: dispose it with `tf.dispose(prediction)`.
 *
 * @since 0.1.0
 */
export type ConfidencePredictive = {
  /** Class probabilities `softmax(logits)`, `[N, K]`. */
  readonly probs: Tensor;
  /**
   * Learned confidence `c = sigmoid(confidence logit)` in `(0, 1)`, `[N]`: an
   * out-of-distribution score, higher = in-distribution (use `1 - c` where higher must mean
   * more OOD).
   */
  readonly confidence: Tensor1D;
};

/**
 * Options of {@link confidencePredict}.
 *
 * @since 0.1.0
 */
export interface ConfidencePredictOptions {
  /** Rows per forward pass. Default `128`. */
  readonly batchSize?: number;
}

/**
 * Runs a model ending in a {@link ConfidenceBranch} in inference mode on `x` `[N, ...]` and
 * returns the class probabilities `[N, K]` (the plain softmax: hints are a training device
 * only) and the learned confidence `[N]`.
 *
 * @example
 * ```ts
 * const { probs, confidence } = confidencePredict(model, xTest);
 * const oodScore = tf.sub(1, confidence); // higher = more likely out of distribution
 * ```
 * @since 0.1.0
 */
export function confidencePredict(
  model: LayersModel,
  x: Tensor,
  options: ConfidencePredictOptions = {},
): ConfidencePredictive {
  const fn = 'confidencePredict';
  checkOptionsObject(options, 'options', fn, 'an options object (or nothing)');
  const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', fn);
  outputClasses(model, fn);
  if ((x?.shape?.[0] ?? 0) === 0) {
    throw new ShapeError({
      fn,
      argument: 'x',
      expected: 'a tensor with at least one row',
      given: x?.shape,
    });
  }
  return tidy((): ConfidencePredictive => {
    const out = model.predict(x, { batchSize }) as Tensor;
    const { logits, confidenceLogit } = splitConfidence(out, fn);
    return { probs: softmax(logits), confidence: sigmoid(confidenceLogit) as Tensor1D };
  });
}
