import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  Calibration,
  confusionMatrix,
  ece,
  fitMatrixScaling,
  fitTemperature,
  mce,
  meanIoU,
  nll,
  reliabilityDiagram,
} from '../src/index.js';
import { randomProbs, sampleLabels } from './helpers.js';
import { limited, withTimeLimit } from './time-limit.js';

const probs = [
  [0.2, 0.8],
  [0.6, 0.4],
  [0.9, 0.1],
];
const labels = [1, 1, 0];

describe('size limits (issue 19.14)', () => {
  it('bins above 10,000 are refused before anything is allocated', () => {
    // 1e9 bins used to allocate three Float64Arrays of 8 GB each and die out of memory.
    for (const [name, f] of [
      ['ece', () => ece(probs, labels, { bins: 1e9 })],
      ['mce', () => mce(probs, labels, { bins: 1e9 })],
      ['reliabilityDiagram', () => reliabilityDiagram(probs, labels, { bins: 1e9 })],
      ['Calibration', () => new Calibration({ bins: 1e9 })],
    ] as const) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(
        `${name}: opts.bins must be an integer in [1, 10000] (the limit on bins), got 1000000000`,
      );
    }
    expect(() => ece(probs, labels, { bins: 10_001 })).toThrow('got 10001');
    // The limit itself works, and gives the same ECE as any bins count where each example
    // sits alone in its bin: sum_i |hit_i - conf_i| / N.
    const expected = (Math.abs(1 - 0.8) + Math.abs(0 - 0.6) + Math.abs(1 - 0.9)) / 3;
    expect(ece(probs, labels, { bins: 10_000 })).toBeCloseTo(expected, 12);
  });

  it('classwise scope caps bins * numClasses at 10^7', () => {
    const p = randomProbs(3, 20, 2000, 1);
    const y = sampleLabels(4, p);
    expect(() => ece(p, y, { bins: 10_000, scope: 'classwise' })).toThrow(
      "ece: opts.bins must be at most 5000 with scope 'classwise' and 2000 classes (bins * numClasses <= 10000000), got 10000",
    );
    expect(Number.isFinite(ece(p, y, { bins: 5000, scope: 'classwise' }))).toBe(true);
  });

  it('confusionMatrix and meanIoU refuse more than 10,000 classes', () => {
    // numClasses 1e9 used to allocate a 1e18-entry matrix (RangeError) or run out of memory.
    expect(() => confusionMatrix([0], [0], 1e9)).toThrow(
      'confusionMatrix: numClasses must be an integer in [1, 10000] (the limit on classes), got 1000000000',
    );
    expect(() => meanIoU([0], [0], 10_001)).toThrow(
      'meanIoU: numClasses must be an integer in [1, 10000] (the limit on classes), got 10001',
    );
    // At the limit, meanIoU needs O(K) memory only: one class present, IoU 1.
    expect(meanIoU([9999, 9999], [9999, 9999], 10_000)).toBe(1);
  });
});

describe('fitMatrixScaling size', () => {
  it('refuses more than 1,000 classes (K^2 + K parameters)', () => {
    // 2,000 classes used to start an L-BFGS over 4 million parameters (~770 MB of history).
    const logits = { data: new Float64Array(2000), numClasses: 2000 };
    expect(() => fitMatrixScaling(logits, [0])).toThrow(
      'fitMatrixScaling: logits must be of shape [N, K] with K <= 1000 (matrix scaling fits K^2 + K parameters), got [1, 2000]',
    );
  });
});

