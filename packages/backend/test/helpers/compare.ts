import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@uqjs/core';
import { enableFastWasmTraining } from '../../src/index.js';

enableFastWasmTraining();

/**
 * Runs `f` on `backend` (inside `tidy`) and returns its outputs' values; restores the backend
 * that was active before. Inputs are built inside `f` from plain arrays, so both backends see
 * identical numbers and nothing moves between backends.
 */
export async function valuesOn(
  backend: 'cpu' | 'wasm',
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const outputs = tf.tidy(() => {
      const out = f();
      return Array.isArray(out) ? out : [out];
    });
    const values = outputs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outputs);
    return values;
  } finally {
    await tf.setBackend(previous);
  }
}

/** `max |got - want| / max |want|`: the error relative to the result's scale. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** `n` standard normal draws, as float32. */
export function normalArray(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/**
 * The float32 tolerance for sums of up to ~1e4 products of O(1) terms: rounding error grows
 * like sqrt(K) * 2^-24 * |terms| (~6e-6 relative at K = 1e4, and the two backends sum in
 * different orders); observed errors are ~1e-7 to 1e-6, so 1e-5 leaves margin without
 * hiding a wrong index (which gives errors of order 1).
 */
export const FLOAT32_SUM_TOLERANCE = 1e-5;

export { Rng };

/**
 * The filter `[fh, fw, C, O]` with `d - 1` zero taps inserted between neighbours:
 * `[(fh-1)*d + 1, (fw-1)*d + 1, C, O]`. A convolution with dilation `d` equals the undilated
 * convolution with this filter, which gives dilated gradients an independent reference on
 * the cpu backend (whose backprop kernels have no dilation).
 */
export function dilateFilter(
  values: Float32Array,
  shape: readonly [number, number, number, number],
  dilation: number,
): { values: Float32Array; shape: [number, number, number, number] } {
  const [fh, fw, c, o] = shape;
  const dilated: [number, number, number, number] = [
    (fh - 1) * dilation + 1,
    (fw - 1) * dilation + 1,
    c,
    o,
  ];
  const out = new Float32Array(dilated[0] * dilated[1] * c * o);
  for (let p = 0; p < fh; p++) {
    for (let q = 0; q < fw; q++) {
      const from = (p * fw + q) * c * o;
      const to = (p * dilation * dilated[1] + q * dilation) * c * o;
      out.set(values.subarray(from, from + c * o), to);
    }
  }
  return { values: out, shape: dilated };
}

/** The wasm backend's count of live buffers (tensors plus any kernel intermediates). */
export function wasmDataIds(): number {
  return tf.findBackend('wasm')!.numDataIds();
}
