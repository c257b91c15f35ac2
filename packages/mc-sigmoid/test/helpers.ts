import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** The values of `t`, read asynchronously (as webgpu requires). */
export async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** `max |a - b|` over all entries. */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [value] = await diff.data();
  diff.dispose();
  return value!;
}

/**
 * `f` throws `message` where the heads and losses check tensor values, and throws nothing on
 * webgpu, where those synchronous APIs cannot read values back and skip the value checks (as
 * their JSDoc states).
 */
export function expectValueCheck(f: () => unknown, message: string): void {
  if (tf.getBackend() !== 'webgpu') {
    expect(f).toThrow(message);
    return;
  }
  expect(() => {
    const out = f();
    if (out instanceof tf.Tensor) out.dispose();
  }).not.toThrow();
}
