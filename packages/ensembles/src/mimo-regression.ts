import {
  concat,
  mul,
  reshape,
  type Scalar,
  scalar,
  square,
  type Tensor,
  type Tensor2D,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkCount,
  checkOneOf,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkRank,
  ShapeError,
} from '@uqjs/core';
import type { RegressionPredictive } from './deep-ensemble.js';
import { MAX_MEMBERS } from './ensemble-manifest.js';
import { gaussianNll, laplaceNll } from './heteroscedastic-nll.js';
import { checkMimoInput, mapTiledBatches } from './mimo-tile.js';
import { mixtureMoments } from './mixture-moments.js';
import { DEFAULT_HEAD_EPS, splitHead } from './regression-head.js';

const KINDS = ['gaussian', 'laplace'] as const;

/**
 * Options of {@link mimoRegressionLoss}.
 *
 * @since 0.1.0
 */
export interface MimoRegressionLossOptions {
  /** The members' likelihood: `'gaussian'` (the default) or `'laplace'`. */
  readonly kind?: 'gaussian' | 'laplace';
  /** Floor of the heads' softplus. Default `1e-6`. */
  readonly eps?: number;
}

/**
 * Options of {@link mimoPredictRegression}.
 *
 * @since 0.1.0
 */
export interface MimoPredictRegressionOptions extends MimoRegressionLossOptions {
  /** Number of members `M`: the model's input is `[B, M, ...shape]`. */
  readonly members: number;
  /** Rows per forward pass. Default `128`. */
  readonly batchSize?: number;
}

/**
 * The MIMO objective of heteroscedastic regression members: the sum over members of each
 * member's mean `gaussianNll` (or `laplaceNll`) on its own slot's target, the regression
 * counterpart of `mimoLoss`. Each member's head is `(mean, raw dispersion)`, read as in
 * `gaussianParams` / `laplaceParams`.
 *
 * Shapes: `targets` `[B, M]` or `[B, M, 1]` (`mimoBatch`'s labels for targets `[B, 1]`),
 * `output` `[B, M, 2]` (a `MimoHead` with `units: 2`); returns a scalar.
 *
 * @example
 * ```ts
 * const batch = mimoBatch(xb, yb, 3, { seed }); // yb [B, 1] float32
 * optimizer.minimize(() => mimoRegressionLoss(batch.labels, model.apply(batch.inputs, { training: true }) as tf.Tensor));
 * ```
 * @since 0.1.0
 */
export function mimoRegressionLoss(
  targets: Tensor,
  output: Tensor,
  options: MimoRegressionLossOptions = {},
): Scalar {
  const fn = 'mimoRegressionLoss';
  const { kind, eps } = readLossOptions(options, fn);
  checkRank(output, 3, 'output', fn);
  const [rows, members, width] = output.shape as [number, number, number];
  if (width !== 2) {
    throw new ShapeError({
      fn,
      argument: 'output',
      expected: 'of shape [B, M, 2] (mean, raw dispersion per member)',
      given: output.shape,
    });
  }
  checkRank(targets, [2, 3], 'targets', fn);
  const ok =
    targets.shape[0] === rows &&
    targets.shape[1] === members &&
    (targets.rank === 2 || targets.shape[2] === 1);
  if (!ok) {
    throw new ShapeError({
      fn,
      argument: 'targets',
      expected: `of shape [${rows}, ${members}] or [${rows}, ${members}, 1] (one target per slot)`,
      given: targets.shape,
    });
  }
  const nll = kind === 'gaussian' ? gaussianNll : laplaceNll;
  return tidy(() => {
    // [B, M, 2] -> [B * M, 2] and targets -> [B * M]: the NLL's mean over B * M slots, times M,
    // is the sum over members of each member's mean over B.
    const flat = nll(reshape(targets, [rows * members]), reshape(output, [rows * members, 2]), {
      eps,
    });
    return mul(flat, scalar(members)) as Scalar;
  });
}

/**
 * The mixture predictive of a MIMO regression model (members ending in a `MimoHead` with
 * `units: 2`): each input row is tiled to all `M` members, one forward pass in inference mode
 * gives `[B, M, 2]`, each member's head is read as in `gaussianParams` / `laplaceParams`, and
 * the members are combined as an equally weighted mixture (`mixtureMoments`), as
 * `DeepEnsemble.predictRegression` does.
 *
 * Shapes: `x` `[N, ...shape]`; returns `mean`, `variance` `[N]` and `memberMeans`,
 * `memberVariances` `[M, N]` (Laplace: `2 b^2`). Free with `tf.dispose(result)`.
 *
 * @example
 * ```ts
 * const { mean, variance } = mimoPredictRegression(model, xTest, { members: 3 }); // [N] each
 * ```
 * @since 0.1.0
 */
export function mimoPredictRegression(
  model: LayersModel,
  x: Tensor,
  options: MimoPredictRegressionOptions,
): RegressionPredictive {
  const fn = 'mimoPredictRegression';
  // Left out, the options read as {} and the error names the missing options.members.
  const { opts, kind, eps } = readLossOptions(options, fn);
  const members = checkCount(opts.members, 'options.members', fn, MAX_MEMBERS);
  const batchSize = checkPositiveInteger(opts.batchSize ?? 128, 'options.batchSize', fn);
  checkMimoInput(model, x, members, fn);
  const rows = x.shape[0]!;
  return tidy(() => {
    const outputs = mapTiledBatches(x, members, batchSize, (tiled) => {
      const out = model.predict(tiled) as Tensor;
      checkRank(out, 3, 'model output', fn);
      if (out.shape[1] !== members || out.shape[2] !== 2) {
        throw new ShapeError({
          fn,
          argument: 'model output',
          expected: `of shape [B, ${members}, 2] (mean, raw dispersion per member)`,
          given: out.shape,
        });
      }
      return out;
    });
    const all = outputs.length === 1 ? outputs[0]! : concat(outputs, 0);
    // [N, M, 2] -> [N * M, 2] for the head, then the member axis first: [N, M] -> [M, N].
    const { mean, dispersion } = splitHead(reshape(all, [rows * members, 2]), { eps }, fn);
    const memberMeans = transpose(reshape(mean, [rows, members])) as Tensor2D;
    const dispersions = transpose(reshape(dispersion, [rows, members])) as Tensor2D;
    // A Laplace member with scale b has variance 2 b^2.
    const memberVariances = (
      kind === 'laplace' ? mul(scalar(2), square(dispersions)) : dispersions
    ) as Tensor2D;
    const moments = mixtureMoments(memberMeans, memberVariances, kind);
    return { ...moments, memberMeans, memberVariances };
  });
}

/**
 * Checks the options object (left out it reads as `{}`) and reads its loss options; returns
 * the checked object too, for the caller's other options.
 */
function readLossOptions<T extends MimoRegressionLossOptions>(
  options: T | undefined,
  fn: string,
): { opts: T; kind: 'gaussian' | 'laplace'; eps: number } {
  const opts = checkOptionsObject(options, 'options', fn, 'an options object');
  return {
    opts,
    kind: checkOneOf(opts.kind ?? 'gaussian', KINDS, 'options.kind', fn),
    eps: checkPositive(opts.eps ?? DEFAULT_HEAD_EPS, 'options.eps', fn),
  };
}
