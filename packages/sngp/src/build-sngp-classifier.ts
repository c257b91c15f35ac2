import {
  model as functionalModel,
  initializers,
  input,
  type LayersModel,
  layers,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkCount,
  checkInRange,
  checkInteger,
  checkOptionsObject,
  checkPositive,
  checkPositiveInteger,
  checkSeed,
  deriveSeed,
  InvalidArgumentError,
} from '@uqjs/core';
import {
  RandomFeatureGaussianProcess,
  type RandomFeatureGaussianProcessArgs,
} from './random-feature-gaussian-process.js';
import { MAX_POWER_ITERATIONS, SpectralNormalization } from './spectral-normalization.js';

const FN = 'buildSngpClassifier';
/** Largest `hidden` accepted. */
const MAX_HIDDEN = 65536;
/** Largest `numLayers` accepted. */
const MAX_LAYERS = 1000;

/**
 * Options of {@link buildSngpClassifier}. The GP options are those of
 * {@link RandomFeatureGaussianProcess} (same defaults).
 *
 * @since 0.1.0
 */
export interface SngpClassifierOptions
  extends Pick<
    RandomFeatureGaussianProcessArgs,
    | 'numInducing'
    | 'normalizeInput'
    | 'scaleRandomFeatures'
    | 'kernelScale'
    | 'randomFeatures'
    | 'gpCovMomentum'
    | 'gpCovRidgePenalty'
    | 'likelihood'
    | 'covarianceConvention'
  > {
  /** Shape of one example, e.g. `[2]` or `[28, 28, 1]` (flattened first when of rank > 1). */
  inputShape: number[];
  /**
   * Number of classes `K`: the model returns `[B, K]` logits. `1` gives a one-logit binary
   * model (`p = sigmoid(z)`; train it with {@link crossEntropyFromLogits} on `[B, 1]` 0/1
   * targets); it needs the GP head.
   */
  numClasses: number;
  /** Width of the residual stream, at most 65536. Default `128`. */
  hidden?: number;
  /** Number of residual blocks, at most 1000. Default `6`. */
  numLayers?: number;
  /** Dropout rate on each block's branch, in `[0, 1)`. Default `0.1`. */
  dropoutRate?: number;
  /** Bound on each block's spectral norm. Default `0.95`. */
  normMultiplier?: number;
  /** Power-iteration steps per training call. Default `1`. */
  powerIterations?: number;
  /** Spectral-normalize the residual blocks (off: an ablation). Default `true`. */
  spectralNormalization?: boolean;
  /** End in the GP layer (off: a plain `Dense` output, the deterministic ResNet). Default `true`. */
  gaussianProcess?: boolean;
  /** Seed of every initializer and of the random features. Default `0`. */
  seed?: number;
}

/**
 * The ResNet-style MLP of the SNGP tutorial, as a tfjs `LayersModel` that returns logits:
 *
 * `h_0 = x W_in` (a frozen random projection to `hidden` units, as in the tutorial), then for
 * each of `numLayers` blocks `h <- h + dropout(relu(SN(Dense)(h)))`, and last the
 * {@link RandomFeatureGaussianProcess} layer with `units = numClasses`. Spectral normalization
 * keeps each block's residual branch `normMultiplier`-Lipschitz, so the hidden map is
 * distance-preserving and the GP's distance-aware variance carries over to the input space.
 *
 * Train it with `model.fit` on one-hot labels, the loss {@link crossEntropyFromLogits} and
 * {@link resetCovarianceCallback} (needed with the default `gpCovMomentum: -1`), then predict
 * with {@link sngpPredictive}. With `spectralNormalization: false, gaussianProcess: false` it
 * is the deterministic ResNet baseline of the same shape.
 *
 * Weights are initialized from `seed`; dropout in `fit` uses tfjs's own (unseeded) sampling,
 * as does `fit`'s shuffling.
 *
 * @returns A model `[B, ...inputShape] -> [B, numClasses]` logits.
 * @example
 * ```ts
 * const model = buildSngpClassifier({ inputShape: [2], numClasses: 2, hidden: 64, numLayers: 3 });
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: crossEntropyFromLogits });
 * const y = tf.oneHot(labels, 2); // labels: int32 [B]
 * await model.fit(x, y, { epochs: 50, callbacks: [resetCovarianceCallback()] });
 * const { probs, variance } = sngpPredictive(model, xTest);
 * ```
 * @since 0.1.0
 */
