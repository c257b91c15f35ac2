import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { DenseMonteCarloHead } from '@uqjs/mc-softmax';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MCSigmoidDense, MCSigmoidDenseFA } from '../src/index.js';
import { read } from './helpers.js';

// Each test's own tensors are freed with its scope.
beforeEach(() => tf.engine().startScope());
afterEach(() => tf.engine().endScope());

/**
 * `getConfig()` (less `name`, which counts the layers made in the process) of the two sigmoid
 * heads as the code before they shared `DenseMonteCarloHead` with the softmax heads wrote it
 * (commit ff5174d). Saved models hold these configs: keys, order and values must stay.
 */
const before = {
  MCSigmoidDense:
    '{"trainable":true,"noise":"logistic","scaleActivation":"softplus","minScale":0.001,"checkValues":true,"kernelRegularizer":null,"biasRegularizer":null,"seed":3,"kernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":3411389253}},"biasInitializer":{"className":"Zeros","config":{}},"scaleKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":608983140}},"scaleBiasInitializer":{"className":"Zeros","config":{}},"temperature":0.3,"trainSamples":7,"testSamples":9,"maxSamplesInMemory":1000,"computeVariance":false,"shareSamplesAcrossBatch":false,"numOutputs":2}',
  MCSigmoidDenseFA:
    '{"trainable":true,"noise":"normal","scaleActivation":"softplus","minScale":0.001,"checkValues":true,"kernelRegularizer":null,"biasRegularizer":null,"seed":4,"kernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":2651606878}},"biasInitializer":{"className":"Zeros","config":{}},"scaleKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":3342426291}},"scaleBiasInitializer":{"className":"Zeros","config":{}},"factorKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":3766894277}},"factorBiasInitializer":{"className":"Zeros","config":{}},"factorLoadingsKernelInitializer":{"className":"VarianceScaling","config":{"scale":1,"mode":"fanAvg","distribution":"uniform","seed":580769903}},"temperature":1,"trainSamples":7,"testSamples":8,"maxSamplesInMemory":1000,"computeVariance":false,"shareSamplesAcrossBatch":false,"numOutputs":3,"numFactors":2,"parameterEfficient":false}',
};

const heads = {
  MCSigmoidDense: () =>
    new MCSigmoidDense({
      numOutputs: 2,
      temperature: 0.3,
      trainSamples: 7,
      testSamples: 9,
      seed: 3,
      noise: 'logistic',
    }),
  MCSigmoidDenseFA: () =>
    new MCSigmoidDenseFA({
      numOutputs: 3,
      numFactors: 2,
      trainSamples: 7,
      testSamples: 8,
      seed: 4,
    }),
};

describe('the sigmoid heads on the shared dense Monte Carlo base', () => {
  it('keep their stored configs, and load from them to the same outputs', async () => {
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 5);
    for (const [className, make] of Object.entries(heads)) {
      const head = make();
      expect(head).toBeInstanceOf(DenseMonteCarloHead);
      const { name: _name, ...config } = head.getConfig();
      const stored = before[className as keyof typeof before];
      expect(JSON.stringify(config)).toBe(stored);
      // What tf.loadLayersModel does with a stored layer: the registered class's fromConfig.
      const [cls, fromConfig] = serialization.SerializationMap.getMap().classNameMap[className]!;
      const loaded = fromConfig(cls, JSON.parse(stored)) as MCSigmoidDense;
      expect(loaded.getClassName()).toBe(className);
      // The same seeds give the same initial weights and noise: bit-equal predictive logits.
      const expected = await read(head.apply(x) as tf.Tensor);
      expect(await read(loaded.apply(x) as tf.Tensor)).toEqual(expected);
    }
  });
});
