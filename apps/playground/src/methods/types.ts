import type { Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';

/**
 * Shape legend of the app: `N` points, `K` classes, `M` members (ensemble members, MC
 * dropout passes or posterior draws), `D` input features (2 for the 2-D sets, 1 for the
 * regression view).
 */

/** What a method reports while it trains, and how it learns that the user pressed Stop. */
export interface TrainHooks {
  /** `done` of `total` epochs (summed over members for the ensemble); `loss` of the last one. */
  progress(done: number, total: number, loss: number): void;
  /** True once the user asked to stop. Read after every epoch. */
  stopRequested(): boolean;
}

/** How a training run ended. */
export interface FitOutcome {
  /** Epochs completed (over all members for the ensemble). */
  readonly epochsDone: number;
  /** True when the run ended early because Stop was pressed. */
  readonly stopped: boolean;
}

/**
 * A classifier's predictions: `probs` `[N, K]` (the method's own predictive) and `members`
 * `[M, N, K]`, the distributions whose spread is the method's model (epistemic) uncertainty
 * (`M = 1` for a single deterministic network: no epistemic part). A method that learns a
 * confidence score also gives `confidence` `[N]` in `(0, 1)` (low: out of distribution).
 */
export interface ClassPrediction {
  readonly probs: Tensor2D;
  readonly members: Tensor3D;
  readonly confidence?: Tensor1D;
}

/** A classification method, trained on `x` `[N, D]` and integer labels `y` `[N]`. */
export interface Classifier {
  /** Whether the model can be drawn after an early stop (false for a half-built ensemble). */
  readonly usableWhenStopped: boolean;
  fit(x: Tensor2D, y: Tensor1D, hooks: TrainHooks): Promise<FitOutcome>;
  predict(x: Tensor2D): ClassPrediction;
  dispose(): void;
}

/**
 * A regression method's predictive at `N` inputs: the `mean` `[N]`, and the predictive
 * variance split into its `aleatoric` (mean of the members' noise variances) and `epistemic`
 * (variance of the members' means) parts `[N]`.
 */
export interface RegressionPrediction {
  readonly mean: Tensor1D;
  readonly aleatoric: Tensor1D;
  readonly epistemic: Tensor1D;
}

/** A regression method, trained on `x` `[N, 1]` and targets `y` `[N]`. */
export interface Regressor {
  readonly usableWhenStopped: boolean;
  fit(x: Tensor2D, y: Tensor1D, hooks: TrainHooks): Promise<FitOutcome>;
  predict(x: Tensor2D): RegressionPrediction;
  dispose(): void;
}
