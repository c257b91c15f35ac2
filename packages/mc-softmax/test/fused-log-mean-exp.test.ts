import * as tf from '@tensorflow/tfjs-core';
import {
  enableFastWasmTraining,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
} from '@uqjs/backend';
import type { NoiseKind } from '@uqjs/noise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcSoftmax, mcSoftmaxFactor } from '../src/index.js';
import { read } from './helpers.js';

// The fused path runs where @uqjs/backend registers its kernels: wasm, after
// enableFastWasmTraining. Its reference is the element-wise path on the same backend, with the
// two fused kernels unregistered for the call (every other kernel is the same in both arms).
// These tests select wasm themselves (also on the webgpu pass, whose engine path is the
// element-wise one that the other test files check there).
const FUSED = [SOFTMAX_LOG_MEAN_EXP, SOFTMAX_LOG_MEAN_EXP_GRAD];

async function withoutFused<T>(f: () => Promise<T>): Promise<T> {
  const configs = FUSED.map((name) => tf.getKernel(name, 'wasm')!);
  for (const name of FUSED) tf.unregisterKernel(name, 'wasm');
  try {
    return await f();
  } finally {
    for (const config of configs) tf.registerKernel(config);
  }
}

interface Case {
  readonly shape: number[]; // [B, ..., K]
  readonly numSamples: number;
  readonly maxSamplesInMemory: number;
  readonly temperature: number;
  readonly noise: NoiseKind;
}

const CASES: Case[] = [
  { shape: [8, 10], numSamples: 200, maxSamplesInMemory: 200, temperature: 1, noise: 'normal' },
  { shape: [5, 3], numSamples: 300, maxSamplesInMemory: 64, temperature: 0.3, noise: 'normal' },
  // At tau = 0.02 the latents are ~100: log-weights far below -60 (the kernels' exact path).
  { shape: [4, 7], numSamples: 50, maxSamplesInMemory: 50, temperature: 0.02, noise: 'logistic' },
  {
    shape: [2, 3, 3, 4],
    numSamples: 40,
    maxSamplesInMemory: 16,
    temperature: 0.7,
    noise: 'gumbel',
  },
];

/** loc, scale and the loss weights of a case, from seeds. */
function caseInputs(shape: number[]) {
  return {
    loc: tf.randomNormal(shape, 0, 2, 'float32', 1),
    scale: tf.randomUniform(shape, 0.1, 2, 'float32', 2),
    weights: tf.randomNormal(shape, 0, 1, 'float32', 3),
  };
}

/**
 * logProbs and the gradients of `sum(weights * logProbs)` with respect to loc, scale and a
 * tensor temperature; whether the fused kernel ran (tf.profile's kernel names).
 */
async function runCase(c: Case): Promise<{ values: number[][]; fused: boolean }> {
  const { loc, scale, weights } = caseInputs(c.shape);
  const temperature = tf.scalar(c.temperature);
  const opts = (t: tf.Tensor) => ({
    numSamples: c.numSamples,
    maxSamplesInMemory: c.maxSamplesInMemory,
    temperature: t,
    noise: c.noise,
    seed: 9,
  });
  let outputs: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const logProbs = mcSoftmax(loc, scale, opts(temperature)).logProbs;
    const grads = tf.grads((l, s, t) => tf.sum(tf.mul(weights, mcSoftmax(l, s, opts(t)).logProbs)))(
      [loc, scale, temperature],
    );
    outputs = [logProbs, ...grads];
    return outputs;
  });
  const values = await Promise.all(outputs.map(read));
  tf.dispose([loc, scale, weights, temperature]);
  return { values, fused: profile.kernelNames.includes(SOFTMAX_LOG_MEAN_EXP) };
}

