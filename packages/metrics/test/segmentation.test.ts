import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, meanIoU } from '../src/index.js';

describe('confusionMatrix and meanIoU', () => {
  it('counts label rows against predicted columns', () => {
    expect(confusionMatrix([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 2], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
  });

  it('meanIoU by hand, with ignoreIndex and classes absent from both maps', () => {
    // pred/label as 2x3 maps; 255 = void. Class 0: TP 1, FP 0, FN 1 -> 1/2.
    // Class 1: TP 1, FP 1, FN 0 -> 1/2. Class 2 (K = 3) never occurs: skipped.
    const pred = [
      [0, 1, 1],
      [1, 2, 0],
    ];
    const label = [
      [0, 0, 1],
      [255, 255, 255],
    ];
    expect(meanIoU(pred, label, 3, { ignoreIndex: 255 })).toBe(0.5);
    expect(confusionMatrix(pred, label, 3, { ignoreIndex: 255 })).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    // Perfect segmentation.
    expect(meanIoU([2, 0, 1], [2, 0, 1], 3)).toBe(1);
  });

  it('reads [B, H, W] tensors and matches the array result', () => {
    const pred = [
      [
        [0, 1],
        [1, 1],
      ],
    ];
    const label = [
      [
        [0, 1],
        [0, 1],
      ],
    ];
    const p = tf.tensor3d(pred, undefined, 'int32');
    const y = tf.tensor3d(label, undefined, 'int32');
    // Class 0: TP 1, FN 1 -> 1/2; class 1: TP 2, FP 1 -> 2/3.
    expect(meanIoU(p, y, 2)).toBeCloseTo((1 / 2 + 2 / 3) / 2, 15);
    expect(meanIoU(p, y, 2)).toBe(meanIoU(pred, label, 2));
    tf.dispose([p, y]);
  });

  it('errors name the argument', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(
      'confusionMatrix: label must be of the same size as pred (2 entries), got [1]',
    );
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(
      'confusionMatrix: pred[1] must be an integer class id in [0, 1], got 2',
    );
    expect(() => meanIoU([0, 1], [0, 7], 2)).toThrow(
      'meanIoU: label[1] must be an integer class id in [0, 1], got 7',
    );
    expect(() => meanIoU([0], [255], 2, { ignoreIndex: 255 })).toThrow(
      'meanIoU: label must be a map with at least one position that is not ignoreIndex',
    );
    expect(() => meanIoU([0], [0], 0)).toThrow(
      'meanIoU: numClasses must be an integer >= 1, got 0',
    );
  });
});
