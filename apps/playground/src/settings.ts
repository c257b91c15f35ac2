import {
  checkInRange,
  checkInteger,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
  checkSeed,
  InvalidArgumentError,
} from '@uqjs/core';
import { NOISE_KINDS, type NoiseKind } from '@uqjs/noise';

/** The toy problems the page offers. */
export const DATASETS = ['moons', 'spirals', 'cubic'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** The methods the page trains. */
export const METHODS = [
  'deterministic',
  'heteroscedastic',
  'sngp',
  'mc-dropout',
  'ensemble',
  'het-sngp',
  'bbb',
  'learned-confidence',
  'mimo',
  'kfold',
  'rank1',
] as const;
export type MethodName = (typeof METHODS)[number];

/** Likelihoods of the regression heads (`@uqjs/ensembles` `gaussianNll` / `laplaceNll`). */
export const REGRESSION_LIKELIHOODS = ['gaussian', 'laplace'] as const;
export type RegressionLikelihood = (typeof REGRESSION_LIKELIHOODS)[number];

/** Conformal set scores of `@uqjs/conformal`'s `calibrate` offered for the classification view. */
export const CONFORMAL_METHODS = ['lac', 'aps', 'raps'] as const;
export type ConformalMethod = (typeof CONFORMAL_METHODS)[number];

/**
 * The range of the conformal miscoverage `alpha`: the smallest calibration split (the spirals'
 * 60 points) needs `alpha >= 1 / 61`, and above one half a prediction is mostly empty.
 */
export const ALPHA_RANGE: readonly [number, number] = [0.02, 0.5];

/** Methods offered for the regression view: the others' models are classifiers only. */
export const REGRESSION_METHODS: readonly MethodName[] = [
  'deterministic',
  'heteroscedastic',
  'mc-dropout',
  'ensemble',
  'mimo',
  'kfold',
];

/** Everything one training run depends on. */
export interface Settings {
  readonly dataset: DatasetName;
  readonly method: MethodName;
  /** Passes over the training set (per member for the ensemble). */
  readonly epochs: number;
  readonly learningRate: number;
  /** Width of each hidden layer of the toy MLP. */
  readonly hidden: number;
  /** Seed of the data, the initial weights and every Monte Carlo draw. */
  readonly seed: number;
  /** Heteroscedastic classification: noise family of the latent utilities. */
  readonly noise: NoiseKind;
  /** Heteroscedastic classification: softmax temperature. */
  readonly temperature: number;
  /**
   * Monte Carlo samples: heteroscedastic head, MC dropout passes, SNGP posterior draws, BbB
   * weight draws, rank-1 factor draws per member.
   */
  readonly mcSamples: number;
  /** MC dropout rate. */
  readonly dropoutRate: number;
  /** Members: of the deep ensemble, `k` of the k-fold ensemble, `M` of MIMO and rank-1. */
  readonly ensembleSize: number;
  /** Regression heads (heteroscedastic, MC dropout, ensemble): Gaussian or Laplace. */
  readonly likelihood: RegressionLikelihood;
  /** Points per side of the 2-D prediction grid. */
  readonly gridSize: number;
  /**
   * Moons: the largest probability of flipping a label (0 to 0.5), reached at the right moon's
   * tip and falling to 0 at the left one's (`moonFlipProbability` in tasks.ts).
   */
  readonly labelNoise: number;
  /**
   * Split conformal prediction on the held-out points: miscoverage `alpha` (the sets and
   * intervals aim at `1 - alpha` coverage), in {@link ALPHA_RANGE}.
   */
  readonly alpha: number;
  /** Classification: the conformal set score (`lac`, `aps` or `raps`). */
  readonly conformal: ConformalMethod;
}

/** The page's starting values: a run of a few seconds on the CPU backend. */
export const DEFAULT_SETTINGS: Settings = {
  dataset: 'moons',
  method: 'sngp',
  epochs: 40,
  learningRate: 0.01,
  hidden: 32,
  seed: 0,
  noise: 'normal',
  temperature: 1,
  mcSamples: 100,
  dropoutRate: 0.1,
  ensembleSize: 5,
  likelihood: 'gaussian',
  gridSize: 64,
  labelNoise: 0,
  alpha: 0.1,
  conformal: 'aps',
};

/**
 * Checks every field of `value` (as read from the form or a URL) and returns typed settings;
 * throws an `InvalidArgumentError` naming the first bad field.
 */
export function checkSettings(value: Record<string, unknown>): Settings {
  const fn = 'checkSettings';
  const dataset = checkOneOf(value.dataset, DATASETS, 'dataset', fn);
  const method = checkOneOf(value.method, METHODS, 'method', fn);
  if (dataset === 'cubic' && !REGRESSION_METHODS.includes(method)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'method',
      expected: `one of ${REGRESSION_METHODS.join(', ')} for the regression view`,
      given: method,
    });
  }
  return {
    dataset,
    method,
    epochs: checkInRange(checkPositiveInteger(value.epochs, 'epochs', fn), 'epochs', fn, 1, 2000),
    learningRate: checkInRange(
      checkPositive(value.learningRate, 'learningRate', fn),
      'learningRate',
      fn,
      1e-6,
      1,
    ),
    hidden: checkInRange(checkPositiveInteger(value.hidden, 'hidden', fn), 'hidden', fn, 1, 512),
    seed: checkSeed(value.seed, 'seed', fn),
    noise: checkOneOf(value.noise, NOISE_KINDS, 'noise', fn),
    temperature: checkInRange(
      checkPositive(value.temperature, 'temperature', fn),
      'temperature',
      fn,
      1e-3,
      100,
    ),
    mcSamples: checkInRange(
      checkPositiveInteger(value.mcSamples, 'mcSamples', fn),
      'mcSamples',
      fn,
      1,
      1000,
    ),
    dropoutRate: checkInRange(value.dropoutRate, 'dropoutRate', fn, 0.01, 0.9),
    ensembleSize: checkInRange(
      checkInteger(value.ensembleSize, 'ensembleSize', fn, 2),
      'ensembleSize',
      fn,
      2,
      20,
    ),
    likelihood: checkOneOf(value.likelihood, REGRESSION_LIKELIHOODS, 'likelihood', fn),
    gridSize: checkInRange(checkInteger(value.gridSize, 'gridSize', fn, 8), 'gridSize', fn, 8, 200),
    labelNoise: checkInRange(value.labelNoise, 'labelNoise', fn, 0, 0.5),
    alpha: checkInRange(value.alpha, 'alpha', fn, ...ALPHA_RANGE),
    conformal: checkOneOf(value.conformal, CONFORMAL_METHODS, 'conformal', fn),
  };
}
