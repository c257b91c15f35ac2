import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { enableFastWasmTraining } from '../../src/index.js';
import {
  FLOAT32_SUM_TOLERANCE,
  normalArray,
  Rng,
  relativeError,
  valuesOn,
} from '../helpers/compare.js';

function draw(seed: number, shape: number[]): tf.Tensor {
  return tf.tensor(normalArray(new Rng(seed), tf.util.sizeFromShape(shape)), shape);
}

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';

/** `tf.fused.matMul` of seeded draws: `a` `[..., M, K]`, `b` `[..., K, N]`, a bias of `biasShape`. */
function fusedProduct(
  shapeA: number[],
  shapeB: number[],
  biasShape: number[] | null,
  activation: Activation,
): tf.Tensor {
  const n = shapeB.at(-1)!;
  return tf.fused.matMul({
    a: draw(1, shapeA),
    b: draw(2, shapeB),
    ...(biasShape === null ? {} : { bias: draw(3, biasShape) }),
    activation,
    leakyreluAlpha: 0.3,
    ...(activation === 'prelu' ? { preluActivationWeights: draw(4, [n]) } : {}),
  });
}

describe('_FusedMatMul on wasm, batches of matrices', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    enableFastWasmTraining();
  });

  // The stock kernel of tfjs-backend-wasm 4.22 is wrong on all of these (errors ~10 relative
  // to the bias); a single matrix is its own control.
  const shapes: [string, number[], number[], number[] | null][] = [
    ['a batch against one matrix, bias over N', [3, 7, 20], [1, 20, 10], [10]],
    ['a batch against one matrix, bias [M, N]', [3, 7, 20], [1, 20, 10], [7, 10]],
    ['a batch against a batch, bias over N', [3, 7, 20], [3, 20, 10], [10]],
    ['a broadcast left operand, bias over N', [1, 7, 20], [4, 20, 10], [10]],
    ['a batch, no bias', [2, 5, 16], [1, 16, 12], null],
    ['one matrix (the stock path)', [1, 7, 20], [1, 20, 10], [10]],
  ];
  const activations: Activation[] = [
    'linear',
    'relu',
    'relu6',
    'elu',
    'sigmoid',
    'leakyrelu',
    'prelu',
  ];
  for (const [name, shapeA, shapeB, biasShape] of shapes) {
    it(`${name}: equals cpu for every activation`, async () => {
      for (const activation of activations) {
        const run = () => fusedProduct(shapeA, shapeB, biasShape, activation);
        const [got] = await valuesOn('wasm', run);
        const [want] = await valuesOn('cpu', run);
        expect(relativeError(got!, want!), `${activation}`).toBeLessThan(FLOAT32_SUM_TOLERANCE);
      }
      await tf.setBackend('wasm');
    });
  }

  it('keeps the output shape and frees its intermediates', async () => {
    await tf.setBackend('wasm');
    const [a, b, bias] = [draw(5, [2, 3, 6, 8]), draw(6, [8, 5]), draw(7, [5])];
    const run = () => tf.fused.matMul({ a, b, bias, activation: 'relu' });
    run().dispose();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const out = run();
    expect(out.shape).toEqual([2, 3, 6, 5]);
    out.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([a, b, bias]);
  });
});
