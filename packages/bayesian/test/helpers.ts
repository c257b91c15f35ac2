import * as tf from '@tensorflow/tfjs-core';
import {
  type LayersModel,
  type layers,
  loadLayersModel,
  sequential,
} from '@tensorflow/tfjs-layers';
import { Rng } from '@uqjs/core';
import type { BayesianDenseArgs } from '../src/index.js';
import { bayesPredictive } from '../src/index.js';

/** The values of `t` as a flat `number[]`, read asynchronously (as webgpu requires). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The values of the tensor `f()` builds (inside `tf.tidy`), read asynchronously, then freed. */
export async function readOf(f: () => tf.Tensor): Promise<number[]> {
  const t = tf.tidy(f);
  const values = await read(t);
  t.dispose();
  return values;
}

/** `model` saved to memory and loaded back. */
export async function roundTrip(model: LayersModel): Promise<LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return loadLayersModel(tf.io.fromMemory(saved!));
}

/** softplus(r) = log(1 + e^r), in float64. */
export const softplus = (r: number): number => Math.log1p(Math.exp(r));

/** The closed-form KL of N(m, s^2) from N(0, p^2), in float64. */
export const klTerm = (m: number, s: number, p: number): number =>
  Math.log(p / s) + (s * s + m * m) / (2 * p * p) - 0.5;

/** `n` points uniform in [-1, 1]^2 with the XOR-of-quadrants label, one-hot `[n, 2]`. */
function xorData(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D; labels: number[] } {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.uniform() * 2 - 1;
    const b = rng.uniform() * 2 - 1;
    xs.push(a, b);
    labels.push(a * b > 0 ? 0 : 1);
  }
  const oneHot = labels.flatMap((label) => (label === 0 ? [1, 0] : [0, 1]));
  return { x: tf.tensor2d(xs, [n, 2]), y: tf.tensor2d(oneHot, [n, 2]), labels };
}

/**
 * Trains a 2 -> 16 (relu) -> 2 (softmax) network of `Layer`s on 200 XOR points (150 epochs,
 * batches of 50, Adam 0.03, KL / 200) and returns the first and last epoch losses and the
 * accuracy of `bayesPredictive` (20 draws) on 200 held-out points.
 */
export async function fitXor(
  Layer: new (args: BayesianDenseArgs) => layers.Layer,
): Promise<{ first: number; last: number; accuracy: number }> {
  const n = 200;
  const train = xorData(n, 11);
  const test = xorData(n, 12);
  const model = sequential();
  model.add(new Layer({ inputShape: [2], units: 16, activation: 'relu', numExamples: n, seed: 1 }));
  model.add(new Layer({ units: 2, activation: 'softmax', numExamples: n, seed: 2 }));
  model.compile({ optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy' });
  const history = await model.fit(train.x, train.y, {
    epochs: 150,
    batchSize: 50,
    shuffle: false,
    verbose: 0,
  });
  const losses = history.history.loss as number[];
  const p = bayesPredictive(model, test.x, 20, { seed: 1 });
  const probs = await read(p.probs);
  const correct = test.labels.filter((label, i) => (probs[2 * i]! > 0.5 ? 0 : 1) === label).length;
  tf.dispose([train.x, train.y, test.x, test.y, p.probs, p.members!, p.variance!]);
  return { first: losses[0]!, last: losses.at(-1)!, accuracy: correct / n };
}
