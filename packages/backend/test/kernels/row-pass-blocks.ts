import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { softmaxBlock } from '../../src/kernels/softmax-rows.js';

/**
 * Test cases for the fused softmax forward pass in blocks: `[S, W / K, K]` shapes whose counts
 * are no multiple of 16 or 4 (the exponentials' tails), and blocks of 4 rows (several blocks,
 * the last one short) or one block.
 */
export const BLOCK_CASES = [
  [[7, 3, 3], 12],
  [[5, 2, 7], 28],
  [[3, 4, 10], softmaxBlock(10)],
  [[33, 1, 5], 20],
  [[5, 2, 19], 76],
  [[3, 3, 20], softmaxBlock(20)],
] as const;

/** The float32 view of a wasm tensor's values in the backend's heap. */
export function heapOf(t: tf.Tensor): Float32Array {
  return (
    tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array }
  ).typedArrayFromHeap(t);
}

/** Floats after `out` and `sums` that the pass must leave alone, and their value. */
const GUARD = 8;
const GUARD_VALUE = 12345;

/** The pass's outputs: `out` `[count]` and zeroed `sums` `[width]`, each followed by guard floats. */
export function guardedOutputs(count: number, width: number): { out: tf.Tensor; sums: tf.Tensor } {
  return {
    out: tf.fill([count + GUARD], GUARD_VALUE),
    sums: tf.concat([tf.zeros([width]), tf.fill([GUARD], GUARD_VALUE)]),
  };
}

/**
 * What the pass wrote: checks that the guards are untouched and that `sums` is `p` added over
 * the samples in order in float32; returns `p` `[count]` and those sums `[width]`.
 */
export function readBlockPass(
  out: tf.Tensor,
  sums: tf.Tensor,
  count: number,
  width: number,
): { p: Float32Array; sums: Float32Array } {
  const [p, sum] = [heapOf(out).slice(), heapOf(sums).slice()];
  expect(Array.from(p.subarray(count))).toEqual(new Array(GUARD).fill(GUARD_VALUE));
  expect(Array.from(sum.subarray(width))).toEqual(new Array(GUARD).fill(GUARD_VALUE));
  const want = new Float32Array(width);
  for (let i = 0; i < count; i++) want[i % width] = want[i % width]! + p[i]!;
  expect(sum.subarray(0, width)).toEqual(want);
  return { p: p.subarray(0, count), sums: want };
}
