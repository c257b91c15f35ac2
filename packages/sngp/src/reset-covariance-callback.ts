import { Callback, LayersModel, type layers } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@uqjs/core';
import { RandomFeatureGaussianProcess } from './random-feature-gaussian-process.js';

const FN = 'resetCovarianceCallback';

/** Every `RandomFeatureGaussianProcess` layer of `model`, including those of nested models. */
export function gaussianProcessLayers(model: LayersModel): RandomFeatureGaussianProcess[] {
  const found: RandomFeatureGaussianProcess[] = [];
  const visit = (layer: layers.Layer): void => {
    if (layer instanceof RandomFeatureGaussianProcess) found.push(layer);
    else if (layer instanceof LayersModel) layer.layers.forEach(visit);
  };
  model.layers.forEach(visit);
  return found;
}

function checkHasGaussianProcess(model: unknown, argument: string): RandomFeatureGaussianProcess[] {
  const gps = model instanceof LayersModel ? gaussianProcessLayers(model) : [];
  if (gps.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument,
      expected: 'a LayersModel with a RandomFeatureGaussianProcess layer',
      given: model instanceof LayersModel ? `model ${model.name} without one` : model,
    });
  }
  return gps;
}

/** Resets the precision of every GP layer at the start of each epoch. */
class ResetCovarianceCallback extends Callback {
  constructor(private readonly target: LayersModel | undefined) {
    super();
  }

  override async onEpochBegin(): Promise<void> {
    const model = this.target ?? this.model;
    for (const gp of checkHasGaussianProcess(model, 'model')) gp.resetCovariance();
  }
}

/**
 * A `model.fit` callback that calls `resetCovariance()` on every
 * `RandomFeatureGaussianProcess` layer at the start of each epoch. With
 * `gpCovMomentum: -1` (exact accumulation) the precision then holds
 * `ridge I + sum_i w_i phi_i phi_i^T` over exactly the last epoch's examples, as in the SNGP
 * tutorial; without it the sum would grow over all epochs and the variance shrink with
 * their number.
 *
 * @param model - The model whose GP layers to reset. Default: the model `fit` is called on.
 *   Throws (at once if given, else when the first epoch starts) if it has no GP layer.
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 20, callbacks: [resetCovarianceCallback()] });
 * ```
 * @since 0.1.0
 */
export function resetCovarianceCallback(model?: LayersModel): Callback {
  if (model !== undefined) checkHasGaussianProcess(model, 'model');
  return new ResetCovarianceCallback(model);
}
