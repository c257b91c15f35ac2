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
 * `f` throws `expected` (a message, a pattern or an error class) where the synchronous APIs
 * check tensor values, and throws nothing on webgpu, where those checks are skipped because
 * they would need a synchronous read back (see the `sync read` comments in src/). What `f`
 * returns there is freed.
 */
export function expectValueCheck(
  f: () => unknown,
  expected: string | RegExp | (new (...args: never[]) => Error),
): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(f).toThrow(expected);
    return;
  }
  expect(() => release(f())).not.toThrow();
}

/** Frees what a call returned: by its own `dispose()` (a model, an ensemble), else `tf.dispose`. */
function release(out: unknown): void {
  if (typeof (out as { dispose?: unknown } | null)?.dispose === 'function') {
    (out as { dispose: () => void }).dispose();
  } else {
    tf.dispose(out as tf.TensorContainer);
  }
}
