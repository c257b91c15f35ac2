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
  checkOptionsObject,
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
 * Options of {@link batchEnsembleMembers}.
 *
 * @since 0.1.0
 */
export interface BatchEnsembleMembersOptions extends BatchEnsemblePredictOptions {
  /**
   * Forward passes `P` over all of `x`, for members that draw (rank-1 Bayesian factors, say).
   * Default `1`.
   */
  passes?: number;
  /** Called with `p` before pass `p` in `[0, P)`, e.g. to seed that pass's draws. */
  onPass?: (pass: number) => void;
}

/** How the rows of `x` reach the model (internal): `mapBatches`, or MIMO's tiled batches. */
export type BatchMapper = (
  x: Tensor,
  batchSize: number,
  run: (batch: Tensor) => Tensor,
) => Tensor[];

/** The checked arguments of {@link predictMembers} (internal). */
export interface MembersPass {
  readonly output: 'probabilities' | 'logits';
  readonly batchSize: number;
  readonly passes: number;
  readonly onPass?: (pass: number) => void;
  readonly map: BatchMapper;
}

/**
 * The member probabilities `[P M, N, K]` of a model whose output is `[B, M, K]` (internal; the
 * arguments are checked, call inside `tidy`): each of the `P` passes maps every batch through
 * the model once (softmax of logits per batch), pass `p`, member `m` at row `p M + m`. Model
 * probabilities are checked once, with one read of the whole output (skipped on webgpu).
 */
export function predictMembers(
  model: LayersModel,
  x: Tensor,
  pass: MembersPass,
  fn: string,
): Tensor {
  const perPass: Tensor[] = [];
  for (let p = 0; p < pass.passes; p++) {
    pass.onPass?.(p);
    const batches = pass.map(x, pass.batchSize, (xb) => {
      const out = model.predict(xb) as Tensor;
      checkRank(out, 3, 'model output', fn);
      if (out.shape[2]! < 2) {
        throw new ShapeError({
          fn,
          argument: 'model output',
          expected: 'of shape [B, M, K] with K >= 2',
          given: out.shape,
        });
      }
      return pass.output === 'logits' ? softmax(out) : out;
    });
    // [b, M, K] per batch -> [N, M, K].
    perPass.push(batches.length === 1 ? batches[0]! : concat(batches, 0));
  }
  // P x [N, M, K] -> [N, P M, K], pass-major along the member axis.
  const all = perPass.length === 1 ? perPass[0]! : concat(perPass, 1);
  // sync read: this predict is synchronous; webgpu cannot read back without awaiting, so there
  // the probability check is skipped.
  if (pass.output === 'probabilities' && getBackend() !== 'webgpu')
    checkProbabilities(all.dataSync(), all.shape[2]!, 'model output', fn);
  // [N, P M, K] -> [P M, N, K]: the member axis first, as Predictive.members expects.
  return transpose(all, [1, 0, 2]);
}

/** Reads the options shared by the BatchEnsemble predictions (internal). */
function readOptions(
  options: BatchEnsemblePredictOptions,
  fn: string,
  expected: string,
): { output: 'probabilities' | 'logits'; batchSize: number } {
  const opts = checkOptionsObject(options, 'options', fn, expected);
  return {
    output: checkOneOf(opts.output ?? 'probabilities', OUTPUTS, 'options.output', fn),
    batchSize: checkPositiveInteger(opts.batchSize ?? 128, 'options.batchSize', fn),
  };
}

/**
 * The member probabilities of a BatchEnsemble-style model (output `[B, M, K]`) without their
 * moments: `[P M, N, K]`, pass `p`, member `m` at row `p M + m`, for `P = options.passes`
 * passes over `x` `[N, ...]` (logits are softmaxed per batch). With `P = 1` these are
 * `batchEnsemblePredict`'s `members`; wrap them with `membersPredictive` for the moments.
 * Free with `dispose()`.
 *
 * @example
 * ```ts
 * // 5 seeded draws of every member: [5 M, N, K].
 * const members = batchEnsembleMembers(model, xTest, { passes: 5, onPass: (p) => seedDraws(p) });
 * ```
 * @since 0.1.0
 */
export function batchEnsembleMembers(
  model: LayersModel,
  x: Tensor,
  options: BatchEnsembleMembersOptions = {},
): Tensor {
  const fn = 'batchEnsembleMembers';
  checkLayersModel(model, fn);
  const { output, batchSize } = readOptions(
    options,
    fn,
    'an object { output?, batchSize?, passes?, onPass? }',
  );
  const passes = checkPositiveInteger(options.passes ?? 1, 'options.passes', fn);
  const { onPass } = options;
  if (onPass !== undefined && typeof onPass !== 'function') {
    throw new InvalidArgumentError({
      fn,
      argument: 'options.onPass',
      expected: 'a function (pass) => void',
      given: onPass,
    });
  }
  checkRows(x, fn, 1, 'a tensor [N, ...] with N >= 1');
  return tidy(() =>
    predictMembers(model, x, { output, batchSize, passes, onPass, map: mapBatches }, fn),
  );
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
  const { output, batchSize } = readOptions(options, FN, 'an object { output?, batchSize? }');
  checkRows(x, FN, 1, 'a tensor [N, ...] with N >= 1');
  return tidy(() =>
    membersPredictive(
      predictMembers(model, x, { output, batchSize, passes: 1, map: mapBatches }, FN),
    ),
  ) as Predictive;
}
