import type { MethodName } from './config.js';

/**
 * Which grid axes a method has, and how reports name it. Data only: no tensors here.
 *
 * @since 0.1.0
 */
export interface MethodTraits {
  /** Swept over `--temperatures`, with `tau*` selected on validation NLL. */
  readonly usesTemperature: boolean;
  /** Swept over `--train-samples` (MC samples of the training loss). */
  readonly usesTrainSamples: boolean;
  /** The npm package the method comes from (for "not installed" errors). */
  readonly package: string;
  /** One line for reports. */
  readonly description: string;
  /** Transforms the dataset's images (test-time flips and shifts): refused for moons' 2-D points. */
  readonly needsImages?: true;
}

const TRAITS: Record<MethodName, MethodTraits> = {
  homoscedastic: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@tensorflow/tfjs-layers',
    description: 'Dense logits, softmax (temperature 1)',
  },
  heteroscedastic: {
    usesTemperature: true,
    usesTrainSamples: true,
    package: '@uqjs/mc-softmax',
    description: 'MC softmax head: softmax((loc + scale * u) / tau) averaged over samples',
  },
  'tempered-softmax': {
    usesTemperature: true,
    usesTrainSamples: false,
    package: '@tensorflow/tfjs-layers',
    description: 'Dense logits divided by tau in training and evaluation (no noise model)',
  },
  sngp: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/sngp',
    description: 'spectral-normalized body, random-feature GP output layer',
  },
  'mc-dropout': {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/mc-dropout',
    description: 'dropout kept on at test time, predictions averaged over samples',
  },
  ensemble: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/ensembles',
    description: 'deep ensemble of independently initialized homoscedastic models',
  },
  'het-sngp': {
    usesTemperature: true,
    usesTrainSamples: true,
    package: '@uqjs/sngp',
    description:
      'spectral-normalized body, HetSNGP head: GP logits as the MC softmax locations, GP variance added at prediction',
  },
  bbb: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/bayesian',
    description:
      'Bayes by Backprop: Flipout / reparameterized layers, KL / N, weight draws averaged',
  },
  'learned-confidence': {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/learned-confidence',
    description: 'confidence branch trained with hints (DeVries and Taylor); softmax of its logits',
  },
  tta: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/ensembles',
    description: 'homoscedastic model, softmaxes averaged over test-time flips and 2-pixel shifts',
    needsImages: true,
  },
  kfold: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/ensembles',
    description: 'k-fold ensemble: member i trains on the training rows outside fold i',
  },
  mimo: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/ensembles',
    description: 'MIMO: M subnetworks in one network, M inputs stacked, M heads (Havasi et al.)',
  },
  rank1: {
    usesTemperature: false,
    usesTrainSamples: false,
    package: '@uqjs/bayesian',
    description:
      'rank-1 Bayesian members: shared kernels, Gaussian rank-1 factors in the last two layers, KL / N',
  },
};

/**
 * The traits of `method`.
 *
 * @since 0.1.0
 */
export function methodTraits(method: MethodName): MethodTraits {
  return TRAITS[method];
}
