import {
  add,
  expandDims,
  mul,
  oneHot,
  randomNormal,
  reshape,
  softmax,
  sqrt,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  type LayersModel,
  type layers,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import {
  buildSngpClassifier,
  crossEntropyFromLogits,
  RandomFeatureGaussianProcess,
  resetCovarianceCallback,
  sngpPredictive,
} from '@uqjs/sngp';
import type { DeterministicOptions } from './deterministic.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What SNGP needs beyond the plain network. */
export interface SngpOptions extends DeterministicOptions {
  readonly numClasses: number;
  /** Draws of the GP posterior over the logits that make up `members`. */
  readonly mcSamples: number;
  readonly seed: number;
}

/** Random features of the GP output layers (SNGP's and HetSNGP's): enough for a smooth 2-D surface, cheap on a CPU. */
export const NUM_INDUCING = 256;

/** The spectrally normalized network of the page's two GP methods, and its parts. */
export interface SpectralNormalizedNetwork {
  /** `buildSngpClassifier`'s model, `[N, D]` in. */
  readonly model: LayersModel;
  /** Its output layer: the GP layer, or the Dense layer without `gaussianProcess`. */
  readonly output: layers.Layer;
  /** The residual stream `[N, hidden]` that feeds `output`. */
  readonly features: SymbolicTensor;
  /** The model from its input to `features` (shares the model's layers, no weights of its own). */
  readonly body: LayersModel;
}

/**
 * The network SNGP and HetSNGP share on this page: `buildSngpClassifier`'s spectrally
 * normalized residual MLP (2 blocks of `hidden` units, no dropout), seeded by `opts.seed`,
 * ending in its random-feature GP layer (`NUM_INDUCING` features) when `gaussianProcess`,
 * in a Dense layer otherwise (for a head of the caller's on `features`).
 */
export function spectralNormalizedNetwork(
  opts: Pick<SngpOptions, 'inputDim' | 'hidden' | 'numClasses' | 'seed'>,
  gaussianProcess: boolean,
): SpectralNormalizedNetwork {
  const model = buildSngpClassifier({
    inputShape: [opts.inputDim],
    numClasses: opts.numClasses,
    hidden: opts.hidden,
    numLayers: 2,
    dropoutRate: 0,
    gaussianProcess,
    ...(gaussianProcess ? { numInducing: NUM_INDUCING } : {}),
    seed: opts.seed,
  });
  const output = model.layers[model.layers.length - 1]!;
  const features = output.input as SymbolicTensor;
  return {
    model,
    output,
    features,
    body: functionalModel({ inputs: model.inputs, outputs: features }),
  };
}

/**
 * A seed for a tfjs random op, derived from the run's seed and `path` (`deriveSeed`): tfjs
 * reads a seed of 0 as "no seed", and a derived seed is 0 once in 2^32 draws, so 0 becomes 1.
 */
export function tfjsSeed(seed: number, ...path: readonly string[]): number {
  return deriveSeed(seed, ...path) || 1;
}

/**
 * `S` draws of a GP posterior over the logits, `z_s = logits + sqrt(variance) * eps_s` with
 * `eps_s ~ N(0, I)` from `seed`: `logits` `[N, K]`, `variance` `[N]` (shared by the `K`
 * outputs) in, `[S, N, K]` out.
 */
export function gpLogitDraws(
  posterior: { readonly logits: Tensor2D; readonly variance: Tensor },
  numDraws: number,
  seed: number,
): Tensor3D {
  return tidy(() => {
    const [n, k] = posterior.logits.shape;
    // Logit variance [N] -> [1, N, 1], to broadcast over [S, N, K].
    const std = reshape(sqrt(posterior.variance), [1, n, 1]);
    const eps = randomNormal([numDraws, n, k], 0, 1, 'float32', seed);
    // [N, K] -> [1, N, K] + [1, N, 1] * [S, N, K] -> [S, N, K].
    return add(expandDims(posterior.logits, 0), mul(std, eps)) as Tensor3D;
  });
}

/**
 * SNGP (`@uqjs/sngp`): {@link spectralNormalizedNetwork} with the random-feature GP output
 * layer, trained with `crossEntropyFromLogits` and `resetCovarianceCallback`.
 *
 * `probs` is `sngpPredictive` (mean-field softmax). `members` are `S` draws of the GP
 * posterior over the logits ({@link gpLogitDraws}), each put through a softmax: far from the
 * data the posterior variance grows, the draws disagree, and that disagreement is the
 * epistemic part of the entropy decomposition.
 */
export function sngpClassifier(opts: SngpOptions): Classifier {
  const { model, output, body } = spectralNormalizedNetwork(opts, true);
  if (!(output instanceof RandomFeatureGaussianProcess)) {
    throw new Error('sngpClassifier: buildSngpClassifier did not end in a GP layer');
  }
  const gp = output;
  model.compile({ optimizer: train.adam(opts.learningRate), loss: crossEntropyFromLogits });
  const drawSeed = tfjsSeed(opts.seed, 'sngp', 'posterior-draws');
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks, [
        resetCovarianceCallback(),
      ]);
    },
    predict(x): ClassPrediction {
      const { probs, variance } = sngpPredictive(model, x);
      variance?.dispose();
      const members = tidy(() => {
        const features = body.predict(x, { batchSize: 512 }) as Tensor;
        const posterior = gp.predictWithCovariance(features);
        return softmax(gpLogitDraws(posterior, opts.mcSamples, drawSeed)) as Tensor3D;
      });
      return { probs: probs as Tensor2D, members };
    },
    dispose: () => disposeModel(model),
  };
}
