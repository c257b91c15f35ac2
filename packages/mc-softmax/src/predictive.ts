import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import {
  checkOptionsObject,
  checkPositiveInteger,
  checkRank,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { type HeadPredictiveOptions, HeteroscedasticHead } from './heteroscedastic-head.js';
import { tidyObject } from './tidy-object.js';

const FN = 'mcSoftmaxPredictive';

/**
 * Options of {@link mcSoftmaxPredictive}.
 *
 * @since 0.1.0
 */
export interface McPredictiveOptions extends HeadPredictiveOptions {
  /**
   * Rows per batch. Default 32, the default of `model.predict`: noise is drawn per batch row,
   * so with equal batches `probs` equals `tf.exp(model.predict(x))` exactly.
   */
  readonly batchSize?: number;
}

/**
 * Throws (after freeing `probs` and `variance`) unless every value of `probs` and `variance` is
 * finite: NaN weights or a diverged fit must not pass as a prediction. Skipped on `webgpu`,
 * which cannot read back synchronously.
 */
function checkFiniteResult(probs: tf.Tensor, variance: tf.Tensor | undefined): void {
  if (tf.getBackend() === 'webgpu') return; // no synchronous read-back there (as checkTensorValues)
  const flag = tf.tidy(() => {
    const finite = (t: tf.Tensor) => tf.all(tf.isFinite(t));
    return variance === undefined ? finite(probs) : tf.logicalAnd(finite(probs), finite(variance));
  });
  // sync read: mcSoftmaxPredictive is a sync API; one boolean for the whole result.
  const [allFinite] = flag.dataSync();
  flag.dispose();
  if (!allFinite) {
    tf.dispose(variance === undefined ? [probs] : [probs, variance]);
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'modelOrHead',
      expected: 'a model whose predictive probabilities are finite (NaN or infinite weights?)',
      given: 'NaN or infinite probabilities',
    });
  }
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
 * `testSamples`, batch by batch. With `argmax: true`, the exact model: the frequencies of the
 * hard outcomes of the latents over the same samples (see `HeadPredictiveOptions.argmax`).
 *
 * Shapes: `x` the model's input `[B, ...]` (or features `[B, D]` for a head).
 *
 * @example
 * ```ts
 * const predictive = mcSoftmaxPredictive(model, xTest, { computeVariance: true });
 * predictive.probs; // [B, K], equals tf.exp(model.predict(xTest))
 * predictive.variance; // [B, K]
 * ```
 * @throws `InvalidArgumentError` / `ShapeError` naming the argument: a model that does not end
 * in a heteroscedastic head, `x` of the wrong rank or feature size, NaN in `x` (from the head's
 * checks), options that are not an options object, and NaN or infinite results (NaN weights).
 * @since 0.1.0
 */
export function mcSoftmaxPredictive(
  modelOrHead: LayersModel | HeteroscedasticHead,
  x: tf.Tensor,
  opts?: McPredictiveOptions,
): Predictive {
  const options = checkOptionsObject(opts, 'opts', FN);
  const batchSize = checkPositiveInteger(options.batchSize ?? 32, 'opts.batchSize', FN);
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
  const headOptions: HeadPredictiveOptions = {
    ...(options.computeVariance === undefined ? {} : { computeVariance: options.computeVariance }),
    ...(options.argmax === undefined ? {} : { argmax: options.argmax }),
  };
  const parts: Predictive[] = [];
  const rows = x.shape[0]!;
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      parts.push(
        tidyObject(() => {
          const batch = tf.slice(x, start, size);
          return head.predictive(features === null ? batch : features(batch), headOptions);
        }),
      );
    }
  } catch (error) {
    // A batch the head rejected (e.g. NaN features): free the batches already done.
    for (const part of parts)
      tf.dispose(part.variance ? [part.probs, part.variance] : [part.probs]);
    throw error;
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
  checkFiniteResult(probs, variance);
  return variance === undefined ? { probs } : { probs, variance };
}
