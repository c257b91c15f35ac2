import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkPositiveInteger, checkSeed, deriveSeed, type Seed } from '@uqjs/core';
import { checkTensorValues } from '@uqjs/noise';
import { checkOptionsObject, checkTemperature } from './checks.js';
import type { McEngineOptions } from './mc-engine.js';

/**
 * The root of the seeds the Monte Carlo functions use when none is given. Without a seed,
 * every call draws fresh noise: the `n`-th unseeded call in a process (counted over
 * `mcSoftmax`, `mcSoftmaxFactor` and `mcSigmoid` together) uses
 * `deriveSeed(DEFAULT_MC_SEED, 'unseeded', n)`, so a hand-written training loop trains on a new
 * draw at every step while a script stays reproducible run to run. Pass `seed` to get the same
 * numbers on every call. The head layers derive their seeds from it too (see `MonteCarloHead`).
 *
 * @example
 * ```ts
 * mcSoftmax(loc, scale, { seed: deriveSeed(DEFAULT_MC_SEED, 'step', step) });
 * ```
 * @since 0.1.0
 */
export const DEFAULT_MC_SEED = 0;

/** How many unseeded Monte Carlo calls this process has made (see {@link DEFAULT_MC_SEED}). */
let unseededCalls = 0;

/** A fresh seed for a call without one: the next of `deriveSeed(DEFAULT_MC_SEED, 'unseeded', n)`. */
function freshSeed(): Seed {
  return deriveSeed(DEFAULT_MC_SEED, 'unseeded', unseededCalls++);
}

/**
 * Options every Monte Carlo head function takes (`mcSoftmax`, `mcSoftmaxFactor`, `mcSigmoid`).
 *
 * @since 0.1.0
 */
export interface McOptions {
  /**
   * Temperature `tau > 0` of the smoothing link. Default 1. A scalar tensor (e.g. a learned
   * temperature) is differentiated through.
   */
  readonly temperature?: number | tf.Tensor;
  /** Monte Carlo samples `S`. Default 1000. */
  readonly numSamples?: number;
  /** Samples processed at once; more are done in chunks, recomputed in the backward pass. Default 1000. */
  readonly maxSamplesInMemory?: number;
  /**
   * Seed of the noise; sample `s` depends only on `(seed, s)`, so the same seed gives the same
   * numbers. Default: a fresh seed per call (see {@link DEFAULT_MC_SEED}).
   */
  readonly seed?: Seed;
  /**
   * The exact model: hard outcomes of the latents averaged over samples, no smoothing (and no
   * gradient). Default false.
   */
  readonly argmax?: boolean;
  /** Also return the variance over samples of the per-sample probabilities. Default false. */
  readonly computeVariance?: boolean;
  /** Use the same noise draws for every batch row (noise `[S, 1, ..., K]`). Default false. */
  readonly shareSamplesAcrossBatch?: boolean;
  /**
   * Check tensor values (finite, scales >= 0, a tensor temperature > 0) with small read-backs.
   * Default true; layers that build non-negative scales themselves pass false.
   */
  readonly checkValues?: boolean;
}

/** {@link McOptions} after checks and defaults. */
export interface CheckedMcOptions {
  readonly engine: McEngineOptions;
  readonly seed: Seed;
  readonly shareSamplesAcrossBatch: boolean;
  readonly checkValues: boolean;
}

/**
 * Checks {@link McOptions} and fills in the defaults; errors name `opts.<option>` and `fn`.
 * `opts` may be `undefined` (all defaults); `null` or a non-object is an `InvalidArgumentError`.
 * Without `opts.seed` it returns a fresh seed (see {@link DEFAULT_MC_SEED}).
 *
 * @example
 * ```ts
 * const { engine, seed } = checkMcOptions({ numSamples: 100 }, 'myHead');
 * ```
 * @since 0.1.0
 */
export function checkMcOptions(options: McOptions | undefined, fn: string): CheckedMcOptions {
  const opts = checkOptionsObject(options, 'opts', fn);
  const temperature = checkTemperature(opts.temperature ?? 1, 'opts.temperature', fn);
  const checkValues = checkBoolean(opts.checkValues ?? true, 'opts.checkValues', fn);
  // sync read: the MC heads are synchronous; webgpu cannot read back without awaiting, so there
  // a tensor temperature is not checked.
  if (checkValues && temperature instanceof tf.Tensor && tf.getBackend() !== 'webgpu') {
    checkTensorValues(temperature, 'opts.temperature', fn, { nonNegative: true });
    checkTemperature(temperature.dataSync()[0], 'opts.temperature', fn);
  }
  return {
    engine: {
      temperature,
      numSamples: checkPositiveInteger(opts.numSamples ?? 1000, 'opts.numSamples', fn),
      maxSamplesInMemory: checkPositiveInteger(
        opts.maxSamplesInMemory ?? 1000,
        'opts.maxSamplesInMemory',
        fn,
      ),
      argmax: checkBoolean(opts.argmax ?? false, 'opts.argmax', fn),
      computeVariance: checkBoolean(opts.computeVariance ?? false, 'opts.computeVariance', fn),
    },
    shareSamplesAcrossBatch: checkBoolean(
      opts.shareSamplesAcrossBatch ?? false,
      'opts.shareSamplesAcrossBatch',
      fn,
    ),
    checkValues,
    // Last, so a rejected option does not use up a fresh seed.
    seed: opts.seed === undefined ? freshSeed() : checkSeed(opts.seed, 'opts.seed', fn),
  };
}

/**
 * `t` as float32: a cast for int or bool tensors (call inside a tidy).
 *
 * @example
 * ```ts
 * tf.tidy(() => asFloat32(tf.tensor1d([1, 2], 'int32'))); // float32 [1, 2]
 * ```
 * @since 0.1.0
 */
export function asFloat32(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}
