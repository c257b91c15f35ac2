import { concat, dispose, slice, type Tensor, type Tensor2D, tidy } from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import {
  checkFiniteNumber,
  checkPositiveInteger,
  checkShape,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { meanFieldLogits } from './mean-field-logits.js';
import { probabilityVariance, probsFromLogits } from './probability-variance.js';
import { RandomFeatureGaussianProcess } from './random-feature-gaussian-process.js';

const FN = 'sngpPredictive';

/**
 * Options of {@link sngpPredictive}.
 *
 * @since 0.1.0
 */
export interface SngpPredictiveOptions {
  /** `lambda` of {@link meanFieldLogits}; `< 0` turns the adjustment off. Default `pi / 8`. */
  lambda?: number;
  /** Examples per forward pass (bounds the `[L, batchSize]` intermediates). Default `256`. */
  batchSize?: number;
}

/** Sub-models from a model's input to the input of its GP output layer, built once. */
const featureModels = new WeakMap<LayersModel, LayersModel>();

/**
 * The `Predictive` of an SNGP model: a single-input `LayersModel` whose output is produced
 * by a {@link RandomFeatureGaussianProcess} layer (e.g. from {@link buildSngpClassifier}).
 *
 * Legend: `B` batch, `K` classes.
 *
 * - `probs`: `softmax(meanFieldLogits(logits, var, lambda))`, `[B, K]` (for a one-logit
 *   model, `[1 - sigmoid, sigmoid]` of the adjusted logit, `[B, 2]`).
 * - `variance`: the first-order (delta-method) variance of the probabilities when the logits
 *   are Gaussian with the GP's posterior variance, `Var[p_k] ~ sum_j var_j (dp_k / dz_j)^2`
 *   at the posterior mean, `[B, K]`.
 *
 * A model whose output is not a GP layer (an ablation without the GP head) gets
 * `probs = softmax(logits)` and no `variance`. Nothing here trains: the precision is used as
 * it is, and its Cholesky factor is cached by the layer until it changes.
 *
 * @param model - The trained model.
 * @param x - Inputs, `[B, ...inputShape]`.
 * @returns `{ probs [B, K], variance? [B, K] }`; the caller disposes it
 *   (`disposePredictive` from `@uqjs/core`).
 * @example
 * ```ts
 * const model = buildSngpClassifier({ inputShape: [2], numClasses: 2, hidden: 32, numLayers: 2 });
 * // ... compile with crossEntropyFromLogits, fit on one-hot labels with resetCovarianceCallback()
 * const { probs, variance } = sngpPredictive(model, xTest);
 * ```
 * @since 0.1.0
 */
export function sngpPredictive(
  model: LayersModel,
  x: Tensor,
  options: SngpPredictiveOptions = {},
): Predictive {
  const output = checkModel(model);
  const inputShape = model.inputs[0]!.shape;
  checkShape(x, inputShape, 'x', FN);
  const lambda = checkFiniteNumber(options.lambda ?? Math.PI / 8, 'options.lambda', FN);
  const batchSize = checkPositiveInteger(options.batchSize ?? 256, 'options.batchSize', FN);
  const gp = output.sourceLayer;
  if (!(gp instanceof RandomFeatureGaussianProcess)) {
    return tidy(() => ({ probs: probsFromLogits(model.predict(x, { batchSize }) as Tensor2D) }));
  }
  const features = featuresOf(model, output, x, batchSize);
  const parts: { probs: Tensor2D; variance: Tensor2D }[] = [];
  for (let start = 0; start < x.shape[0]!; start += batchSize) {
    parts.push(
      tidy(() => {
        const size = Math.min(batchSize, x.shape[0]! - start);
        const chunk = slice(features, [start, 0], [size, -1]);
        const { logits, variance } = gp.predictWithCovariance(chunk);
        return {
          probs: probsFromLogits(meanFieldLogits(logits, variance, lambda)),
          variance: probabilityVariance(logits, variance),
        };
      }),
    );
  }
  if (features !== x) features.dispose();
  const probs = concat(parts.map((p) => p.probs));
  const variance = concat(parts.map((p) => p.variance));
  dispose(parts.flatMap((p) => [p.probs, p.variance]));
  return { probs, variance };
}

function checkModel(model: unknown): SymbolicTensor {
  if (!(model instanceof LayersModel) || model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a tf.LayersModel with one input and one output',
      given: model instanceof LayersModel ? `a model with ${model.outputs.length} outputs` : model,
    });
  }
  return model.outputs[0]!;
}

/** The GP layer's input features for `x`, `[B, D]` (`x` itself if the GP reads the model input). */
function featuresOf(
  model: LayersModel,
  output: SymbolicTensor,
  x: Tensor,
  batchSize: number,
): Tensor {
  const gpInput = output.inputs[0]!;
  if (gpInput === model.inputs[0]) return x;
  let features = featureModels.get(model);
  if (features === undefined) {
    features = functionalModel({ inputs: model.inputs, outputs: gpInput });
    featureModels.set(model, features);
  }
  return features.predict(x, { batchSize }) as Tensor;
}
