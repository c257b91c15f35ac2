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

/** Checks that `model` is a tfjs-layers model, one with `predict` (internal). */
export function checkLayersModel(model: LayersModel, fn: string): void {
  if (model === null || typeof model !== 'object' || typeof model.predict !== 'function') {
    throw new InvalidArgumentError({
      fn,
      argument: 'model',
      expected: 'a tfjs-layers model',
      given: model,
    });
  }
}

/**
 * Checks that `x` is a tensor `[N, ...]` of rank >= `minRank` with `N >= 1` (internal);
 * `expected` words the error.
 */
export function checkRows(x: Tensor, fn: string, minRank: number, expected: string): void {
  if (
    x === null ||
    typeof x !== 'object' ||
    !Array.isArray(x.shape) ||
    x.rank < minRank ||
    x.shape[0] === 0
  ) {
    throw new ShapeError({ fn, argument: 'x', expected, given: x });
  }
}

/**
 * Runs `run` on each batch of `batchSize` rows of `x` `[N, ...]` and returns the results in
 * row order (internal; call inside `tidy`).
 */
export function mapBatches(x: Tensor, batchSize: number, run: (rows: Tensor) => Tensor): Tensor[] {
  const rows = x.shape[0]!;
  const results: Tensor[] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const size = Math.min(batchSize, rows - start);
    // Rows [start, start + size) along axis 0, all other axes whole.
    results.push(run(size === rows ? x : slice(x, [start], [size])));
  }
  return results;
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
  checkLayersModel(model, FN);
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
  checkRows(x, FN, 1, 'a tensor [N, ...] with N >= 1');
  return tidy(() => {
    const batches = mapBatches(x, batchSize, (xb) => {
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
      return output === 'logits' ? softmax(out) : out;
    });
    const all = batches.length === 1 ? batches[0]! : concat(batches, 0);
    // sync read: this predict is synchronous; webgpu cannot read back without awaiting, so there
    // the probability check is skipped.
    if (output === 'probabilities' && getBackend() !== 'webgpu')
      checkProbabilities(all.dataSync(), all.shape[2]!, 'model output', FN);
    // [N, M, K] -> [M, N, K]: the member axis first, as Predictive.members expects.
    return membersPredictive(transpose(all, [1, 0, 2]));
  }) as Predictive;
}
