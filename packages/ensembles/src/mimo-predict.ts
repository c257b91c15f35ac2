import { type Tensor, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkCount,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInteger,
  type Predictive,
} from '@uqjs/core';
import { predictMembers } from './batch-ensemble-predict.js';
import { MAX_MEMBERS } from './ensemble-manifest.js';
import { membersPredictive } from './members-predictive.js';
import { checkMimoInput, mapTiledBatches } from './mimo-tile.js';

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
 * Each batch of `batchSize` rows is tiled and run on its own, so the tiled input never holds
 * more than `batchSize * M` rows.
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
  // Left out, the options read as {} and the error names the missing options.members.
  const opts = checkOptionsObject(
    options,
    'options',
    FN,
    'an object { members, output?, batchSize? }',
  );
  const members = checkCount(opts.members, 'options.members', FN, MAX_MEMBERS);
  const output = checkOneOf(opts.output ?? 'logits', OUTPUTS, 'options.output', FN);
  const batchSize = checkPositiveInteger(opts.batchSize ?? 128, 'options.batchSize', FN);
  checkMimoInput(model, x, members, FN);
  return tidy(() =>
    // One forward pass per tiled batch [b, M, ...shape]; its members' softmaxes [M, b, K].
    membersPredictive(
      predictMembers(
        model,
        x,
        {
          output,
          batchSize,
          passes: 1,
          map: (rows, size, run) => mapTiledBatches(rows, members, size, run),
        },
        FN,
      ),
    ),
  ) as Predictive;
}
