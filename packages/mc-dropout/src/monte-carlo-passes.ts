import { concat, moments, slice, softmax, stack, type Tensor, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkOneOf,
  checkOptionsObject,
  checkPositiveInteger,
  checkRank,
  checkSeed,
  InvalidArgumentError,
  type Predictive,
  ShapeError,
} from '@uqjs/core';

const OUTPUTS = ['probabilities', 'logits'] as const;

/**
 * What a model's output `[B, K]` holds: `'probabilities'` (used as is) or `'logits'`
 * (softmax is applied per pass).
 *
 * @since 0.1.0
 */
export type PassOutput = (typeof OUTPUTS)[number];

/**
 * Checks that `options` is an options object (`@uqjs/core`'s `checkOptionsObject`: no `null`,
 * array or tensor; left out it reads as `{}`; `expected` describes it in the error) and reads the
 * options every Monte Carlo predictive function reads alike: `batchSize` (default `128`),
 * `seed` (default `0`) and `output` (default `'probabilities'`), naming `options.<key>` and
 * `fn` in errors.
 *
 * @throws {InvalidArgumentError} when `options` is not an object or a value is out of range.
 * @since 0.1.0
 */
export function readPassOptions(
  options: unknown,
  fn: string,
  expected: string,
): { batchSize: number; seed: number; output: PassOutput } {
  const o = checkOptionsObject(
    options as { batchSize?: unknown; seed?: unknown; output?: unknown } | undefined,
    'options',
    fn,
    expected,
  );
  return {
    batchSize: checkPositiveInteger(o.batchSize ?? 128, 'options.batchSize', fn),
    seed: checkSeed(o.seed ?? 0, 'options.seed', fn),
    output: checkOneOf(o.output ?? 'probabilities', OUTPUTS, 'options.output', fn),
  };
}

/**
 * Options of {@link monteCarloPasses}. The public function calling it has already checked
 * `numSamples`, `batchSize` and `output` (see {@link readPassOptions}); `fn` names it in every
 * error.
 *
 * @since 0.1.0
 */
export interface MonteCarloPassesOptions {
  /** The public function's name, used in errors (`'mcDropoutPredict'`, ...). */
  readonly fn: string;
  /** Number of stochastic forward passes `S`, a positive integer. */
  readonly numSamples: number;
  /** Rows of `x` per forward pass `B`, a positive integer. */
  readonly batchSize: number;
  /** What the model's output `[B, K]` holds. */
  readonly output: PassOutput;
  /** Called before pass `pass` (0-based) runs its first batch: seed the pass here. */
  readonly beforePass?: (pass: number) => void;
  /** Called before batch `batch` (0-based) of pass `pass` runs: seed the batch here. */
  readonly beforeBatch?: (pass: number, batch: number) => void;
  /**
   * Called with the model's raw output `[B, K]` of the first batch of the first pass (after
   * the shape checks, before any softmax): check its values here, throwing to stop.
   */
  readonly checkFirstBatch?: (out: Tensor) => void;
  /** Restores the stochastic layers' state; called once at the end, also on error. */
  readonly restore: () => void;
}

/**
 * Checks that `model` is a single-input tfjs-layers model and that `x` `[N, ...]` matches its
 * input rank with `N >= 1`; errors name `fn`.
 *
 * @throws {InvalidArgumentError} when `model` is not a tfjs-layers model or has several
 *   inputs. {ShapeError} when `x` has the wrong rank or no row.
 * @since 0.1.0
 */
