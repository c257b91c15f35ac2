import type * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { checkBoolean, checkPositiveInteger, deriveSeed, type Seed } from '@uqjs/core';
import { HeteroscedasticHead, type HeteroscedasticHeadArgs } from './heteroscedastic-head.js';
import type { McEngineOptions } from './mc-engine.js';
import {
  boundedTemperature,
  checkTemperatureSpec,
  type LearnedTemperature,
  type TemperatureSpec,
  temperatureLogitInit,
} from './temperature.js';

/**
 * Arguments every Monte Carlo head layer shares.
 *
 * @since 0.1.0
 */
export interface MonteCarloHeadArgs extends HeteroscedasticHeadArgs {
  /**
   * Temperature: a number > 0 (default 1), or learned within bounds as
   * `{ learned: true, min, max, initial? }`.
   */
  temperature?: TemperatureSpec;
  /** Monte Carlo samples per call in training (`training: true`). Default 1000. */
  trainSamples?: number;
  /** Monte Carlo samples per call in inference (`predict`, `evaluate`). Default 1000. */
  testSamples?: number;
  /** Samples processed at once; more are done in chunks. Default 1000. */
  maxSamplesInMemory?: number;
  /** Whether `predictive()` also returns the per-class variance over samples. Default false. */
  computeVariance?: boolean;
  /** Reuse each noise draw for every batch row. Default false. */
  shareSamplesAcrossBatch?: boolean;
}

/**
 * The base of the uqjs Monte Carlo head layers (`DenseMonteCarloHead`, the base of
 * `MCSoftmaxDense`, `MCSoftmaxDenseFA` and of `MCSigmoidDense`, `MCSigmoidDenseFA` in
 * `@uqjs/mc-sigmoid`; heads of other shapes such as a per-pixel head extend it directly): a
 * `HeteroscedasticHead` that samples with
 * `mcEngine`. It adds the temperature (fixed, or a trained weight within bounds), the sample
 * counts of the `training` flag and the seeds: training call `i` draws with
 * `deriveSeed(seed, 'train', i)` (fresh noise every step, reproducible runs); inference
 * always draws with `deriveSeed(seed, 'test')` (deterministic predictions that survive
 * `model.save` / `tf.loadLayersModel`). A subclass adds its projections in `build` (calling
 * `buildTemperature()`) and runs `mcEngine` with its latent model and link in `call`.
 *
 * @example
 * ```ts
 * // The core of MCSoftmaxDense.call:
 * const { loc, scale } = this.locScale(features);
 * const model = diagonalLatents(loc, scale, { noise: this.noise, seed: this.nextSeed(training), shareSamplesAcrossBatch: false });
 * return mcEngine(model, softmaxLink, this.engineOptions(training, false)).logProbs;
 * ```
 * @since 0.1.0
 */
export abstract class MonteCarloHead extends HeteroscedasticHead {
  readonly temperature: TemperatureSpec;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly maxSamplesInMemory: number;
  readonly computeVariance: boolean;
  readonly shareSamplesAcrossBatch: boolean;
  private temperatureLogit: LayerVariable | null = null;
  private trainCalls = 0;

  protected constructor(
    headArgs: MonteCarloHeadArgs,
    extraInitializerRoles: readonly string[] = [],
  ) {
    const args: MonteCarloHeadArgs = headArgs ?? {};
    super(args, extraInitializerRoles);
    const fn = this.getClassName();
    this.temperature = checkTemperatureSpec(args.temperature ?? 1, 'temperature', fn);
    this.trainSamples = checkPositiveInteger(args.trainSamples ?? 1000, 'trainSamples', fn);
    this.testSamples = checkPositiveInteger(args.testSamples ?? 1000, 'testSamples', fn);
    this.maxSamplesInMemory = checkPositiveInteger(
      args.maxSamplesInMemory ?? 1000,
      'maxSamplesInMemory',
      fn,
    );
    this.computeVariance = checkBoolean(args.computeVariance ?? false, 'computeVariance', fn);
    this.shareSamplesAcrossBatch = checkBoolean(
      args.shareSamplesAcrossBatch ?? false,
      'shareSamplesAcrossBatch',
      fn,
    );
  }

  /** Adds the temperature logit weight when the temperature is learned. Call in `build`. */
  protected buildTemperature(): void {
    if (typeof this.temperature === 'number') return;
    this.temperatureLogit = this.addWeight(
      'temperatureLogit',
      [],
      'float32',
      initializers.constant({ value: temperatureLogitInit(this.temperature) }),
    );
  }

  /** The current temperature: the fixed number, or `min + (max - min) sigmoid(t)`. */
  temperatureValue(): number | tf.Tensor {
    if (this.temperatureLogit === null) return this.temperature as number;
    return boundedTemperature(this.temperatureLogit.read(), this.temperature as LearnedTemperature);
  }

  /**
   * Engine options for a call: sample count by the `training` flag, temperature, variance, and
   * `argmax` (the exact model, for `predictive({ argmax: true })`).
   */
  protected engineOptions(
    training: boolean,
    computeVariance: boolean,
    argmax = false,
  ): McEngineOptions {
    return {
      numSamples: training ? this.trainSamples : this.testSamples,
      maxSamplesInMemory: this.maxSamplesInMemory,
      temperature: this.temperatureValue(),
      argmax,
      computeVariance,
    };
  }

  /** The noise seed of a call: fresh per training call, fixed for inference. */
  protected nextSeed(training: boolean): Seed {
    return training
      ? deriveSeed(this.headSeed, 'train', this.trainCalls++)
      : deriveSeed(this.headSeed, 'test');
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      temperature:
        typeof this.temperature === 'number' ? this.temperature : { ...this.temperature },
      trainSamples: this.trainSamples,
      testSamples: this.testSamples,
      maxSamplesInMemory: this.maxSamplesInMemory,
      computeVariance: this.computeVariance,
      shareSamplesAcrossBatch: this.shareSamplesAcrossBatch,
    };
  }
}
