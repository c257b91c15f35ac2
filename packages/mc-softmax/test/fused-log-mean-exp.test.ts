import * as tf from '@tensorflow/tfjs-core';
import {
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP,
  DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD,
  enableFastWasmTraining,
  SOFTMAX_LOG_MEAN_EXP,
  SOFTMAX_LOG_MEAN_EXP_GRAD,
} from '@uqjs/backend';
import { type NoiseKind, noiseFamily } from '@uqjs/noise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcSoftmax, mcSoftmaxFactor } from '../src/index.js';
import { read } from './helpers.js';

// The fused path runs where @uqjs/backend registers its kernels: wasm, after
// enableFastWasmTraining. mcSoftmax's diagonal latents take the diagonal kernels (latents formed
// inside them); its references are the plain fused kernels on materialized latents (the diagonal
// pair unregistered for the call) and the element-wise path (the plain pair unregistered, which
// turns off every fused path), on the same backend (every other kernel is the same in all arms),
// and an independent double-precision computation. These tests select wasm themselves (also on
// the webgpu pass, whose engine path is the element-wise one that the other test files check there).
const FUSED = [SOFTMAX_LOG_MEAN_EXP, SOFTMAX_LOG_MEAN_EXP_GRAD];
const DIAGONAL = [DIAGONAL_SOFTMAX_LOG_MEAN_EXP, DIAGONAL_SOFTMAX_LOG_MEAN_EXP_GRAD];

async function without<T>(names: string[], f: () => Promise<T>): Promise<T> {
  const configs = names.map((name) => tf.getKernel(name, 'wasm')!);
  for (const name of names) tf.unregisterKernel(name, 'wasm');
  try {
    return await f();
  } finally {
    for (const config of configs) tf.registerKernel(config);
  }
}

const withoutFused = <T>(f: () => Promise<T>) => without(FUSED, f);
const withoutDiagonal = <T>(f: () => Promise<T>) => without(DIAGONAL, f);

type Path = 'diagonal' | 'fused' | 'element-wise';

