import { concat, dispose, slice, type Tensor, tidy } from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import {
  checkOptionsObject,
  checkPositiveInteger,
  checkRank,
  checkShape,
  InvalidArgumentError,
  type Predictive,
} from '@uqjs/core';
import { HetSNGPHead, type HetSngpPredictOptions } from './het-sngp-head.js';

const FN = 'hetSngpPredictive';

/**
 * Options of {@link hetSngpPredictive}: those of {@link HetSNGPHead.predictive} and the batch size.
 *
 * @since 0.2.0
 */
export interface HetSngpPredictiveOptions extends HetSngpPredictOptions {
  /** Examples per forward pass (bounds the `[S, batchSize, K]` samples). Default `256`. */
  readonly batchSize?: number;
}

/** Sub-models from a model's input to the input of its HetSNGP head, built once per model. */
const bodies = new WeakMap<LayersModel, LayersModel>();

/**
 * The `Predictive` (`@uqjs/core`) of a single-input model whose output layer is a
 * {@link HetSNGPHead}, or of the head itself given its input features: the heteroscedastic
 * Monte Carlo softmax with the GP's predictive variance added (see `HetSngpGpVariance`),
 * batch by batch with the head's inference seed: the same batches give identical numbers
 * (the noise of a row depends on its position in its batch, so another `batchSize` changes
 * the result by Monte Carlo error only).
 *
 * Legend: `B` batch, `K` classes.
 *
 * @param modelOrHead - The trained model (its output produced by a `HetSNGPHead`), or the head.
 * @param x - The model's inputs `[B, ...inputShape]`, or the head's features `[B, D]`.
 * @returns `{ probs [B, K], variance? [B, K] }`; the caller disposes it (`disposePredictive`).
 * @throws `InvalidArgumentError` for a model whose output layer is not a `HetSNGPHead` or a bad
 *   option; `ShapeError` for `x` of the wrong shape.
 * @example
 * ```ts
 * const { probs, variance } = hetSngpPredictive(model, xTest, { computeVariance: true });
 * // with the heteroscedastic part off: SNGP's mean-field softmax
 * const sngp = hetSngpPredictive(model, xTest, { gpVariance: 'mean-field', hetVarianceWeight: 0 });
 * ```
 * @since 0.2.0
 */
export function hetSngpPredictive(
  modelOrHead: LayersModel | HetSNGPHead,
  x: Tensor,
  opts: HetSngpPredictiveOptions = {},
): Predictive {
  const { batchSize: batchOption, ...headOptions } = checkOptionsObject(opts, 'opts', FN);
  const batchSize = checkPositiveInteger(batchOption ?? 256, 'opts.batchSize', FN);
  const { head, body } = resolveHead(modelOrHead);
  if (body !== null) {
    const inputShape = (modelOrHead as LayersModel).inputs[0]!.shape;
    checkRank(x, inputShape.length, 'x', FN);
    checkShape(x, inputShape, 'x', FN);
  }
  const parts: Predictive[] = [];
  try {
    for (let start = 0; start < x.shape[0]!; start += batchSize) {
      const size = Math.min(batchSize, x.shape[0]! - start);
      const part = tidy(() => {
        const batch = slice(x, start, size);
        const features = body === null ? batch : (body.predict(batch) as Tensor);
        const { probs, variance } = head.predictive(features, headOptions);
        return variance === undefined ? { probs } : { probs, variance };
      });
      parts.push(part);
    }
  } catch (error) {
    dispose(parts.flatMap((p) => [p.probs, p.variance ?? []]));
    throw error;
  }
  const probs = concat(parts.map((p) => p.probs));
  const variances = parts.flatMap((p) => (p.variance === undefined ? [] : [p.variance]));
  const variance = variances.length === 0 ? undefined : concat(variances);
  dispose(parts.flatMap((p) => [p.probs, p.variance ?? []]));
  return variance === undefined ? { probs } : { probs, variance };
}

/** The head, and the body from the model's input to the head's input (`null`: `x` are features). */
function resolveHead(modelOrHead: unknown): { head: HetSNGPHead; body: LayersModel | null } {
  if (modelOrHead instanceof HetSNGPHead) return { head: modelOrHead, body: null };
  const single =
    modelOrHead instanceof LayersModel &&
    modelOrHead.inputs.length === 1 &&
    modelOrHead.outputs.length === 1;
  const output = single ? modelOrHead.outputs[0]! : null;
  if (output === null || !(output.sourceLayer instanceof HetSNGPHead)) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'modelOrHead',
      expected: 'a HetSNGPHead, or a one-input, one-output LayersModel whose output layer is one',
      given:
        output === null
          ? modelOrHead
          : `a model whose output layer is '${output.sourceLayer.name}' (${output.sourceLayer.getClassName()})`,
    });
  }
  const model = modelOrHead as LayersModel;
  const head = output.sourceLayer;
  const headInput = output.inputs[0] as SymbolicTensor;
  if (headInput === model.inputs[0]) return { head, body: null };
  let body = bodies.get(model);
  if (body === undefined) {
    body = functionalModel({ inputs: model.inputs, outputs: headInput });
    bodies.set(model, body);
  }
  return { head, body };
}
