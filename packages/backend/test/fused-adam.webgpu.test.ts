// fusedAdam on the webgpu backend (run only with UQJS_TEST_BACKEND=webgpu, on lavapipe in CI):
// there the finite-gradient check runs on the device (no synchronous read), over as many
// gradients as a CNN has, and the steps must equal tf.train.adam's.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fusedAdam } from '../src/index.js';
import { normalArray, Rng, relativeError } from './helpers/compare.js';

/** 12 weights, like the paper's CIFAR CNN (3 convolutions and 3 dense layers, kernel and bias). */
const SHAPES = [
  [3, 3, 3, 8],
  [8],
  [3, 3, 8, 8],
  [8],
  [3, 3, 8, 8],
  [8],
  [64, 16],
  [16],
  [16, 8],
  [8],
  [8, 10],
  [10],
] as const;

async function run(optimizer: tf.Optimizer, badStep: number | null): Promise<Float32Array[]> {
  const rng = new Rng(11);
  const draw = (shape: readonly number[], scale: number) =>
    tf.tensor(
      normalArray(rng, tf.util.sizeFromShape([...shape])).map((x) => x * scale),
      [...shape],
    );
  const vars = SHAPES.map((shape) => tf.tidy(() => tf.variable(draw(shape, 1))));
  try {
    for (let step = 0; step < 5; step++) {
      const grads = Object.fromEntries(
        vars.map((v, i) => {
          const g = draw(v.shape, 0.1);
          // A NaN in the last gradient at `badStep`: the step must change nothing.
          if (step === badStep && i === vars.length - 1) return [v.name, tf.mul(g, NaN)];
          return [v.name, g];
        }),
      );
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    return await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
  } finally {
    optimizer.dispose();
    tf.dispose(vars);
  }
}

describe('fusedAdam on webgpu', () => {
  it('runs on the webgpu backend', () => {
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('equals tf.train.adam over 12 weights, with the finite check on the device', async () => {
    const before = tf.memory().numTensors;
    const fused = await run(fusedAdam(1e-2), null);
    const afterFused = tf.memory().numTensors;
    const reference = await run(tf.train.adam(1e-2), null);
    fused.forEach((w, i) => {
      // float32, the same formula in another kernel order: a few ulps per step.
      expect(relativeError(w, reference[i]!)).toBeLessThan(1e-5);
    });
    expect(afterFused).toBe(before);
  });

  it('skips a whole step whose gradients hold a NaN, as on the other backends', async () => {
    const skipped = await run(fusedAdam(1e-2), 2);
    const clean = await run(fusedAdam(1e-2), null);
    // Skipping step 2 changes the weights (4 steps instead of 5) but leaves them finite.
    for (const w of skipped) expect(w.every(Number.isFinite)).toBe(true);
    expect(relativeError(skipped[0]!, clean[0]!)).toBeGreaterThan(1e-4);
  });
});