describe('fitTemperature tolerance (issue 19.15)', () => {
  const logits = [
    [2, 0],
    [0, 1],
    [1.5, 1],
    [0, 3],
    [1, 0],
  ];
  const y = [0, 1, 1, 1, 1];

  it('a tolerance below float64 resolution returns (it used to loop forever)', () => {
    // Run under a time limit: before the floor, hi - lo never fell below 1e-17 and the
    // bisection never ended.
    const fit = withTimeLimit(() => limited.fitTemperature(logits, y, { tolerance: 1e-17 }), 5000);
    const reference = fitTemperature(logits, y);
    expect(fit.hitBound).toBeNull();
    // The bracket on log T starts log(1e4) = 9.2 wide and stops at 4 eps = 8.9e-16 (|log T| < 1
    // here): at most log2(9.2 / 8.9e-16) = 53.2, so 54 halvings; the default tolerance 1e-7
    // takes 27 and agrees to 1e-7 on log T.
    expect(fit.iterations).toBeLessThanOrEqual(54);
    expect(Math.abs(Math.log(fit.temperature / reference.temperature))).toBeLessThan(1e-7);
    const tiny = withTimeLimit(
      () => limited.fitTemperature(logits, y, { tolerance: Number.MIN_VALUE }),
      5000,
    );
    expect(tiny.temperature).toBe(fit.temperature);
  });

  it('logits near ±1e308 (differences overflow) still give the separable-data answer', () => {
    // z - max = -2e308 overflows to -Infinity; the slope used to be NaN (0 * -Infinity), and the
    // bisection drifted to minTemperature with hitBound null.
    const fit = fitTemperature(
      [
        [1e308, -1e308],
        [0, 1],
        [-1e308, 1e308],
      ],
      [0, 1, 1],
    );
    expect(fit.hitBound).toBe('lower');
    expect(fit.temperature).toBe(0.01);
  });

  it('temperatures outside [1e-300, 1e300] are refused (1 / T would overflow)', () => {
    expect(() => fitTemperature(logits, y, { minTemperature: 1e-320 })).toThrow(
      'fitTemperature: opts.minTemperature must be a number in [1e-300, 1e+300], got 1e-320',
    );
    expect(() => fitTemperature(logits, y, { maxTemperature: 1e305 })).toThrow(
      'opts.maxTemperature must be a number in [1e-300, 1e+300]',
    );
  });
});

describe('null options and ragged or non-numeric inputs (issue 19.16, 19.18)', () => {
  it('null options are an InvalidArgumentError, not a TypeError', () => {
    expect(() => ece(probs, labels, null as never)).toThrow(
      'ece: opts must be an options object (or undefined), got null',
    );
    expect(() => nll(probs, labels, 3 as never)).toThrow(
      'nll: opts must be an options object (or undefined), got 3',
    );
    expect(() => confusionMatrix([0], [0], 2, null as never)).toThrow(
      'confusionMatrix: opts must be an options object',
    );
    expect(() => new Calibration(null as never)).toThrow('Calibration: opts must be an options');
    expect(() => fitTemperature([[1, 0]], [0], null as never)).toThrow(InvalidArgumentError);
  });

  it('ragged class maps are a ShapeError naming the first bad row', () => {
    // [[0, 1], [1]] used to be flattened to [0, 1, 1] and counted.
    expect(() => confusionMatrix([[0, 1], [1]], [0, 1, 1], 2)).toThrow(ShapeError);
    expect(() => confusionMatrix([[0, 1], [1]], [0, 1, 1], 2)).toThrow(
      'confusionMatrix: pred[1] must be an array of length 2 (pred is read as shape [2, 2] from its first entries; ragged arrays are refused), got [1]',
    );
    expect(() => meanIoU([[[0]], [[1], [0]]], [0, 1], 2)).toThrow('meanIoU: pred[1] must be');
    expect(() => meanIoU([0, [1]], [0, 1], 2)).toThrow(
      'meanIoU: pred[1] must be an integer class id, got [1]',
    );
    // Rectangular nested maps still work, in any form.
    expect(
      confusionMatrix(
        [
          [0, 1],
          [1, 1],
        ],
        Int32Array.from([0, 0, 1, 1]),
        2,
      ),
    ).toEqual([
      [1, 1],
      [0, 2],
    ]);
  });

  it('strings are not read as numbers', () => {
    // A string used to be copied into the Float64Array as its numeric value.
    expect(() => ece([[0.5, '0.5']] as never, [0])).toThrow(
      'ece: probs[0][1] must be a number, got "0.5"',
    );
    expect(() => ece(['0.5', '0.5'] as never, [0, 1])).toThrow(
      'ece: probs[0] must be a number in [0, 1], got "0.5"',
    );
    expect(() => ece({ data: ['0.5', '0.5'], numClasses: 2 } as never, [0])).toThrow(
      'ece: probs[0][0] must be a probability in [0, 1], got "0.5"',
    );
    expect(() => confusionMatrix([['0']] as never, [0], 2)).toThrow(
      'confusionMatrix: pred[0][0] must be an integer class id, got "0"',
    );
    // An object with a length is not a vector (it used to allocate 16 GB for { length: 1e9 }).
    expect(() => ece({ length: 1e9 } as never, [0])).toThrow(
      'ece: probs must be an [N, K] matrix (number[][], { data, numClasses } or a rank-2 tensor), got [object Object]',
    );
    const s = tf.tensor1d(['1', '0'], 'string');
    expect(() => confusionMatrix(s as never, [1, 0], 2)).toThrow(
      'confusionMatrix: pred.dtype must be a numeric dtype (float32, int32 or bool), got "string"',
    );
    s.dispose();
  });
});
