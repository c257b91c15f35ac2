import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { simdAdamFor } from '../../src/kernels/adam-simd.js';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../../src/kernels/adam-update.js';
import { backendMemory } from '../../src/kernels/simd-module.js';
import { normalArray, Rng, relativeError } from '../helpers/compare.js';

/**
 * The update in double precision, written from the formula (not from the kernel's
 * rearrangement): bias-corrected moments, then w - lr m_hat / (sqrt(v_hat) + epsilon).
 */
function reference(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamUpdateAttrs,
): [Float32Array, Float32Array, Float32Array] {
  const m1 = m.map((mi, i) => a.beta1 * mi + (1 - a.beta1) * g[i]!);
  const v1 = v.map((vi, i) => a.beta2 * vi + (1 - a.beta2) * g[i]! ** 2);
  const w1 = w.map((wi, i) => {
    const mHat = m1[i]! / a.firstCorrection;
    const vHat = v1[i]! / a.secondCorrection;
    return wi - (a.learningRate * mHat) / (Math.sqrt(vHat) + a.epsilon);
  });
  return [w1, m1, v1];
}

function attrsAt(step: number, learningRate = 0.01): AdamUpdateAttrs {
  const [beta1, beta2] = [0.9, 0.999];
  return {
    learningRate,
    beta1,
    beta2,
    epsilon: 1e-7,
    firstCorrection: 1 - beta1 ** step,
    secondCorrection: 1 - beta2 ** step,
  };
}

describe(`${ADAM_UPDATE} kernel on wasm`, () => {
  it('runs the SIMD function on the backend memory in Node (the fast path is the tested one)', async () => {
    await tf.setBackend('wasm');
    const memory = backendMemory(tf.backend());
    expect(simdAdamFor(memory)).toBeTypeOf('function');
    expect(simdAdamFor(memory)).toBe(simdAdamFor(memory)); // compiled once per memory
  });

  // Sizes below 4 run only the JavaScript tail; the others run SIMD groups of 4 plus a tail of 0-3.
  for (const size of [1, 3, 4, 5, 1027, 4099]) {
    for (const step of [1, 7]) {
      it(`matches the double-precision formula for ${size} element(s) at step ${step}`, async () => {
        await tf.setBackend('wasm');
        const rng = new Rng(size * 10 + step);
        const w = normalArray(rng, size);
        const g = normalArray(rng, size).map((x) => x * 0.1);
        const m = normalArray(rng, size).map((x) => x * 0.01);
        const v = normalArray(rng, size).map((x) => x * x * 1e-4);
        g[0] = 0; // a zero gradient on a zero moment must not divide 0 by 0
        m[0] = 0;
        v[0] = 0;
        const attrs = attrsAt(step);
        const inputs = [w, g, m, v].map((values) => tf.tensor1d(values));
        const [variable, gradient, firstMoment, secondMoment] = inputs as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        const outputs = tf
          .engine()
          .runKernel(
            ADAM_UPDATE,
            { variable, gradient, firstMoment, secondMoment },
            { ...attrs },
          ) as tf.Tensor[];
        const got = outputs.map((t) => t.dataSync() as Float32Array);
        const unchanged = inputs.map((t) => t.dataSync() as Float32Array);
        tf.dispose([...inputs, ...outputs]);

        const want = reference(w, g, m, v, attrs);
        expect(got).toHaveLength(3);
        // float32 arithmetic (SIMD) against double: a few roundings of ~6e-8 each.
        for (const [i, label] of ['w', 'm', 'v'].entries()) {
          expect(relativeError(got[i]!, want[i]!), label).toBeLessThan(1e-6);
        }
        // The step is ~lr per element (Adam's normalized update), so an error of 1e-6 of
        // |w| ~ 3 would hide nothing of size lr = 0.01; check the step itself too.
        const stepGot = got[0]!.map((x, i) => x - w[i]!);
        const stepWant = want[0]!.map((x, i) => x - w[i]!);
        expect(relativeError(stepGot, stepWant)).toBeLessThan(1e-4);
        expect(got[0]![0]).toBe(w[0]);
        expect(unchanged).toEqual([w, g, m, v]); // inputs are not written
      });
    }
  }
});
