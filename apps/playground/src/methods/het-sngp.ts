import {
  add,
  expandDims,
  mul,
  oneHot,
  randomNormal,
  sqrt,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  tidy,
  train,
  transpose,
} from '@tensorflow/tfjs-core';
import { model as functionalModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { logProbNll, mcSoftmax } from '@uqjs/mc-softmax';
import type { NoiseKind } from '@uqjs/noise';
import {
  buildSngpClassifier,
  HetSNGPHead,
  hetSngpPredictive,
  resetCovarianceCallback,
} from '@uqjs/sngp';
import type { DeterministicOptions } from './deterministic.js';
import { disposeModel, fitLayersModel } from './training.js';
import type { Classifier, ClassPrediction } from './types.js';

/** What HetSNGP needs beyond the plain network. */
export interface HetSngpOptions extends DeterministicOptions {
  readonly numClasses: number;
  readonly noise: NoiseKind;
  readonly temperature: number;
  /** MC samples of the head in training and prediction, and GP posterior draws (members). */
  readonly mcSamples: number;
  readonly seed: number;
}

/** Random features of the GP: as SNGP's in this app. */
const NUM_INDUCING = 256;
/** Heteroscedastic noise draws behind each member (one GP posterior draw). */
const NOISE_DRAWS_PER_MEMBER = 16;

/**
 * HetSNGP (`HetSNGPHead` of `@uqjs/sngp`): the spectrally normalized residual MLP of the SNGP
 * method (`buildSngpClassifier`, 2 blocks of `hidden` units, its Dense output dropped) under a
 * head whose random-feature GP logits `mu` are the locations of a heteroscedastic MC softmax
 * with per-class scales `d(x)` from the same features, trained with `logProbNll` and
 * `resetCovarianceCallback`.
 *
 * `probs` is `hetSngpPredictive`: latents `mu + sqrt(v + d^2) * u` with the GP variance `v`.
 * `members` are `S` draws of the GP logits `f_s = mu + sqrt(v) * eps_s`, each averaged over
 * heteroscedastic noise, `mean_u softmax((f_s + d * u) / tau)`: the members disagree where the
 * GP is unsure (far from the data, epistemic), while the noise inside each member is the
 * aleatoric part.
 */
export function hetSngpClassifier(opts: HetSngpOptions): Classifier {
  const base = buildSngpClassifier({
    inputShape: [opts.inputDim],
    numClasses: opts.numClasses,
    hidden: opts.hidden,
    numLayers: 2,
    dropoutRate: 0,
    gaussianProcess: false,
    seed: opts.seed,
  });
  const output = base.layers[base.layers.length - 1]!;
  // The residual stream [N, hidden] that fed the Dense output.
  const features = output.input as SymbolicTensor;
  const head = new HetSNGPHead({
    units: opts.numClasses,
    numInducing: NUM_INDUCING,
    noise: opts.noise,
    temperature: opts.temperature,
    trainSamples: opts.mcSamples,
    testSamples: opts.mcSamples,
    seed: deriveSeed(opts.seed, 'het-sngp', 'head'),
  });
  const model = functionalModel({
    inputs: base.inputs,
    outputs: head.apply(features) as SymbolicTensor,
  });
  // The dropped Dense output is in no model that is disposed later.
  output.dispose();
  model.compile({ optimizer: train.adam(opts.learningRate), loss: logProbNll });
  const body = functionalModel({ inputs: model.inputs, outputs: features });
  // tfjs reads a seed of 0 as "no seed"; a derived seed is 0 once in 2^32 draws.
  const drawSeed = deriveSeed(opts.seed, 'het-sngp', 'posterior-draws') || 1;
  const noiseSeed = deriveSeed(opts.seed, 'het-sngp', 'member-noise') || 1;
  return {
    usableWhenStopped: true,
    async fit(x, y, hooks) {
      return fitLayersModel(model, x, oneHot(y, opts.numClasses), opts.epochs, hooks, [
        resetCovarianceCallback(),
      ]);
    },
    predict(x): ClassPrediction {
      const { probs, variance } = hetSngpPredictive(model, x, { batchSize: 512 });
      variance?.dispose();
      const members = tidy(() => {
        const h = body.predict(x, { batchSize: 512 }) as Tensor;
        const posterior = head.predictWithCovariance(h);
        const scale = head.heteroscedasticScale(h); // [N, K]
        const n = x.shape[0];
        const s = opts.mcSamples;
        const k = opts.numClasses;
        // GP draws: [N, 1, K] + [N, 1, 1] * [N, S, K] -> [N, S, K] logits.
        const std = expandDims(expandDims(sqrt(posterior.variance), 1), 2);
        const eps = randomNormal([n, s, k], 0, 1, 'float32', drawSeed);
        const draws = add(expandDims(posterior.logits, 1), mul(std, eps));
        // Each draw's heteroscedastic MC softmax, the scale [N, K] shared by its S draws.
        const perDraw = mcSoftmax(draws, add(expandDims(scale, 1), mul(draws, 0)), {
          noise: opts.noise,
          temperature: opts.temperature,
          numSamples: NOISE_DRAWS_PER_MEMBER,
          seed: noiseSeed,
        }).probs;
        // [N, S, K] -> [S, N, K]
        return transpose(perDraw, [1, 0, 2]) as Tensor3D;
      });
      return { probs: probs as Tensor2D, members };
    },
    // `body` shares the model's layers and has no weights of its own.
    dispose: () => disposeModel(model),
  };
}
