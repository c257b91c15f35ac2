import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** The values of `t` as a flat `number[]`, read asynchronously (as webgpu requires). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The nested values of `t` (`number[][][]` for a rank-3 tensor, ...), read asynchronously. */
export async function readArray<T>(t: tf.Tensor): Promise<T> {
  return (await t.array()) as T;
}

/** The one value of the scalar `f()` builds (inside `tf.tidy`), read asynchronously. */
export async function readScalar(f: () => tf.Tensor): Promise<number> {
  const t = tf.tidy(f);
  const [v] = await t.data();
  t.dispose();
  return v!;
}

/**
 * `f` throws an error matching `expected` where `mcDropoutPredict` checks the values of the
 * model's output, and throws nothing on webgpu, where that check is skipped because it would
 * need a synchronous read back (src/mc-dropout-predict.ts). What `f` returns there is freed.
 */
export function expectValueCheck(f: () => unknown, expected: string | RegExp): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(f).toThrow(expected);
    return;
  }
  expect(() => tf.dispose(f() as tf.TensorContainer)).not.toThrow();
}
