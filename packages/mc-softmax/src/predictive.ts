import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { checkPositiveInteger, checkRank, InvalidArgumentError, type Predictive } from '@uqjs/core';
import { HeteroscedasticHead } from './heteroscedastic-head.js';
import { tidyObject } from './tidy-object.js';

const FN = 'mcSoftmaxPredictive';

/**
 * Options of {@link mcSoftmaxPredictive}.
 *
 * @since 0.1.0
 */
export interface McPredictiveOptions {
  /**
   * Rows per batch. Default 32, the default of `model.predict`: noise is drawn per batch row,
   * so with equal batches `probs` equals `tf.exp(model.predict(x))` exactly.
   */
  readonly batchSize?: number;
  /** Return the per-class variance over samples; default: the head's `computeVariance`. */
  readonly computeVariance?: boolean;
}

/** The head of a model: its last layer, which must be a heteroscedastic head. */
function headOf(model: LayersModel): HeteroscedasticHead {
  const last = model.layers[model.layers.length - 1];
  if (!(last instanceof HeteroscedasticHead)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'modelOrHead',
      expected: 'a model whose last layer is a heteroscedastic head (e.g. MCSoftmaxDense)',
      given: last === undefined ? 'an empty model' : last.getClassName(),
    });
  }
  return last;
}

/**
 * The `Predictive` (`@uqjs/core`) of a model ending in a heteroscedastic head (`MCSoftmaxDense`, `MCSoftmaxDenseFA`, `MCSigmoidDense`, ...), or of the head
 * itself given its input features: probabilities `[B, K]` and, with `computeVariance`, the
 * per-class variance over samples `[B, K]`. Drawn with the head's inference seed and
 * `testSamples`, batch by batch.
 *
 * Shapes: `x` the model's input `[B, ...]` (or features `[B, D]` for a head).
 *
 * @example
 * ```ts
 * const predictive = mcSoftmaxPredictive(model, xTest, { computeVariance: true });
 * predictive.probs; // [B, K], equals tf.exp(model.predict(xTest))
 * predictive.variance; // [B, K]
 * ```
 * @since 0.1.0
 */
export function mcSoftmaxPredictive(
  modelOrHead: LayersModel | HeteroscedasticHead,
  x: tf.Tensor,
  opts: McPredictiveOptions = {},
): Predictive {
  const batchSize = checkPositiveInteger(opts.batchSize ?? 32, 'opts.batchSize', FN);
  checkRank(x, [1, 2, 3, 4, 5, 6], 'x', FN);
  let head: HeteroscedasticHead;
  let features: ((batch: tf.Tensor) => tf.Tensor) | null = null;
  if (modelOrHead instanceof HeteroscedasticHead) {
    head = modelOrHead;
  } else if (modelOrHead instanceof LayersModel) {
    head = headOf(modelOrHead);
    // The body: the model from its inputs to the head's input.
    const body = functionalModel({
      inputs: modelOrHead.inputs,
      outputs: head.input as SymbolicTensor,
    });
    features = (batch) => body.predict(batch) as tf.Tensor;
  } else {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'modelOrHead',
      expected: 'a LayersModel or a heteroscedastic head layer',
      given: modelOrHead,
    });
  }
  const parts: Predictive[] = [];
  const rows = x.shape[0]!;
  for (let start = 0; start < rows; start += batchSize) {
    const size = Math.min(batchSize, rows - start);
    parts.push(
      tidyObject(() => {
        const batch = tf.slice(x, start, size);
        return head.predictive(features === null ? batch : features(batch), opts);
      }),
    );
  }
  const concat = (pick: (p: Predictive) => tf.Tensor | undefined) => {
    const tensors = parts.map(pick).filter((t): t is tf.Tensor => t !== undefined);
    return tensors.length === 0 ? undefined : tf.concat(tensors, 0);
  };
  const probs = concat((p) => p.probs)!;
  const variance = concat((p) => p.variance);
  for (const part of parts) {
    part.probs.dispose();
    part.variance?.dispose();
  }
  return variance === undefined ? { probs } : { probs, variance };
}
