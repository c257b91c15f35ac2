import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** The values of `t` as a flat `number[]`, read asynchronously (as webgpu requires). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The nested values of `t` (`number[][]` for a rank-2 tensor, ...), read asynchronously. */
export async function readArray<T>(t: tf.Tensor): Promise<T> {
  return (await t.array()) as T;
}

/** The single value of a scalar (or one-entry) tensor, which is then disposed. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v!;
}

/**
 * `f` throws `message` where the synchronous APIs check tensor values, and throws nothing
 * on webgpu, where those checks are skipped because they would need a synchronous read back
 * (see the `sync read` comments in src/).
 */
export function expectValueCheck(f: () => unknown, message: string | RegExp): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(f).toThrow(message);
    return;
  }
  expect(() => tf.dispose(f() as tf.TensorContainer)).not.toThrow();
}
