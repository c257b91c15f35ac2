import {
  add,
  concat,
  getBackend,
  mean,
  min,
  reshape,
  square,
  sub,
  sum,
  type Tensor,
  type Tensor1D,
  tidy,
} from '@tensorflow/tfjs-core';
import {
  checkAllFinite,
  checkOneOf,
  checkRank,
  checkSameShape,
  InvalidArgumentError,
  ShapeError,
} from '@uqjs/core';

const FN = 'mixtureMoments';
const KINDS = ['gaussian', 'laplace'] as const;

/**
 * The member distribution of a regression ensemble.
 *
 * @since 0.1.0
 */
export type MixtureKind = (typeof KINDS)[number];

/**
 * Rows of numbers: `M` rows of length `N` (plain arrays or typed arrays).
 *
 * @since 0.1.0
 */
export type NumberRows = readonly ArrayLike<number>[];

/**
 * Mean and variance of an equally weighted mixture of `M` member distributions, per point
 * (Lakshminarayanan et al., 2017, section 2.4):
 *
 * - `mean[n] = mu*_n = (1/M) sum_m means[m][n]`
 * - `variance[n] = (1/M) sum_m (v_mn + means[m][n]^2) - mu*_n^2`, computed in the equal,
 *   cancellation-free form `(1/M) sum_m v_mn + (1/M) sum_m (means[m][n] - mu*_n)^2`
 *   (aleatoric part plus epistemic part),
 *
 * where `v_mn = variances[m][n]` is member `m`'s variance at point `n` for either `kind`:
 * the moments of a mixture depend only on its members' means and variances. For Laplace
 * members with scale `b` pass `v = 2 b^2` (what `laplaceParams(...).variance` returns), not `b`.
 * (Before 0.2.0 `'laplace'` read scales from this argument.) `kind` names the member family
 * and is checked; it does not change the numbers.
 *
 * Shapes: `means`, `variances` `[M, N]`; returns `mean`, `variance` `[N]`. Plain rows in
 * give plain `number[]` out; tensors in give `Tensor1D` out (the caller disposes them).
 *
 * @example
 * ```ts
 * mixtureMoments([[1, 0], [3, 2]], [[1, 4], [1, 2]], 'gaussian');
 * // { mean: [2, 1], variance: [2, 4] }
 * ```
 * @throws ShapeError when the shapes differ or are empty; InvalidArgumentError for
 *   non-finite values, negative variances or an unknown kind.
 * @since 0.1.0
 */
export function mixtureMoments(
  means: NumberRows,
  variances: NumberRows,
  kind: MixtureKind,
): { mean: number[]; variance: number[] };
export function mixtureMoments(
  means: Tensor,
  variances: Tensor,
  kind: MixtureKind,
): { mean: Tensor1D; variance: Tensor1D };
export function mixtureMoments(
  means: NumberRows | Tensor,
  variances: NumberRows | Tensor,
  kind: MixtureKind,
): { mean: number[] | Tensor1D; variance: number[] | Tensor1D } {
  checkOneOf(kind, KINDS, 'kind', FN);
  const meansIsRows = Array.isArray(means);
  if (meansIsRows !== Array.isArray(variances)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'variances',
      expected: meansIsRows ? 'rows of numbers, like means' : 'a tensor, like means',
      given: variances,
    });
  }
  if (meansIsRows) return rowMoments(means, variances as NumberRows);
  return tensorMoments(means as Tensor, variances as Tensor);
}

function checkRows(rows: NumberRows, argument: string, width: number | undefined): number {
  if (rows.length === 0) {
    throw new ShapeError({ fn: FN, argument, expected: 'at least one member row', given: [] });
  }
  const n = width ?? rows[0]!.length;
  rows.forEach((row, m) => {
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new InvalidArgumentError({
        fn: FN,
        argument: `${argument}[${m}]`,
        expected: 'an array of numbers',
        given: row,
      });
    }
    if (row.length !== n || n === 0) {
      throw new ShapeError({
        fn: FN,
        argument: `${argument}[${m}]`,
        expected: `of length ${n === 0 ? '>= 1' : n}`,
        given: [row.length],
      });
    }
    checkAllFinite(row, `${argument}[${m}]`, FN);
  });
  return n;
}

function rowMoments(
  means: NumberRows,
  variances: NumberRows,
): { mean: number[]; variance: number[] } {
  const n = checkRows(means, 'means', undefined);
  if (variances.length !== means.length) {
    throw new ShapeError({
      fn: FN,
      argument: 'variances',
      expected: `${means.length} member rows, like means`,
      given: [variances.length],
    });
  }
  checkRows(variances, 'variances', n);
  variances.forEach((row, m) => {
    for (let i = 0; i < n; i++) {
      if (row[i]! < 0) {
        throw new InvalidArgumentError({
          fn: FN,
          argument: `variances[${m}][${i}]`,
          expected: '>= 0',
          given: row[i],
        });
      }
    }
  });
  const count = means.length;
  const mean = new Array<number>(n).fill(0);
  const variance = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let mu = 0;
    for (let m = 0; m < count; m++) mu += means[m]![i]!;
    mu /= count;
    let spread = 0;
    for (let m = 0; m < count; m++) {
      spread += variances[m]![i]! + (means[m]![i]! - mu) ** 2;
    }
    mean[i] = mu;
    variance[i] = spread / count;
  }
  return { mean, variance };
}

function tensorMoments(means: Tensor, variances: Tensor): { mean: Tensor1D; variance: Tensor1D } {
  checkRank(means, 2, 'means', FN);
  checkSameShape(means, variances, 'means', 'variances', FN);
  if (means.size === 0) {
    throw new ShapeError({
      fn: FN,
      argument: 'means',
      expected: 'non-empty [M, N]',
      given: means.shape,
    });
  }
  // One download of two numbers: the smallest variance and a sum that is NaN/Infinity when
  // any entry is. sync read: mixtureMoments is synchronous; webgpu cannot read back without
  // awaiting, so there these value checks are skipped.
  const [smallest, total] =
    getBackend() === 'webgpu'
      ? [0, 0]
      : (tidy(() =>
          concat([
            reshape(min(variances), [1]),
            reshape(sum(add(means, variances)), [1]),
          ]).dataSync(),
        ) as unknown as [number, number]);
  if (!Number.isFinite(total)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'means/variances',
      expected: 'finite',
      given: total,
    });
  }
  if (smallest < 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'variances',
      expected: 'all >= 0',
      given: smallest,
    });
  }
  return tidy(() => {
    // Reduce over the member axis 0: [M, N] -> [N].
    const mu = mean(means, 0);
    const epistemic = mean(square(sub(means, mu)), 0);
    return { mean: mu as Tensor1D, variance: add(mean(variances, 0), epistemic) as Tensor1D };
  });
}
