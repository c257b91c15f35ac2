import {
  concat,
  getBackend,
  slice,
  softmax,
  type Tensor,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkOneOf,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  InvalidArgumentError,
  type Predictive,
  ShapeError,
} from '@uqjs/core';
import { membersPredictive } from './members-predictive.js';

const FN = 'batchEnsemblePredict';
const OUTPUTS = ['probabilities', 'logits'] as const;

/**
 * Options of {@link batchEnsemblePredict}.
 *
 * @since 0.1.0
 */
export interface BatchEnsemblePredictOptions {
  /** What the model's `[B, M, K]` output holds. Default `'probabilities'`. */
  output?: 'probabilities' | 'logits';
  /** Rows per forward pass. Default `128`. */
  batchSize?: number;
}

/**
 * The `Predictive` of a BatchEnsemble model (one ending in `BatchEnsembleDense` layers) whose
 * output is `[B, M, K]`: members `[M, N, K]` (member axis moved first), `probs` their mean
 * and `variance` their population variance over members, `[N, K]`.
 *
 * @example
 * ```ts
 * const { probs, members } = batchEnsemblePredict(model, xTest); // members [M, N, K]
 * ```
 * @since 0.1.0
 */
export function batchEnsemblePredict(
  model: LayersModel,
  x: Tensor,
  options: BatchEnsemblePredictOptions = {},
): Predictive {
  if (model === null || typeof model !== 'object' || typeof model.predict !== 'function') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a tfjs-layers model',
      given: model,
    });
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'options',
      expected: 'an object { output?, batchSize? }',
      given: options,
    });
  }
  const output = checkOneOf(options.output ?? 'probabilities', OUTPUTS, 'options.output', FN);
  const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', FN);
  if (
    x === null ||
    typeof x !== 'object' ||
    !Array.isArray(x.shape) ||
    x.rank < 1 ||
    x.shape[0] === 0
  ) {
    throw new ShapeError({
      fn: FN,
      argument: 'x',
      expected: 'a tensor [N, ...] with N >= 1',
      given: x,
    });
  }
  const rows = x.shape[0]!;
  return tidy(() => {
    const batches: Tensor[] = [];
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      // Rows [start, start + size) along axis 0, all other axes whole.
      const xb = size === rows ? x : slice(x, [start], [size]);
      const out = model.predict(xb) as Tensor;
      checkRank(out, 3, 'model output', FN);
      if (out.shape[2]! < 2) {
        throw new ShapeError({
          fn: FN,
          argument: 'model output',
          expected: 'of shape [B, M, K] with K >= 2',
          given: out.shape,
        });
      }
      batches.push(output === 'logits' ? softmax(out) : out);
    }
    const all = batches.length === 1 ? batches[0]! : concat(batches, 0);
    // sync read: this predict is synchronous; webgpu cannot read back without awaiting, so there
    // the probability check is skipped.
    if (output === 'probabilities' && getBackend() !== 'webgpu')
      checkProbabilities(all.dataSync(), all.shape[2]!, 'model output', FN);
    // [N, M, K] -> [M, N, K]: the member axis first, as Predictive.members expects.
    return membersPredictive(transpose(all, [1, 0, 2]));
  }) as Predictive;
}