export function checkModelAndInput(
  model: unknown,
  x: Tensor,
  fn: string,
): asserts model is LayersModel {
  const candidate = model as Partial<LayersModel> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.predict !== 'function' ||
    !Array.isArray(candidate.layers) ||
    !Array.isArray(candidate.inputs)
  ) {
    throw new InvalidArgumentError({
      fn,
      argument: 'model',
      expected: 'a tfjs-layers model (LayersModel or Sequential)',
      given: model,
    });
  }
  const inputs = candidate.inputs;
  if (inputs.length !== 1) {
    throw new InvalidArgumentError({
      fn,
      argument: 'model',
      expected: 'a model with a single input',
      given: `${inputs.length} inputs`,
    });
  }
  checkRank(x, inputs[0]!.shape.length, 'x', fn);
  if (x.shape[0] === 0) {
    throw new ShapeError({ fn, argument: 'x', expected: 'at least one row', given: x.shape });
  }
}

/**
 * The Monte Carlo predictive of a stochastic classifier: `S` forward passes of `model` over
 * `x` in row batches, each pass's probabilities stacked as a member. The caller makes the
 * passes differ (dropout masks, weight draws) through `beforePass` / `beforeBatch`, and undoes
 * that in `restore`.
 *
 * Shapes: `x` `[N, ...]` (checked with {@link checkModelAndInput} first); the model's output
 * `[B, K]` with `K >= 2`; `members` `[S, N, K]`, `probs = mean_s members[s]` `[N, K]`,
 * `variance = mean_s (members[s] - probs)^2` `[N, K]` (population variance over passes).
 *
 * @example
 * ```ts
 * const p = monteCarloPasses(model, x, {
 *   fn: 'myPredict', numSamples: 10, batchSize: 128, output: 'logits',
 *   beforePass: (s) => reseed(s), restore: () => reseed(undefined),
 * }); // p.members [10, N, K]
 * ```
 * @throws {InvalidArgumentError} when the model has several outputs. {ShapeError} when the
 *   output is not `[B, K]` with `K >= 2`. Whatever `checkFirstBatch` throws.
 * @since 0.1.0
 */
export function monteCarloPasses(
  model: LayersModel,
  x: Tensor,
  options: MonteCarloPassesOptions,
): Predictive {
  const { fn, numSamples, batchSize, output, beforePass, beforeBatch, checkFirstBatch } = options;
  const numRows = x.shape[0]!;
  try {
    return tidy(() => {
      const passes: Tensor[] = [];
      for (let s = 0; s < numSamples; s++) {
        beforePass?.(s);
        const batches: Tensor[] = [];
        for (let b = 0, start = 0; start < numRows; b++, start += batchSize) {
          beforeBatch?.(s, b);
          const rows = Math.min(batchSize, numRows - start);
          const check = s === 0 && b === 0 ? checkFirstBatch : undefined;
          batches.push(forwardPass(model, x, start, rows, output, fn, check));
        }
        passes.push(batches.length === 1 ? batches[0]! : concat(batches, 0));
      }
      // [S] x [N, K] -> [S, N, K]: one slice per pass.
      const members = stack(passes, 0);
      const { mean, variance } = moments(members, 0);
      return { probs: mean, members, variance };
    }) as Predictive;
  } finally {
    options.restore();
  }
}

/** One pass over rows `[start, start + rows)` of `x`: probabilities `[rows, K]`. */
function forwardPass(
  model: LayersModel,
  x: Tensor,
  start: number,
  rows: number,
  output: PassOutput,
  fn: string,
  check: ((out: Tensor) => void) | undefined,
): Tensor {
  return tidy(() => {
    // Slice rows along axis 0; the other axes are taken whole.
    const xb = x.shape[0] === rows ? x : slice(x, [start], [rows]);
    const out = model.predict(xb, { batchSize: rows });
    if (Array.isArray(out)) {
      throw new InvalidArgumentError({
        fn,
        argument: 'model',
        expected: 'a model with a single output',
        given: `${out.length} outputs`,
      });
    }
    checkRank(out, 2, 'model output', fn);
    if (out.shape[1]! < 2) {
      throw new ShapeError({
        fn,
        argument: 'model output',
        expected: 'of shape [B, K] with K >= 2 classes',
        given: out.shape,
      });
    }
    check?.(out);
    return output === 'logits' ? softmax(out) : out;
  });
}
