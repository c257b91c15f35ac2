import { expandDims, type Tensor, tidy, tile } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkInRange,
  checkOneOf,
  checkPositiveInteger,
  InvalidArgumentError,
  type Predictive,
  ShapeError,
} from '@uqjs/core';
import { batchEnsemblePredict } from './batch-ensemble-predict.js';
import { MAX_MEMBERS } from './ensemble-manifest.js';

const FN = 'mimoPredict';
const OUTPUTS = ['logits', 'probabilities'] as const;

/**
 * Options of {@link mimoPredict}.
 *
 * @since 0.1.0
 */
export interface MimoPredictOptions {
  /** Number of members `M`: the model's input is `[B, M, ...shape]`. */
  readonly members: number;
  /** What the model's `[B, M, K]` output holds. Default `'logits'` (a `MimoHead`'s output). */
  readonly output?: 'logits' | 'probabilities';
  /** Rows per forward pass. Default `128`. */
  readonly batchSize?: number;
}

/**
 * The `Predictive` of a MIMO model (Havasi et al., 2021): every input row is given to all `M`
 * members at once (tiled `[B, ...shape] -> [B, M, ...shape]`), one forward pass in inference
 * mode gives `[B, M, K]`, and the members' softmaxes are averaged. Returns `members`
 * `[M, N, K]`, `probs` their mean and `variance` their population variance over members,
 * `[N, K]`, as `DeepEnsemble.predict` does.
 *
 * The tiled input `[N, M, ...shape]` is built once; pass batches of `x` to bound its memory.
 *
 * @example
 * ```ts
 * const { probs, members } = mimoPredict(model, xTest, { members: 3 }); // members [3, N, K]
 * ```
 * @since 0.1.0
 */
export function mimoPredict(
  model: LayersModel,
  x: Tensor,
  options: MimoPredictOptions,
): Predictive {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'options',
      expected: 'an object { members, output?, batchSize? }',
      given: options,
    });
  }
  const members = checkInRange(
    checkPositiveInteger(options.members, 'options.members', FN),
    'options.members',
    FN,
    1,
    MAX_MEMBERS,
  );
  const output = checkOneOf(options.output ?? 'logits', OUTPUTS, 'options.output', FN);
  const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', FN);
  if (model === null || typeof model !== 'object' || typeof model.predict !== 'function') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a tfjs-layers model',
      given: model,
    });
  }
  if (x === null || typeof x !== 'object' || !Array.isArray(x.shape) || x.rank < 2) {
    throw new ShapeError({
      fn: FN,
      argument: 'x',
      expected: 'a tensor [N, ...shape] of rank >= 2',
      given: x,
    });
  }
  const inputShape = model.inputs?.[0]?.shape;
  if (inputShape !== undefined) {
    const expected = [null, members, ...x.shape.slice(1)];
    const ok =
      inputShape.length === expected.length &&
      inputShape.every((size, i) => size === null || size === expected[i]);
    if (!ok) {
      throw new ShapeError({
        fn: FN,
        argument: 'x',
        expected: `[N, ...shape] with [N, ${members}, ...shape] fitting the model's input [${inputShape.map(String).join(', ')}]`,
        given: x.shape,
      });
    }
  }
  const tiled = tidy(() => {
    // [N, ...shape] -> [N, 1, ...shape] -> [N, M, ...shape]: every member sees the same row.
    const reps = [1, members, ...x.shape.slice(1).map(() => 1)];
    return tile(expandDims(x, 1), reps);
  });
  try {
    return batchEnsemblePredict(model, tiled, { output, batchSize });
  } finally {
    tiled.dispose();
  }
}
