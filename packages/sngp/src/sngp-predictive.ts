import {
  concat,
  dispose,
  getBackend,
  slice,
  sum,
  type Tensor,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import {
  checkFiniteNumber,
  checkOptionsObject,
  checkPositiveInteger,
  checkRank,
  checkShape,
  DataError,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { meanFieldLogits } from './mean-field-logits.js';
import { probabilityVariance, probsFromLogits } from './probability-variance.js';
import { RandomFeatureGaussianProcess } from './random-feature-gaussian-process.js';
import { gaussianProcessLayers } from './reset-covariance-callback.js';

const FN = 'sngpPredictive';

/**
 * Options of {@link sngpPredictive}.
 *
 * @since 0.1.0
 */
export interface SngpPredictiveOptions {
  /** `lambda` of {@link meanFieldLogits}, `>= 0`; `0` turns the adjustment off. Default `pi / 8`. */
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
 * A model without a GP layer (an ablation without the GP head) gets `probs = softmax(logits)`
 * and no `variance`; its output layer must give logits (no softmax or sigmoid activation). A
 * model with a GP layer that is not its output layer (e.g. a softmax after it) is rejected.
 * Non-finite logits or variances (NaN in `x` or in the weights) throw a `DataError`. Nothing here trains: the precision is used as
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
  checkRank(x, inputShape.length, 'x', FN);
  checkShape(x, inputShape, 'x', FN);
  checkOptionsObject(options, 'options', FN, 'an object { lambda?, batchSize? }');
  const lambda = checkFiniteNumber(options.lambda ?? Math.PI / 8, 'options.lambda', FN);
  if (lambda < 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'options.lambda',
      expected: 'a finite number >= 0 (0 turns the mean-field adjustment off)',
      given: lambda,
    });
  }
  const batchSize = checkPositiveInteger(options.batchSize ?? 256, 'options.batchSize', FN);
  const gp = output.sourceLayer;
  if (!(gp instanceof RandomFeatureGaussianProcess)) {
    checkLogitsOutput(model, output);
    const probs = tidy(() => probsFromLogits(model.predict(x, { batchSize }) as Tensor2D));
    // sync read: one number, the NaN check of a sync API (issue 19.17); skipped on webgpu, which
    // cannot read back without awaiting.
    const total = getBackend() === 'webgpu' ? 0 : tidy(() => sum(probs).dataSync()[0]!);
    if (!Number.isFinite(total)) {
      probs.dispose();
      throw new DataError(
        `${FN}: the model's logits are not finite (NaN or infinite values in x or in the weights)`,
      );
    }
    return { probs };
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

/**
 * Without a GP output layer, the model must output logits: a GP layer elsewhere (e.g. a
 * softmax after it) or a softmax / sigmoid output would be softmaxed twice and lose the
 * variance.
 */
function checkLogitsOutput(model: LayersModel, output: SymbolicTensor): void {
  const last = output.sourceLayer;
  const gps = gaussianProcessLayers(model);
  if (gps.length > 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected:
        'a model whose output is produced by its RandomFeatureGaussianProcess layer (remove the layers after it; sngpPredictive applies the softmax)',
      given: `GP layer '${gps[0]!.name}' followed by the output layer '${last.name}' (${last.getClassName()})`,
    });
  }
  const activation = last.getConfig().activation;
  if (last.getClassName() === 'Softmax' || activation === 'softmax' || activation === 'sigmoid') {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'model',
      expected: 'a model that outputs logits (no softmax or sigmoid on the output layer)',
      given: `output layer '${last.name}' (${last.getClassName()}, activation ${JSON.stringify(activation ?? 'softmax')})`,
    });
  }
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