/** Which engine path a profiled call took, from its kernel names. */
function pathOf(kernelNames: string[]): Path {
  if (kernelNames.includes(DIAGONAL_SOFTMAX_LOG_MEAN_EXP)) return 'diagonal';
  return kernelNames.includes(SOFTMAX_LOG_MEAN_EXP) ? 'fused' : 'element-wise';
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
 * tensor temperature; the engine path taken (tf.profile's kernel names).
 */
async function runCase(c: Case, share = false): Promise<{ values: number[][]; path: Path }> {
  const { loc, scale, weights } = caseInputs(c.shape);
  const temperature = tf.scalar(c.temperature);
  const opts = (t: tf.Tensor) => ({
    numSamples: c.numSamples,
    maxSamplesInMemory: c.maxSamplesInMemory,
    temperature: t,
    noise: c.noise,
    seed: 9,
    shareSamplesAcrossBatch: share,
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
  return { values, path: pathOf(profile.kernelNames) };
}

/** `max |a - b| / max(1, max |b|)`. */
function scaledError(a: number[], b: number[]): number {
  const scale = Math.max(1, ...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
}

/**
 * mcSoftmax in double precision from the float32 inputs and noise `u` `[S, W]` (row-major
 * `[S, B, K]`, K = 3): `logProbs = log mean_s softmax(x_s)`, `x_s = (loc + scale u_s) / tau`,
 * the objective `sum weights * logProbs`, and its gradients by the chain rule written out:
 * `a_s = weights * softmax over s of l_s`, `dL/dx_s = a_s - p_s sum_k a_s`,
 * `dL/dloc = sum_s dL/dx_s / tau`, `dL/dscale = sum_s u_s dL/dx_s / tau`,
 * `dL/dtau = -sum_s x_s . dL/dx_s / tau`.
 */
function doubleReference(
  loc: number[],
  scale: number[],
  weights: number[],
  u: number[],
  samples: number,
  tau: number,
) {
  const width = loc.length;
  const classes = 3;
  const x = u.map((v, i) => (loc[i % width]! + scale[i % width]! * v) / tau);
  const l = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += classes) {
    const row = x.slice(o, o + classes);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    for (let k = 0; k < classes; k++) l[o + k] = row[k]! - logSum;
  }
  const lse = new Float64Array(width);
  for (let c = 0; c < width; c++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < samples; s++) max = Math.max(max, l[s * width + c]!);
    let sum = 0;
    for (let s = 0; s < samples; s++) sum += Math.exp(l[s * width + c]! - max);
    lse[c] = max + Math.log(sum);
  }
  const logProbs = Array.from(lse, (v) => v - Math.log(samples));
  const objective = logProbs.reduce((sum, v, c) => sum + weights[c]! * v, 0);
  const dLoc = new Array<number>(width).fill(0);
  const dScale = new Array<number>(width).fill(0);
  let dTemperature = 0;
  for (let o = 0; o < x.length; o += classes) {
    const c0 = o % width;
    const a = [0, 1, 2].map((k) => weights[c0 + k]! * Math.exp(l[o + k]! - lse[c0 + k]!));
    const total = a[0]! + a[1]! + a[2]!;
    for (let k = 0; k < classes; k++) {
      const dx = a[k]! - Math.exp(l[o + k]!) * total;
      dLoc[c0 + k]! += dx / tau;
      dScale[c0 + k]! += (u[o + k]! * dx) / tau;
      dTemperature -= (x[o + k]! * dx) / tau;
    }
  }
  return { logProbs, objective, dLoc, dScale, dTemperature };
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
      const plain = await withoutDiagonal(() => runCase(c));
      const stock = await withoutFused(() => runCase(c));
      expect([fused.path, plain.path, stock.path]).toEqual(['diagonal', 'fused', 'element-wise']);
      // The diagonal kernels form the same float32 latents (a product, then a sum) and run the
      // plain kernels' row passes: the same logProbs, to the bit.
      expect(fused.values[0]).toEqual(plain.values[0]);
      // They sum dL/dloc, dL/dscale over the samples in order in float32, as the plain path's
      // leading-axis Sum does except for its last width % 4 columns (summed in double): the
      // same bits where 4 divides the width, else within float32 sums of <= 300 terms
      // (~sqrt(300) * 6e-8 ~ 1e-6 relative to the terms); a wrong term gives errors of order 1.
      for (const i of [1, 2, 3]) {
        expect(scaledError(fused.values[i]!, plain.values[i]!)).toBeLessThan(1e-5);
        if (tf.util.sizeFromShape(c.shape) % 4 === 0) {
          expect(fused.values[i]).toEqual(plain.values[i]);
        }
      }
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

  it('equals an independent double-precision computation, and its finite differences', async () => {
    // [5, 3], S = 300 in chunks of 64, tau = 0.3, normal noise: the second case above.
    const c = CASES[1]!;
    const fused = await runCase(c);
    expect(fused.path).toBe('diagonal');
    const { loc, scale, weights } = caseInputs(c.shape);
    const u = noiseFamily('normal').sampleStandard([c.numSamples, ...c.shape], 9); // drawNoise's rows
    const [l0, s0, w, noise] = await Promise.all([loc, scale, weights, u].map(read));
    const want = doubleReference(l0!, s0!, w!, noise!, c.numSamples, c.temperature);
    // float32 against exact: a few ulp of the largest latent |z / tau| (~30 here) in the softmax,
    // as between the float32 paths above; the same bounds, twice as wide (both float32 paths
    // are that far from the exact value, in either direction).
    const latentScale = 10 / c.temperature;
    const [logProbs, dLoc, dScale, dTemperature] = fused.values;
    expect(scaledError(logProbs!, want.logProbs)).toBeLessThan(4e-7 * latentScale);
    expect(scaledError(dLoc!, want.dLoc)).toBeLessThan(2e-6 * latentScale);
    expect(scaledError(dScale!, want.dScale)).toBeLessThan(2e-6 * latentScale);
    expect(scaledError(dTemperature!, [want.dTemperature])).toBeLessThan(2e-6 * latentScale);
    // Central differences of the double objective (h = 1e-4: truncation ~h^2 times a third
    // derivative of O(1 / tau^3) ~ 4e-7, rounding ~1e-16 / h ~ 1e-12) check the double
    // gradients, and so the fused ones, numerically.
    const h = 1e-4;
    for (const i of [0, 7, 14]) {
      for (const [which, grad] of [
        ['loc', want.dLoc],
        ['scale', want.dScale],
      ] as const) {
        const at = (delta: number) => {
          const l = [...l0!];
          const s = [...s0!];
          (which === 'loc' ? l : s)[i]! += delta;
          return doubleReference(l, s, w!, noise!, c.numSamples, c.temperature).objective;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(grad[i]! - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
    }
    tf.dispose([loc, scale, weights]);
  });

  it('leaves shared noise (shareSamplesAcrossBatch) to the plain fused kernels, same numbers', async () => {
    const c = CASES[1]!;
    const fused = await runCase(c, true);
    const stock = await withoutFused(() => runCase(c, true));
    expect([fused.path, stock.path]).toEqual(['fused', 'element-wise']);
    // As in the cases above (the same latents' scale and sample count).
    const latentScale = 10 / c.temperature;
    fused.values.forEach((values, i) => {
      expect(scaledError(values, stock.values[i]!)).toBeLessThan(1e-6 * latentScale);
    });
  });

  it('never holds the [S, B, K] latents or their gradient: a lower peak than the plain kernels', async () => {
    const loc = tf.randomNormal([16, 10], 0, 1, 'float32', 12);
    const scale = tf.randomUniform([16, 10], 0.1, 1, 'float32', 13);
    const peak = async () => {
      const start = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const opts = { numSamples: 500, seed: 5 };
        const grads = tf.grads((l, s) => tf.sum(mcSoftmax(l, s, opts).logProbs))([loc, scale]);
        tf.dispose(grads);
      });
      return info.peakBytes - start;
    };
    const diagonal = await peak();
    const plain = await withoutDiagonal(peak);
    // The plain path holds the latents through the backward pass and makes dL/dlatents and
    // u * dL/dlatents there: at least one [500, 16, 10] float32 tensor (320,000 bytes) more.
    expect(plain - diagonal).toBeGreaterThanOrEqual(500 * 16 * 10 * 4);
    tf.dispose([loc, scale]);
  });

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
