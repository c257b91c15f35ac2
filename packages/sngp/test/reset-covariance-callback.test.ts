import * as tf from '@tensorflow/tfjs-core';
import { type Callback, type LayersModel, layers, sequential } from '@tensorflow/tfjs-layers';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  crossEntropyFromLogits,
  RandomFeatureGaussianProcess,
  resetCovarianceCallback,
} from '../src/index.js';
import { normals } from './helpers.js';

const n = 30;
const L = 12;
const xs = normals(2 * n, 4);

/** A model whose GP reads the input directly, so its features do not move during fit. */
function gpModel() {
  const gp = new RandomFeatureGaussianProcess({
    units: 2,
    numInducing: L,
    gpCovRidgePenalty: 0.5,
    seed: 1,
    inputShape: [2],
  });
  const model = sequential({ layers: [gp] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: crossEntropyFromLogits });
  return { gp, model };
}

async function fit(model: LayersModel, callbacks: Callback[]) {
  const x = tf.tensor2d(xs, [n, 2]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 2),
      'int32',
    ),
    2,
  );
  await model.fit(x, y, { epochs: 3, batchSize: 10, verbose: 0, callbacks });
}

async function precisionOf(gp: RandomFeatureGaussianProcess): Promise<Matrix> {
  const w = gp.weights.find((v) => v.originalName.endsWith('gp_precision'))!;
  return Matrix.from1DArray(L, L, Array.from(await w.read().data()));
}

async function dataTerm(gp: RandomFeatureGaussianProcess, epochs: number): Promise<Matrix> {
  const x = tf.tensor2d(xs, [n, 2]);
  const features = gp.randomFeatures(x);
  const phi = Matrix.from1DArray(n, L, Array.from(await features.data()));
  tf.dispose([x, features]);
  return Matrix.eye(L, L).mul(0.5).add(phi.transpose().mmul(phi).mul(epochs));
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  return Math.max(...a.clone().sub(b).abs().to1DArray());
}

describe('resetCovarianceCallback', () => {
  it('makes the precision cover the last epoch only: ridge I + Phi^T Phi', async () => {
    const { gp, model } = gpModel();
    await fit(model, [resetCovarianceCallback()]);
    expect(maxAbsDiff(await precisionOf(gp), await dataTerm(gp, 1))).toBeLessThan(1e-4);
  });

  it('without it, the precision sums every epoch', async () => {
    const { gp, model } = gpModel();
    await fit(model, []);
    expect(maxAbsDiff(await precisionOf(gp), await dataTerm(gp, 3))).toBeLessThan(1e-4);
  });

  it('takes the model explicitly, and rejects models without a GP layer', async () => {
    const { gp, model } = gpModel();
    await fit(model, [resetCovarianceCallback(model)]);
    expect(maxAbsDiff(await precisionOf(gp), await dataTerm(gp, 1))).toBeLessThan(1e-4);
    const plain = sequential({ layers: [layers.dense({ units: 2, inputShape: [2] })] });
    expect(() => resetCovarianceCallback(plain)).toThrow(
      'resetCovarianceCallback: model must be a LayersModel with a RandomFeatureGaussianProcess layer',
    );
    plain.compile({ optimizer: 'sgd', loss: crossEntropyFromLogits });
    await expect(fit(plain, [resetCovarianceCallback()])).rejects.toThrow(
      'resetCovarianceCallback: model must be a LayersModel with a RandomFeatureGaussianProcess layer',
    );
  });
});
