import {
  concat,
  getBackend,
  moments,
  slice,
  softmax,
  stack,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkOneOf,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
  type Predictive,
  ShapeError,
} from '@uqjs/core';
import { type DropoutSite, dropoutSites } from './dropout-sites.js';

const FN = 'mcDropoutPredict';
const OUTPUTS = ['probabilities', 'logits'] as const;

/**
 * Options of {@link mcDropoutPredict}.
 *
 * @since 0.1.0
 */
export interface MCDropoutPredictOptions {
  /** Number of stochastic forward passes `S`. Default `50`. */
  numSamples?: number;
  /** Rows of `x` per forward pass. Default `128`. */
  batchSize?: number;
  /**
   * Seed of the dropout masks. Default `0`. The same seed, `numSamples` and `batchSize` give
   * the same members; the mask of dropout layer `i` in pass `s` over batch `b` is drawn with
   * `deriveSeed(seed, s, b, i)`.
   */
  seed?: number;
  /**
   * What the model's output `[B, K]` holds: `'probabilities'` (a softmax output layer; rows
   * are checked to sum to 1 on the first pass) or `'logits'` (softmax is applied per pass).
   * Default `'probabilities'`.
   */
  output?: 'probabilities' | 'logits';
}

/**
 * Monte Carlo dropout prediction (Gal and Ghahramani, 2016): `S` stochastic forward passes with
 * fresh dropout masks, averaged as probabilities.
 *
 * Shapes: `x` `[N, ...]` (the model's input); result `members` `[S, N, K]`,
 * `probs = mean_s members[s]` `[N, K]`, `variance = mean_s (members[s] - probs)^2` `[N, K]`
 * (population variance over samples).
 *
 * Works with any single-input, single-output tfjs-layers model holding `MCDropout` layers
 * and/or standard `tf.layers.dropout` / `spatialDropout1d` layers, found through nested
 * models and wrappers. The model runs in inference mode (`training: false`), so BatchNorm
 * uses its moving statistics and does not update them; only the dropout layers are switched
 * on, by wrapping their `call` with `training: true` for the duration of this call (restored
 * afterwards, also on error). Other stochastic layers (`gaussianDropout`, `alphaDropout`,
 * `gaussianNoise`) stay in inference mode, i.e. off.
 *
 * @example
 * ```ts
 * const { probs, members, variance } = mcDropoutPredict(model, xTest, { numSamples: 30, seed: 7 });
 * // probs [N, K]; members [30, N, K]; variance [N, K]
 * ```
 * @throws InvalidArgumentError when the model has no dropout layer with `rate > 0`, or an
 *   option is out of range. ShapeError when `x` does not match the model's input rank or the
 *   output is not `[B, K]` with `K >= 2`.
 * @since 0.1.0
 */
export function mcDropoutPredict(
  model: LayersModel,
  x: Tensor,
  options: MCDropoutPredictOptions = {},
): Predictive {
  checkModel(model);
  checkInput(model, x);
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'options',
      expected: 'an object { numSamples?, batchSize?, seed?, output? }',
      given: options,
    });
  }
  const numSamples = checkPositiveInteger(options.numSamples ?? 50, 'options.numSamples', FN);
  const numRows = x.shape[0]!;
  const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', FN);
  const seed = checkSeed(options.seed ?? 0, 'options.seed', FN);
  const output = checkOneOf(options.output ?? 'probabilities', OUTPUTS, 'options.output', FN);

  const sites = dropoutSites(model);
  if (sites.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a model with at least one MCDropout or Dropout layer with rate > 0',
      given: `model '${model.name}' without one`,
    });
  }
  try {
    return tidy(() => {
      const passes: Tensor[] = [];
      for (let s = 0; s < numSamples; s++) {
        const batches: Tensor[] = [];
        for (let b = 0, start = 0; start < numRows; b++, start += batchSize) {
          sites.forEach((site, i) => {
            site.seed(deriveSeed(seed, s, b, i));
          });
          const rows = Math.min(batchSize, numRows - start);
          const checkRows = s === 0 && b === 0 && output === 'probabilities';
          batches.push(forwardPass(model, x, start, rows, output, checkRows));
        }
        passes.push(batches.length === 1 ? batches[0]! : concat(batches, 0));
      }
      // [S] x [N, K] -> [S, N, K]: one slice per MC sample.
      const members = stack(passes, 0);
      const { mean, variance } = moments(members, 0);
      return { probs: mean, members, variance };
    }) as Predictive;
  } finally {
    restoreAll(sites);
  }
}

/** One pass over rows `[start, start + rows)` of `x`: probabilities `[rows, K]`. */
function forwardPass(
  model: LayersModel,
  x: Tensor,
  start: number,
  rows: number,
  output: (typeof OUTPUTS)[number],
  checkRows: boolean,
): Tensor {
  return tidy(() => {
    // Slice rows along axis 0; the other axes are taken whole.
    const xb = x.shape[0] === rows ? x : slice(x, [start], [rows]);
    const out = model.predict(xb, { batchSize: rows });
    if (Array.isArray(out)) {
      throw new InvalidArgumentError({
        fn: FN,
        argument: 'model',
        expected: 'a model with a single output',
        given: `${out.length} outputs`,
      });
    }
    checkOutput(out);
    if (output === 'logits') return softmax(out);
    // sync read: mcDropoutPredict is synchronous; webgpu cannot read back without awaiting, so
    // there the probability check is skipped.
    if (checkRows && getBackend() !== 'webgpu')
      checkProbabilities(out.dataSync(), out.shape[1]!, 'model output', FN);
    return out;
  });
}

function checkModel(model: unknown): asserts model is LayersModel {
  const candidate = model as Partial<LayersModel> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.predict !== 'function' ||
    !Array.isArray(candidate.layers)
  ) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a tfjs-layers model (LayersModel or Sequential)',
      given: model,
    });
  }
}

function checkInput(model: LayersModel, x: Tensor): void {
  const inputs = model.inputs;
  if (inputs.length !== 1) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a model with a single input',
      given: `${inputs.length} inputs`,
    });
  }
  checkRank(x, inputs[0]!.shape.length, 'x', FN);
  if (x.shape[0] === 0) {
    throw new ShapeError({ fn: FN, argument: 'x', expected: 'at least one row', given: x.shape });
  }
}

function checkOutput(out: Tensor): void {
  checkRank(out, 2, 'model output', FN);
  if (out.shape[1]! < 2) {
    throw new ShapeError({
      fn: FN,
      argument: 'model output',
      expected: 'of shape [B, K] with K >= 2 classes',
      given: out.shape,
    });
  }
}

function restoreAll(sites: readonly DropoutSite[]): void {
  for (const site of sites) site.restore();
}
