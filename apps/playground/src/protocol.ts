import type { ConformalIntervalResult, ConformalSetsResult } from './conformal-split.js';
import type { Settings } from './settings.js';

/** Mean uncertainty (nats) over a set of points, for the summary table and the tests. */
export interface UncertaintyMeans {
  readonly total: number;
  readonly aleatoric: number;
  readonly epistemic: number;
}

/** Held-out scores (`@uqjs/metrics`). */
export interface HeldOutScores {
  readonly accuracy: number;
  readonly ece: number;
  readonly nll: number;
  readonly brier: number;
}

/**
 * A learned confidence `c(x)` in `(0, 1)` (low: out of distribution): its values on the grid
 * and its means at the training, held-out and OOD points (`null` without OOD points).
 */
export interface ConfidenceResult {
  /** `[G * G]` on the grid. */
  readonly grid: Float32Array;
  readonly train: number;
  readonly heldOut: number;
  readonly ood: number | null;
}

/** Everything the page draws after a 2-D classification run. Arrays are row-major. */
export interface ClassificationResult {
  readonly kind: 'classification';
  readonly numClasses: number;
  /** Points per side of the grid `G`; grid point `i` is `(xs[i % G], ys[floor(i / G)])`. */
  readonly gridSize: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  /** `[G * G, K]` predictive probabilities on the grid. */
  readonly probs: Float32Array;
  /** `[G * G]` entropy decomposition on the grid, nats. */
  readonly total: Float32Array;
  readonly aleatoric: Float32Array;
  readonly epistemic: Float32Array;
  /** Training points `[n, 2]` and labels `[n]`, drawn over the panels. */
  readonly trainX: Float32Array;
  readonly trainY: Int32Array;
  /** OOD points `[n, 2]` or `null`. */
  readonly oodX: Float32Array | null;
  /** The held-out reliability diagram, an SVG document (`reliabilityDiagramSvg`). */
  readonly reliabilitySvg: string;
  readonly heldOut: HeldOutScores;
  /** Mean uncertainty at the training, held-out and OOD points (`null` without OOD points). */
  readonly summary: {
    readonly train: UncertaintyMeans;
    readonly heldOut: UncertaintyMeans;
    readonly ood: UncertaintyMeans | null;
  };
  /** The method's learned confidence (learned confidence only; `null` for the others). */
  readonly confidence: ConfidenceResult | null;
  /** Conformal sets calibrated on half the held-out points (set sizes on the grid). */
  readonly conformal: ConformalSetsResult;
}

/** Mean predictive standard deviations over part of the regression input range. */
export interface StdMeans {
  readonly aleatoric: number;
  readonly epistemic: number;
  readonly total: number;
}

/**
 * Held-out scores of a regressor's predictive (`@uqjs/metrics`), taken as the `distribution`
 * family with the predictive mean and total variance (exact for one Gaussian or Laplace
 * network, moment-matched for the mixtures of the ensembles, MIMO and MC dropout).
 */
export interface RegressionScores {
  readonly distribution: 'gaussian' | 'laplace';
  /** Held-out points scored. */
  readonly count: number;
  /** Mean CRPS (`crpsGaussian` / `crpsLaplace`), in the units of `y`. */
  readonly crps: number;
  /** `miscalibrationArea` of the central intervals, 0 (calibrated) to 1/2. */
  readonly miscalibrationArea: number;
  /** `sharpness`: root mean predictive variance, in the units of `y`. */
  readonly sharpness: number;
}

/** Everything the page draws after a regression run. */
export interface RegressionResult {
  readonly kind: 'regression';
  /** `[G]` evenly spaced inputs over `xRange`. */
  readonly xs: Float32Array;
  readonly xRange: readonly [number, number];
  readonly dataRange: readonly [number, number];
  /** `[G]` predictive mean and variances, in the units of `y`. */
  readonly mean: Float32Array;
  readonly aleatoric: Float32Array;
  readonly epistemic: Float32Array;
  /** Training data `[n]`. */
  readonly trainX: Float32Array;
  readonly trainY: Float32Array;
  /** Noise standard deviation the data was drawn with. */
  readonly noiseStd: number;
  /** Root mean squared error of the mean against `x^3` inside the data range. */
  readonly rmseInside: number;
  /** Mean standard deviations inside the data range and outside it (extrapolation). */
  readonly summary: { readonly inside: StdMeans; readonly outside: StdMeans };
  /** Scores of the predictive on the held-out points. */
  readonly scores: RegressionScores;
  /** The split-conformal interval `mean +- halfWidth` (calibrated on half the held-out points). */
  readonly conformal: ConformalIntervalResult;
}

export type RunResult = ClassificationResult | RegressionResult;

/** Backend request from the page: `auto` tries WebGL then the CPU. */
export type BackendChoice = 'auto' | 'webgl' | 'cpu';

/** Messages to a training worker, whose runs take settings `S`. */
export type ToWorker<S = Settings> =
  | { readonly type: 'init'; readonly backend: BackendChoice }
  | { readonly type: 'train'; readonly settings: S }
  | { readonly type: 'stop' };

/** Messages from a training worker, whose runs give results `R`. */
export type FromWorker<R = RunResult | null> =
  | { readonly type: 'backend'; readonly name: string; readonly note: string }
  | {
      readonly type: 'progress';
      readonly done: number;
      readonly total: number;
      readonly loss: number;
    }
  | { readonly type: 'evaluating' }
  | {
      readonly type: 'finished';
      readonly result: R;
      readonly epochsDone: number;
      readonly stopped: boolean;
      readonly trainSeconds: number;
      readonly totalSeconds: number;
    }
  | { readonly type: 'error'; readonly message: string };
