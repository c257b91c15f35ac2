import { gather, reshape, type Tensor, tensor1d, tidy } from '@tensorflow/tfjs-core';
import {
  checkCount,
  checkInRange,
  checkOptionsObject,
  checkRank,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  type Seed,
  ShapeError,
} from '@uqjs/core';
import { MAX_MEMBERS } from './ensemble-manifest.js';

const FN = 'mimoBatch';

/**
 * Options of {@link mimoBatch}.
 *
 * @since 0.1.0
 */
export interface MimoBatchOptions {
  /** Seed of the slot permutations and of the repetition draws; use a new one per batch. */
  readonly seed: Seed;
  /**
   * Probability `rho` in `[0, 1)` that a row's `M` slots all hold slot 0's example (the
   * paper's input repetition, which trades member independence for shared features).
   * Default `0`.
   */
  readonly repetition?: number;
}

/**
 * A MIMO training batch: `M` examples per row and their labels. A plain object of tensors:
 * dispose it with `tf.dispose(batch)`.
 *
 * @since 0.1.0
 */
export type MimoBatch = {
  /** `[B, M, ...shape]`: row `b`, slot `m` holds example `index[b][m]` of the input. */
  readonly inputs: Tensor;
  /** `[B, M]` int32 class labels, or `[B, M, T]` float32 regression targets. */
  readonly labels: Tensor;
};

/**
 * Builds a MIMO training batch (Havasi et al., 2021) from an ordinary one: each of the `B` rows
 * gets `M` slots, one input per member. Slot 0 takes the rows in order; slot `m > 0` takes
 * them in the order of an independent permutation, `new Rng(deriveSeed(seed, 'slot', m))
 * .permutation(B)`, so member `m` sees every example of the batch once, paired with unrelated
 * examples in the other slots. With probability `repetition` (one draw per row from
 * `new Rng(deriveSeed(seed, 'repetition'))`), every slot of the row takes slot 0's example
 * instead. The labels follow their examples.
 *
 * Shapes: `x` `[B, ...shape]` (rank >= 2); `labels` `[B]` int32 (classification) or `[B, T]`
 * float32 (regression); returns `inputs` `[B, M, ...shape]` and `labels` `[B, M]` or
 * `[B, M, T]`. Dispose both.
 *
 * @example
 * ```ts
 * const { inputs, labels } = mimoBatch(xb, yb, 3, { seed: deriveSeed(seed, 'batch', step) });
 * // inputs [B, 3, D] for a model starting with MimoStack; labels [B, 3] for mimoLoss
 * ```
 * @since 0.1.0
 */
export function mimoBatch(
  x: Tensor,
  labels: Tensor,
  members: number,
  options: MimoBatchOptions,
): MimoBatch {
  if (x === null || typeof x !== 'object' || !Array.isArray(x.shape) || x.rank < 2) {
    throw new ShapeError({
      fn: FN,
      argument: 'x',
      expected: 'a tensor [B, ...shape] of rank >= 2',
      given: x,
    });
  }
  const rows = x.shape[0]!;
  if (rows === 0) {
    throw new ShapeError({ fn: FN, argument: 'x', expected: 'at least one row', given: x.shape });
  }
  checkRank(labels, [1, 2], 'labels', FN);
  if (labels.shape[0] !== rows) {
    throw new ShapeError({
      fn: FN,
      argument: 'labels',
      expected: `of shape [${rows}] or [${rows}, T] (one label per row of x)`,
      given: labels.shape,
    });
  }
  const dtype = labels.rank === 1 ? 'int32' : 'float32';
  if (labels.dtype !== dtype) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'labels.dtype',
      expected: `'${dtype}' for labels of rank ${labels.rank}`,
      given: labels.dtype,
    });
  }
  const m = checkCount(members, 'members', FN, MAX_MEMBERS);
  // Left out, the options read as {} and the error names the missing options.seed.
  const opts = checkOptionsObject(options, 'options', FN, 'an object { seed, repetition? }');
  const seed = checkSeed(opts.seed, 'options.seed', FN);
  const repetition = checkInRange(opts.repetition ?? 0, 'options.repetition', FN, 0, 1);
  if (repetition === 1) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'options.repetition',
      expected: 'a number in [0, 1) (1 would give every member the same inputs)',
      given: repetition,
    });
  }
  const index = mimoIndex(rows, m, seed, repetition);
  return tidy(() => {
    const order = tensor1d(index, 'int32');
    // [B * M] row indices (row-major over [B, M]) -> [B * M, ...shape] -> [B, M, ...shape].
    const inputs = reshape(gather(x, order), [rows, m, ...x.shape.slice(1)]);
    const picked = reshape(gather(labels, order), [rows, m, ...labels.shape.slice(1)]);
    return { inputs, labels: picked };
  });
}

/**
 * The source row of each slot, `[B * M]` row-major over `[B, M]`: `index[b M + m]` is the
 * row whose example fills slot `m` of row `b`.
 */
function mimoIndex(rows: number, members: number, seed: Seed, repetition: number): Int32Array {
  const index = new Int32Array(rows * members);
  const slots = Array.from({ length: members }, (_, m) =>
    m === 0 ? null : new Rng(deriveSeed(seed, 'slot', m)).permutation(rows),
  );
  const repeat = new Rng(deriveSeed(seed, 'repetition'));
  for (let b = 0; b < rows; b++) {
    const repeated = repetition > 0 && repeat.uniform() < repetition;
    for (let m = 0; m < members; m++) {
      index[b * members + m] = repeated || m === 0 ? b : slots[m]![b]!;
    }
  }
  return index;
}
