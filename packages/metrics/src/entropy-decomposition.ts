import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { rowEntropy } from './entropy.js';
import {
  isTensor,
  type Matrix,
  type ProbsInput,
  type ProbsOptions,
  readProbs,
  readTensorValues,
  readTolerance,
} from './inputs.js';
import { readOptions } from './options.js';

/**
 * Member probabilities `[M, N, K]`: a rank-3 tensor (or rank 2, `[M, N]`, binary probabilities
 * of class 1), or an array of M probability inputs (`number[][][]`, or one `[N, K]` matrix,
 * typed array or tensor per member).
 *
 * @since 0.1.0
 */
export type MembersInput = Tensor | readonly ProbsInput[];

/**
 * Per-example uncertainty, in nats; each array has N entries.
 *
 * @since 0.1.0
 */
export interface EntropyDecomposition {
  /** Entropy of the mean prediction, `H(mean_m p_m)`: total predictive uncertainty. */
  readonly total: Float64Array;
  /** Mean entropy of the members, `mean_m H(p_m)`: aleatoric (data) uncertainty. */
  readonly aleatoric: Float64Array;
  /**
   * `total - aleatoric`: the mutual information between the label and the member, i.e.
   * epistemic (model) uncertainty. Non-negative by Jensen's inequality; rounding below 0 is
   * clamped to 0.
   */
  readonly epistemic: Float64Array;
}

/** Splits a `[M, N, K]` (or binary `[M, N]`) tensor into M member matrices. */
function readMembers(members: unknown, fn: string, tolerance: number): Matrix[] {
  if (isTensor(members)) {
    const rank = members.shape.length;
    if (rank !== 2 && rank !== 3) {
      throw new ShapeError({
        fn,
        argument: 'members',
        expected: 'of rank 3 ([M, N, K]) or 2 ([M, N] binary)',
        given: members.shape,
      });
    }
    const all = readTensorValues(members, 'members', fn) as Float32Array;
    const [numMembers, rows] = members.shape as [number, number];
    const cols = rank === 3 ? members.shape[2]! : 1;
    const size = rows * cols;
    // Member m occupies the contiguous slice [m * N * K, (m + 1) * N * K) of the row-major data.
    return Array.from({ length: numMembers }, (_, m) => {
      const slice = all.subarray(m * size, (m + 1) * size);
      const input = rank === 3 ? { data: slice, numClasses: cols } : slice;
      return readProbs(input, `members[${m}]`, fn, tolerance);
    });
  }
  if (!Array.isArray(members) || members.length === 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'members',
      expected: 'a non-empty array of member probabilities or a [M, N, K] tensor',
      given: members,
    });
  }
  return members.map((p, m) => readProbs(p, `members[${m}]`, fn, tolerance));
}

/**
 * Splits predictive uncertainty into aleatoric and epistemic parts (Depeweg et al. 2018):
 * for each example, with `pbar = mean_m p_m`,
 * `total = H(pbar)`, `aleatoric = mean_m H(p_m)`, `epistemic = total - aleatoric`
 * (the mutual information `I(y; m)`), natural log.
 *
 * @param members `[M, N, K]` member (ensemble member or MC sample) probabilities; binary
 *   `[M, N]` probabilities of class 1 are read as `[1 - p, p]`.
 * @returns `{ total, aleatoric, epistemic }`, each a `Float64Array` of N values in nats.
 * @example
 * ```ts
 * // Two confident members that disagree: no aleatoric, all epistemic uncertainty.
 * const { total, aleatoric, epistemic } = entropyDecomposition([[[1, 0]], [[0, 1]]]);
 * // total[0] = log 2, aleatoric[0] = 0, epistemic[0] = log 2
 * ```
 * @since 0.1.0
 */
export function entropyDecomposition(
  members: MembersInput,
  opts: ProbsOptions = {},
): EntropyDecomposition {
  const fn = 'entropyDecomposition';
  const options = readOptions(opts, fn);
  const matrices = readMembers(members, fn, readTolerance(options.tolerance, fn));
  const { rows, cols } = matrices[0]!;
  matrices.forEach((m, i) => {
    if (m.rows !== rows || m.cols !== cols) {
      throw new ShapeError({
        fn,
        argument: `members[${i}]`,
        expected: `of shape [${rows}, ${cols}] (like members[0])`,
        given: [m.rows, m.cols],
      });
    }
  });
  const numMembers = matrices.length;
  const mean = new Float64Array(rows * cols);
  const aleatoric = new Float64Array(rows);
  for (const m of matrices) {
    for (let j = 0; j < rows * cols; j++) mean[j]! += m.data[j]! / numMembers;
    for (let i = 0; i < rows; i++) aleatoric[i]! += rowEntropy(m.data, i, cols) / numMembers;
  }
  const total = new Float64Array(rows);
  const epistemic = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    total[i] = rowEntropy(mean, i, cols);
    epistemic[i] = Math.max(0, total[i]! - aleatoric[i]!);
  }
  return { total, aleatoric, epistemic };
}
