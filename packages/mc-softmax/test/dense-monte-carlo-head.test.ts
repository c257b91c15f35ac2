import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { Predictive } from '@uqjs/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DenseLatents,
  DenseMonteCarloHead,
  type LikelihoodLink,
  MCSoftmaxDense,
  MCSoftmaxDenseFA,
  type McEngineResult,
  softmaxLink,
} from '../src/index.js';
import { read } from './helpers.js';

// Each test's own tensors are freed with its scope; leaks are checked explicitly.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

/** The config without `name` (which counts the layers made in the process). */
function storedConfig(layer: tf.serialization.Serializable): string {
  const { name: _name, ...config } = layer.getConfig();
  return JSON.stringify(config);
}

/**
 * `getConfig()` (less `name`) of these heads as the code before `DenseMonteCarloHead` wrote
 * it (commit ff5174d): the shared base must keep the keys, their order and the values.
 */
const before = {
  dense:
    '{"trainable":true,"noise":"normal","scaleActivation":"softplus","minScale":0.001,"checkValues":true,"kernelRegularizer":null,"biasRegularizer":null,"seed":3,"kernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":3411389253}},"biasInitializer":{"className":"Zeros","config":{}},"scaleKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":608983140}},"scaleBiasInitializer":{"className":"Zeros","config":{}},"temperature":0.5,"trainSamples":7,"testSamples":9,"maxSamplesInMemory":4,"computeVariance":false,"shareSamplesAcrossBatch":false,"numClasses":3}',
  factor:
    '{"trainable":true,"noise":"normal","scaleActivation":"softplus","minScale":0.001,"checkValues":true,"kernelRegularizer":null,"biasRegularizer":null,"seed":6,"kernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":242035669}},"biasInitializer":{"className":"Zeros","config":{}},"scaleKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":1710003454}},"scaleBiasInitializer":{"className":"Zeros","config":{}},"factorKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":792683187}},"factorBiasInitializer":{"className":"Zeros","config":{}},"factorLoadingsKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":999364354}},"temperature":1,"trainSamples":7,"testSamples":8,"maxSamplesInMemory":1000,"computeVariance":false,"shareSamplesAcrossBatch":true,"numClasses":4,"numFactors":3,"parameterEfficient":true}',
};

function denseHead(): MCSoftmaxDense {
  return new MCSoftmaxDense({
    numClasses: 3,
    temperature: 0.5,
    trainSamples: 7,
    testSamples: 9,
    seed: 3,
    maxSamplesInMemory: 4,
  });
}

function factorHead(): MCSoftmaxDenseFA {
  return new MCSoftmaxDenseFA({
    numClasses: 4,
    numFactors: 3,
    parameterEfficient: true,
    trainSamples: 7,
    testSamples: 8,
    seed: 6,
    shareSamplesAcrossBatch: true,
  });
}

/** A head written only against the base's contract: the softmax link, log-probs out. */
class PlainSoftmaxHead extends DenseMonteCarloHead {
  /** @nocollapse */
  static className = 'PlainSoftmaxHead';

  // Public: the base's constructor is protected.
  constructor(args: ConstructorParameters<typeof MCSoftmaxDense>[0]) {
    super(args);
  }

  protected override latents(): DenseLatents {
    return { argument: 'numClasses', count: 3 };
  }

  protected override link(): LikelihoodLink {
    return softmaxLink;
  }

  protected override callOutput(result: McEngineResult): tf.Tensor {
    return result.logProbs;
  }

  protected override toPredictive({ probs }: McEngineResult): Predictive {
    return { probs };
  }
}

describe('DenseMonteCarloHead: the shared base of the dense heads', () => {
  it('keeps the stored configs of MCSoftmaxDense and MCSoftmaxDenseFA', () => {
    expect(storedConfig(denseHead())).toBe(before.dense);
    expect(storedConfig(factorHead())).toBe(before.factor);
  });

  it('a head rebuilt from a stored config has the same config, weights and outputs', async () => {
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
    for (const [make, stored] of [
      [denseHead, before.dense],
      [factorHead, before.factor],
    ] as const) {
      const original = make();
      // What tf.loadLayersModel does with a stored layer: the registered class's fromConfig.
      const registered = serialization.SerializationMap.getMap().classNameMap;
      const [cls, fromConfig] = registered[original.getClassName()]!;
      const rebuilt = fromConfig(cls, JSON.parse(stored)) as MCSoftmaxDense;
      expect(rebuilt).toBeInstanceOf(cls);
      expect(storedConfig(rebuilt)).toBe(stored);
      const a = original.apply(x) as tf.Tensor;
      const b = rebuilt.apply(x) as tf.Tensor;
      // Same seeds, so the same initial weights and the same noise: bit-equal outputs.
      expect(await read(b)).toEqual(await read(a));
      expect(rebuilt.weights.map((w) => w.name.split('/')[1])).toEqual(
        original.weights.map((w) => w.name.split('/')[1]),
      );
    }
  });

  it('a subclass that supplies only the latents, link and outputs is MCSoftmaxDense', async () => {
    const args = { numClasses: 3, trainSamples: 6, testSamples: 10, seed: 11 };
    const plain = new PlainSoftmaxHead(args);
    const reference = new MCSoftmaxDense(args);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
    // Both derive their initializers and noise from seed 11: bit-equal everywhere.
    expect(await read(plain.apply(x) as tf.Tensor)).toEqual(
      await read(reference.apply(x) as tf.Tensor),
    );
    expect(plain.computeOutputShape([null, 2, 5])).toEqual([null, 2, 3]);
    const training = await read(plain.apply(x, { training: true }) as tf.Tensor);
    expect(training).toEqual(await read(reference.apply(x, { training: true }) as tf.Tensor));
    expect(await read(plain.predictive(x).probs)).toEqual(
      await read(reference.predictive(x).probs),
    );
    expect(plain.getConfig().numClasses).toBe(3);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(plain.apply(x, { training: true }) as tf.Tensor);
      tf.dispose(Object.values(plain.predictive(x, { computeVariance: true })));
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("errors of a factor head's predictive name the factor head", () => {
    const head = factorHead();
    head.apply(tf.zeros([2, 5]));
    expect(() => head.predictive(tf.zeros([2, 3, 5]))).toThrow(
      'MCSoftmaxDenseFA.predictive: features must be of rank 2, got [2, 3, 5]',
    );
    expect(() => head.factorLoadings(tf.zeros([2, 7]))).toThrow(/MCSoftmaxDenseFA\.factorLoadings/);
  });
});
