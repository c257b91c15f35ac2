import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, entropyDecomposition, nll } from '../src/index.js';

/**
 * A tensor whose synchronous read throws as tfjs-backend-webgpu's does for data on the GPU
 * (`ReferenceError: OffscreenCanvas is not defined` in Node), while its async read works.
 */
function gpuResident(t: tf.Tensor): tf.Tensor {
  return new Proxy(t, {
    get(target, key, receiver) {
      if (key === 'dataSync') {
        return () => {
          throw new ReferenceError('OffscreenCanvas is not defined');
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('tensor inputs that cannot be read synchronously (webgpu)', () => {
  it('fail with a BackendError that says to pass the values, and the values then work', async () => {
    const probs = tf.tensor2d([
      [0.7, 0.3],
      [0.2, 0.8],
    ]);
    const labels = [0, 1];
    const attempt = () => nll(gpuResident(probs), labels);
    expect(attempt).toThrow(BackendError);
    expect(attempt).toThrow(
      'nll: probs is a tensor that cannot be read synchronously on this backend (OffscreenCanvas is not defined); ' +
        'pass its values instead (`await probs.data()`, with numClasses for a matrix: { data, numClasses })',
    );
    const values = await gpuResident(probs).data();
    expect(nll({ data: values, numClasses: 2 }, labels)).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.8)) / 2,
      6,
    );
    probs.dispose();
  });

  it('covers the member tensor of entropyDecomposition and the class maps of confusionMatrix', () => {
    const members = tf.tensor3d([[[0.5, 0.5]], [[0.9, 0.1]]]);
    expect(() => entropyDecomposition(gpuResident(members))).toThrow(BackendError);
    const labels = tf.tensor1d([0, 1], 'int32');
    expect(() => confusionMatrix(gpuResident(labels), [0, 1], 2)).toThrow(BackendError);
    tf.dispose([members, labels]);
  });
});
