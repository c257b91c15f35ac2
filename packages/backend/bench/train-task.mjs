// One grid cell for workers-throughput.mjs: trains a fresh MLP for `steps` Adam steps on a
// fixed random batch, on whatever backend the worker resolved, and reports the final loss.
import * as tf from '@tensorflow/tfjs-core';
import { mlp, randomBatch } from './models.mjs';

export default async function trainCell({ seed, steps, batch, hidden, depth }) {
  const model = mlp({ hidden, depth });
  const { x, y } = randomBatch(batch, [784], seed);
  try {
    let loss = Number.NaN;
    for (let i = 0; i < steps; i++) loss = await model.trainOnBatch(x, y);
    return { seed, examples: steps * batch, loss, backend: tf.getBackend(), pid: process.pid };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}
