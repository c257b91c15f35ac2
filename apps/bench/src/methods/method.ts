import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Predictive } from '@uqjs/core';
import type { NoiseKind } from '../config.js';
import type { BodySpec } from '../models.js';

/**
 * What a method needs to build its models for one cell.
 *
 * Legend: `B` batch, `K` classes, `S` MC samples, `M` members.
 *
 * @since 0.1.0
 */
export interface MethodContext {
  /** The network body to put under the method's head. */
  readonly body: BodySpec;
  /** One example's shape: `[D]` for an MLP, `[H, W, C]` for a CNN. */
  readonly inputShape: readonly number[];
  /** `K`. */
  readonly numClasses: number;
  /** Softmax temperature (1 for methods without one). */
  readonly temperature: number;
  /** MC samples of the training loss (methods that sample). */
  readonly trainSamples: number;
  /** MC samples (or passes) at validation and test. */
  readonly evalSamples: number;
  /** Logit noise family of the heteroscedastic head. */
  readonly noise: NoiseKind;
  /** Members of an ensemble. */
  readonly ensembleSize: number;
  /** Seeds the initialization and every MC draw of the cell. */
  readonly seed: number;
  /**
   * `N`, the training examples of the cell (Bayes by Backprop divides its KL term by it);
   * methods that need it fail without it.
   */
  readonly trainSize?: number;
  /**
   * One example of the dataset as an image `[H, W, C]`, whatever the body takes (moons points
   * are `[1, 1, 2]`); test-time augmentation needs it and fails without it.
   */
  readonly imageShape?: readonly [number, number, number];
}

/**
 * A built, trainable method: the models the trainer updates, their loss, and how to turn
 * inputs into a `Predictive`. The runner treats every method the same through this.
 *
 * @since 0.1.0
 */
export interface MethodModel {
  /**
   * The models the trainer fits, each with its own Adam optimizer and its own shuffle of the
   * training set, all stepped epoch by epoch (an ensemble has `M`, the others 1).
   */
  readonly models: readonly LayersModel[];
  /**
   * The training loss of one model's output on a batch: `labels` `[B]` int32, `output` the
   * model's output on the batch (logits or log-probabilities `[B, K]`); a scalar. With
   * {@link trainingBatch}, `labels` and `output` are of the shapes that hook makes.
   */
  loss(labels: Tensor, output: Tensor): Tensor;
  /**
   * The rows of the training set that model `model` (0-based) trains on, as indices into it;
   * without this hook every model trains on every row. A k-fold ensemble leaves out each
   * member's fold.
   */
  trainingRows?(model: number): ArrayLike<number>;
  /**
   * What the model is fed for a training batch `x` `[B, ...]` (as the trainer reads it),
   * `labels` `[B]` int32: new inputs and labels (MIMO's `[B, M, ...]` and `[B, M]`), any
   * randomness drawn from `seed`. Without this hook the batch is fed as it is. The trainer
   * disposes what it returns; the hook does not dispose its arguments.
   */
  trainingBatch?(x: Tensor, labels: Tensor, seed: number): { x: Tensor; labels: Tensor };
  /** Called before each epoch (1-based), e.g. to reset SNGP's covariance. */
  onEpochBegin?(epoch: number): void;
  /**
   * The predictive distribution on `x` (`[B, D]` or `[B, H, W, C]`): `probs` `[B, K]`, in
   * evaluation mode with `evalSamples` MC samples drawn from `seed`. The caller disposes it.
   */
  predict(x: Tensor, seed: number): Predictive;
  /** Frees every tensor and variable the method holds. */
  dispose(): void;
}

/**
 * A method of the benchmark: a factory of {@link MethodModel}s.
 *
 * @since 0.1.0
 */
export interface Method {
  readonly name: string;
  create(context: MethodContext): MethodModel;
}