export function buildSngpClassifier(options: SngpClassifierOptions): LayersModel {
  // Left out, the options read as {} and the error names the missing inputShape.
  const opts = checkOptionsObject(
    options,
    'options',
    FN,
    'an object { inputShape, numClasses, ... }',
  );
  const inputShape = checkInputShape(opts.inputShape);
  const numClasses = checkPositiveInteger(opts.numClasses, 'numClasses', FN);
  const hidden = checkCount(opts.hidden ?? 128, 'hidden', FN, MAX_HIDDEN);
  const numLayers = checkInRange(
    checkInteger(opts.numLayers ?? 6, 'numLayers', FN),
    'numLayers',
    FN,
    0,
    MAX_LAYERS,
  );
  const dropoutRate = checkDropoutRate(opts.dropoutRate ?? 0.1);
  const normMultiplier = checkPositive(opts.normMultiplier ?? 0.95, 'normMultiplier', FN);
  const powerIterations = checkCount(
    opts.powerIterations ?? 1,
    'powerIterations',
    FN,
    MAX_POWER_ITERATIONS,
  );
  const spectral = checkBoolean(opts.spectralNormalization ?? true, 'spectralNormalization', FN);
  const gaussian = checkBoolean(opts.gaussianProcess ?? true, 'gaussianProcess', FN);
  const seed = checkSeed(opts.seed ?? 0, 'seed', FN);
  const glorot = (...path: (string | number)[]) =>
    initializers.glorotUniform({ seed: deriveSeed(seed, ...path) });
  if (!gaussian && numClasses < 2) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'numClasses',
      expected: 'an integer >= 2 without the GP head (gaussianProcess: false)',
      given: numClasses,
    });
  }
  // The head first: its constructor checks the GP options before any layer holds tensors.
  const head = gaussian
    ? new RandomFeatureGaussianProcess({
        units: numClasses,
        numInducing: opts.numInducing,
        normalizeInput: opts.normalizeInput,
        scaleRandomFeatures: opts.scaleRandomFeatures,
        kernelScale: opts.kernelScale,
        randomFeatures: opts.randomFeatures,
        gpCovMomentum: opts.gpCovMomentum,
        gpCovRidgePenalty: opts.gpCovRidgePenalty,
        likelihood: opts.likelihood,
        covarianceConvention: opts.covarianceConvention,
        seed: deriveSeed(seed, 'gp'),
      })
    : layers.dense({ units: numClasses, kernelInitializer: glorot('output') });

  const x = input({ shape: inputShape });
  let h = (inputShape.length > 1 ? layers.flatten().apply(x) : x) as SymbolicTensor;
  h = layers
    .dense({ units: hidden, trainable: false, kernelInitializer: glorot('input') })
    .apply(h) as SymbolicTensor;
  for (let i = 0; i < numLayers; i++) {
    const dense = layers.dense({
      units: hidden,
      activation: 'relu',
      kernelInitializer: glorot('dense', i),
    });
    const block = spectral
      ? new SpectralNormalization({
          layer: dense,
          normMultiplier,
          powerIterations,
          seed: deriveSeed(seed, 'spectral', i),
        })
      : dense;
    let branch = block.apply(h) as SymbolicTensor;
    if (dropoutRate > 0)
      branch = layers.dropout({ rate: dropoutRate }).apply(branch) as SymbolicTensor;
    h = layers.add().apply([h, branch]) as SymbolicTensor;
  }
  return functionalModel({ inputs: x, outputs: head.apply(h) as SymbolicTensor });
}

function checkInputShape(shape: unknown): number[] {
  const ok =
    Array.isArray(shape) && shape.length > 0 && shape.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'inputShape',
      expected: 'a non-empty array of positive integers',
      given: shape,
    });
  }
  return shape as number[];
}

function checkDropoutRate(rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'dropoutRate',
      expected: 'a number in [0, 1)',
      given: rate,
    });
  }
  return rate;
}
