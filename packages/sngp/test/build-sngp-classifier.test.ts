import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  buildSngpClassifier,
  crossEntropyFromLogits,
  type RandomFeatureGaussianProcess,
  type SpectralNormalization,
} from '../src/index.js';
import { normals } from './helpers.js';

const base = { inputShape: [3], numClasses: 4, hidden: 8, numLayers: 2, numInducing: 16 };

describe('buildSngpClassifier', () => {
  it('builds the tutorial ResNet: frozen input projection, SN residual blocks, GP output', () => {
    const model = buildSngpClassifier(base);
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes).toEqual([
      'InputLayer',
      'Dense',
      'SpectralNormalization',
      'Dropout',
      'Add',
      'SpectralNormalization',
      'Dropout',
      'Add',
      'RandomFeatureGaussianProcess',
    ]);
    expect(model.layers[1]!.trainable).toBe(false);
    expect(model.outputs[0]!.shape).toEqual([null, 4]);
    const gp = model.layers.at(-1) as RandomFeatureGaussianProcess;
    expect(gp.numInducing).toBe(16);
    expect(gp.gpCovMomentum).toBe(-1);
    expect((model.layers[2] as SpectralNormalization).normMultiplier).toBe(0.95);
  });

  it('passes the GP options through, flattens image inputs, and builds the ablations', () => {
    const images = buildSngpClassifier({
      ...base,
      inputShape: [4, 4, 1],
      dropoutRate: 0,
      numClasses: 1,
      kernelScale: 2,
      likelihood: 'binary_logistic',
      randomFeatures: 'orf',
    });
    expect(images.layers[1]!.getClassName()).toBe('Flatten');
    expect(images.layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    const gp = images.layers.at(-1) as RandomFeatureGaussianProcess;
    expect([gp.kernelScale, gp.likelihood, gp.randomFeatureKind]).toEqual([
      2,
      'binary_logistic',
      'orf',
    ]);
    const resnet = buildSngpClassifier({
      ...base,
      spectralNormalization: false,
      gaussianProcess: false,
    });
    const classes = resnet.layers.map((l) => l.getClassName());
    expect(classes).not.toContain('SpectralNormalization');
    expect(classes.at(-1)).toBe('Dense');
  });

  it('initializes every weight from the seed', async () => {
    const x = tf.tensor2d(normals(6, 1), [2, 3]);
    const predict = async (seed: number) => {
      const out = buildSngpClassifier({ ...base, seed }).predict(x) as tf.Tensor;
      const values = Array.from(await out.data());
      out.dispose();
      return values;
    };
    expect(await predict(3)).toEqual(await predict(3));
    expect(await predict(3)).not.toEqual(await predict(4));
  });

  it.each([
    [{ inputShape: [] }, 'inputShape must be a non-empty array of positive integers, got []'],
    [{ numClasses: 0 }, 'numClasses must be an integer >= 1, got 0'],
    [
      { numClasses: 1, gaussianProcess: false },
      'numClasses must be an integer >= 2 without the GP head (gaussianProcess: false), got 1',
    ],
    [{ hidden: 1e6 }, 'hidden must be a number in [1, 65536], got 1000000'],
    [{ numLayers: 5000 }, 'numLayers must be a number in [0, 1000], got 5000'],
    [{ powerIterations: 1e6 }, 'powerIterations must be a number in [1, 1000], got 1000000'],
    [{ hidden: 0 }, 'hidden must be an integer >= 1, got 0'],
    [{ numLayers: -1 }, 'numLayers must be an integer >= 0, got -1'],
    [{ dropoutRate: 1 }, 'dropoutRate must be a number in [0, 1), got 1'],
    [{ normMultiplier: 0 }, 'normMultiplier must be a finite number > 0, got 0'],
    [{ gaussianProcess: 'no' }, 'gaussianProcess must be a boolean, got "no"'],
    [{ seed: -2 }, 'seed must be an integer seed in [0, 2^32), got -2'],
  ])('rejects %o', (bad, message) => {
    const build = () => buildSngpClassifier({ ...base, ...(bad as object) });
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(`buildSngpClassifier: ${message}`);
  });

  it('rejects null, arrays and tensors as options; left out they name the missing inputShape', () => {
    const flat = tf.ones([2]);
    // An array or a tensor passed the old typeof check (and failed later, on inputShape).
    for (const bad of [null, [base], flat]) {
      expect(() => buildSngpClassifier(bad as never)).toThrow(
        /^buildSngpClassifier: options must be an object \{ inputShape, numClasses, \.\.\. \}, got /,
      );
    }
    expect(() => buildSngpClassifier(undefined as never)).toThrow(
      'buildSngpClassifier: inputShape must be a non-empty array of positive integers, got undefined',
    );
    flat.dispose();
  });

  it.each([
    [{ numInducing: 0 }, 'numInducing must be an integer >= 1, got 0'],
    [{ numInducing: 100000 }, 'numInducing must be a number in [1, 8192], got 100000'],
    [{ gpCovRidgePenalty: -1 }, 'gpCovRidgePenalty must be a finite number > 0, got -1'],
    [{ likelihood: 'binary_logistic' }, "units must be 1 with likelihood 'binary_logistic'"],
  ])('rejects the GP option %o before building any layer (no tensor leaks)', (bad, message) => {
    const before = tf.memory().numTensors;
    expect(() => buildSngpClassifier({ ...base, ...(bad as object) })).toThrow(
      `RandomFeatureGaussianProcess: ${message}`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds a one-logit binary SNGP that trains with the binary cross-entropy', async () => {
    const model = buildSngpClassifier({ ...base, inputShape: [2], numClasses: 1, dropoutRate: 0 });
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    model.compile({ optimizer: tf.train.adam(0.05), loss: crossEntropyFromLogits });
    const x = tf.tensor2d(normals(80, 3), [40, 2]);
    const y = tf.cast(tf.greater(tf.sum(x, 1, true), 0), 'float32'); // [40, 1]
    const history = await model.fit(x, y, {
      epochs: 15,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
  });
});
