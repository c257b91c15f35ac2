import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  conv2dOperator,
  denseOperator,
  type KernelOperator,
  powerIterate,
  spectralNormEstimate,
} from '../src/kernel-operator.js';
import { explicitMatrix, maxSingularValue, normals } from './helpers.js';

async function inner(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const product = tf.tidy(() => tf.sum(tf.mul(a, b)));
  const [value] = await product.data();
  product.dispose();
  return value!;
}

const cases: { name: string; operator: KernelOperator; kernelShape: number[] }[] = [
  { name: 'dense 4 -> 3', operator: denseOperator(4, 3), kernelShape: [4, 3] },
  ...(['valid', 'same'] as const).flatMap((padding) =>
    [1, 2].map((stride) => ({
      name: `conv 3x3, stride ${stride}, ${padding}`,
      operator: conv2dOperator({
        height: 5,
        width: 6,
        inChannels: 2,
        outChannels: 3,
        kernelSize: [3, 3],
        strides: [stride, stride],
        padding,
      }),
      kernelShape: [3, 3, 2, 3],
    })),
  ),
];

/**
 * A wide Dense: its adjoint `[1, 2048] x [2048, 256]` is where tfjs-webgpu 4.22 picks its
 * split-K matMul (K >= 2000), which sums wrongly with transposeB on lavapipe.
 */
const wide = {
  name: 'dense 256 -> 2048',
  operator: denseOperator(256, 2048),
  kernelShape: [256, 2048],
};

describe('kernel operators', () => {
  it.each([...cases, wide])('$name: the adjoint satisfies <A v, u> = <v, A^T u>', async ({
    operator,
    kernelShape,
  }) => {
    const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    const kernel = tf.tensor(normals(size(kernelShape), 1), kernelShape);
    const v = tf.tensor(normals(size(operator.inputShape), 2), [...operator.inputShape]);
    const u = tf.tensor(normals(size(operator.outputShape), 3), [...operator.outputShape]);
    const av = operator.apply(kernel, v);
    expect(av.shape).toEqual(operator.outputShape);
    const lhs = await inner(av, u);
    const adjoint = operator.adjoint(kernel, u);
    const rhs = await inner(v, adjoint);
    // float32 sums of ~100 products of O(1) terms: relative error ~1e-6; 1e-4 leaves room.
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (Math.abs(lhs) + 1));
    tf.dispose([kernel, v, u, av, adjoint]);
  });

  it.each(cases)('$name: power iteration converges to the largest singular value (SVD)', async ({
    operator,
    kernelShape,
  }) => {
    const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    const kernel = tf.tensor(normals(size(kernelShape), 4), kernelShape);
    const m = await explicitMatrix((x) => {
      // A batch of basis inputs [n, ...] through the operator, one example at a time.
      return tf.concat(tf.split(x, x.shape[0]!).map((e) => operator.apply(kernel, e)));
    }, operator.inputShape.slice(1));
    const exact = maxSingularValue(m.values, m.rows, m.cols);
    const u0 = tf.tensor(normals(size(operator.outputShape), 5), [...operator.outputShape]);
    const { u, v } = powerIterate(operator, kernel, u0, 200);
    const estimate = spectralNormEstimate(operator, kernel, u, v);
    const sigma = (await estimate.data())[0]!;
    // 200 steps shrink the error like (s2 / s1)^400; what is left is float32 round-off.
    expect(Math.abs(sigma - exact) / exact).toBeLessThan(1e-3);
    tf.dispose([kernel, u0, u, v, estimate]);
  });
});
