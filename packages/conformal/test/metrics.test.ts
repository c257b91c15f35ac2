import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  coverage,
  intervalCoverage,
  meanIntervalWidth,
  meanSetSize,
  sizeStratifiedCoverage,
} from '../src/index.js';

const sets = [[0], [0, 1], [1, 2], [], [2], [0, 1, 2]];
const labels = [0, 2, 1, 0, 1, 2];

describe('set metrics', () => {
  it('coverage and mean size by hand', async () => {
    // Hits: yes, no, yes, no, no, yes.
    expect(await coverage(sets, labels)).toBe(3 / 6);
    expect(await coverage(sets, tf.tensor1d(labels, 'int32'))).toBe(3 / 6);
    expect(meanSetSize(sets)).toBe((1 + 2 + 2 + 0 + 1 + 3) / 6);
  });

  it('size-stratified coverage by hand, and its violation at alpha', async () => {
    const result = await sizeStratifiedCoverage(sets, labels, { alpha: 0.1 });
    expect(result.strata).toEqual([
      { size: 0, count: 1, coverage: 0 },
      { size: 1, count: 2, coverage: 0.5 },
      { size: 2, count: 2, coverage: 0.5 },
      { size: 3, count: 1, coverage: 1 },
    ]);
    expect(result.violation).toBeCloseTo(0.9, 15);
    expect((await sizeStratifiedCoverage(sets, labels)).violation).toBeNull();
  });
});

describe('interval metrics', () => {
  it('coverage (both ends included) and mean width by hand', async () => {
    const intervals = { lower: [0, 1, 2, 5], upper: [1, 3, 2, 4] };
    // y = 1 in [0, 1]; 0 not in [1, 3]; 2 in [2, 2]; 4.5 not in the empty [5, 4].
    expect(await intervalCoverage(intervals, [1, 0, 2, 4.5])).toBe(0.5);
    expect(await meanIntervalWidth(intervals)).toBe((1 + 2 + 0 + 0) / 4);
    const t = { lower: tf.tensor1d([0, 1]), upper: tf.tensor1d([1, 3]) };
    expect(await intervalCoverage(t, new Float32Array([0.5, 4]))).toBe(0.5);
    tf.dispose([t.lower, t.upper]);
  });
});