/** `max |a - b| / max(1, max |b|)`. */
function scaledError(a: number[], b: number[]): number {
  const scale = Math.max(1, ...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
}

describe('the fused softmax path of the MC engine (wasm)', () => {
  let previous = 'wasm';
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend('wasm');
    enableFastWasmTraining();
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  for (const c of CASES) {
    const chunks = Math.ceil(c.numSamples / c.maxSamplesInMemory);
    it(`equals the element-wise path: [${c.shape}], S = ${c.numSamples} in ${chunks} chunk(s), tau = ${c.temperature}, ${c.noise}`, async () => {
      const fused = await runCase(c);
      const stock = await withoutFused(() => runCase(c));
      expect(fused.fused).toBe(true);
      expect(stock.fused).toBe(false);
      // Both paths take the float32 softmax of the same float32 latents and sum the same
      // samples in another order: errors of a few ulp of the largest latent |z / tau| (~100
      // at tau = 0.02, so ~1e-5 absolute), ~1e-6 at tau >= 0.3. The bounds are ~10x those,
      // relative to max(1, |value|); a wrong weight or sign gives errors of order 1.
      const latentScale = 10 / c.temperature; // |loc| + 3 scale, over tau
      const [logProbs, dLoc, dScale, dTemperature] = fused.values;
      const [wantLogProbs, wantLoc, wantScale, wantTemperature] = stock.values;
      expect(scaledError(logProbs!, wantLogProbs!)).toBeLessThan(2e-7 * latentScale);
      // Gradients: sums over up to 300 samples of per-sample terms with those errors.
      expect(scaledError(dLoc!, wantLoc!)).toBeLessThan(1e-6 * latentScale);
      expect(scaledError(dScale!, wantScale!)).toBeLessThan(1e-6 * latentScale);
      expect(scaledError(dTemperature!, wantTemperature!)).toBeLessThan(1e-6 * latentScale);
    });
  }

  it('serves mcSoftmaxFactor too (another latent model), forward and gradients', async () => {
    const run = async () => {
      const loc = tf.randomNormal([6, 5], 0, 2, 'float32', 4);
      const factors = tf.randomNormal([6, 5, 3], 0, 0.5, 'float32', 5);
      const scale = tf.randomUniform([6, 5], 0.1, 1, 'float32', 6);
      const opts = { numSamples: 120, maxSamplesInMemory: 50, seed: 2, temperature: 0.5 };
      const f = (l: tf.Tensor, v: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.square(mcSoftmaxFactor(l, v, s, opts).logProbs));
      const outputs = [
        mcSoftmaxFactor(loc, factors, scale, opts).logProbs,
        ...tf.grads(f)([loc, factors, scale]),
      ];
      const values = await Promise.all(outputs.map(read));
      tf.dispose([loc, factors, scale]);
      return values;
    };
    const fused = await run();
    const stock = await withoutFused(run);
    // As above with latents up to ~20 (|loc| <= 8, the factors' and scale's noise, / 0.5).
    for (const [i, values] of fused.entries()) {
      expect(scaledError(values, stock[i]!)).toBeLessThan(2e-5);
    }
  });

  it('leaves computeVariance to the element-wise path, with the same probabilities', async () => {
    const loc = tf.randomNormal([4, 6], 0, 1, 'float32', 7);
    const scale = tf.randomUniform([4, 6], 0.1, 1, 'float32', 8);
    const opts = { numSamples: 100, seed: 3, computeVariance: true };
    let out: { probs: tf.Tensor; variance?: tf.Tensor } = { probs: loc };
    const profile = await tf.profile(() => {
      out = mcSoftmax(loc, scale, opts);
      return [out.probs, out.variance!];
    });
    expect(profile.kernelNames).not.toContain(SOFTMAX_LOG_MEAN_EXP);
    const withVariance = await read(out.probs);
    out.variance!.dispose();
    const plain = await read(mcSoftmax(loc, scale, { numSamples: 100, seed: 3 }).probs);
    // The same samples; probabilities exp(log p) from two float32 paths: a few ulp.
    expect(scaledError(plain, withVariance)).toBeLessThan(1e-6);
    tf.dispose([loc, scale]);
  });

  it('is deterministic by seed and frees what it allocates (single and chunked)', async () => {
    const loc = tf.randomNormal([16, 10], 0, 1, 'float32', 10);
    const scale = tf.randomUniform([16, 10], 0.1, 1, 'float32', 11);
    for (const maxSamplesInMemory of [500, 128]) {
      const step = () =>
        tf.tidy(() => {
          const opts = { numSamples: 500, maxSamplesInMemory, seed: 5 };
          const f = (l: tf.Tensor, s: tf.Tensor) => tf.sum(mcSoftmax(l, s, opts).logProbs);
          return tf.grads(f)([loc, scale]);
        });
      const first = await Promise.all(step().map(read));
      const tensors = tf.memory().numTensors;
      const wasmBuffers = tf.backend().numDataIds();
      for (let i = 0; i < 3; i++) tf.dispose(step());
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.backend().numDataIds()).toBe(wasmBuffers);
      expect(await Promise.all(step().map(read))).toEqual(first);
    }
    tf.dispose([loc, scale]);
  });
});
