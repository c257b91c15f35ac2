import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { accuracy, brier, ece, nll, reliabilityDiagram } from '../src/index.js';

const probs = [
  [0.7, 0.2, 0.1],
  [0.1, 0.3, 0.6],
  [0.25, 0.5, 0.25],
  [1, 0, 0],
];
const labels = [0, 2, 0, 1];

describe('input forms', () => {
  it('nested arrays, dense Float32/Float64 matrices and tensors give the same numbers', () => {
    const flat = probs.flat();
    const f32 = { data: Float32Array.from(flat), numClasses: 3 };
    const forms = [
      { data: Float64Array.from(flat), numClasses: 3 },
      { data: flat, numClasses: 3 },
    ];
    for (const metric of [accuracy, brier, nll, ece]) {
      const expected = metric(probs, labels);
      for (const form of forms) expect(metric(form, Int32Array.from(labels))).toBe(expected);
      // float32 rounding of the probabilities moves the result by about 1e-7 relative.
      expect(metric(f32, labels)).toBeCloseTo(expected, 6);
      const t = tf.tensor2d(probs);
      const y = tf.tensor1d(labels, 'int32');
      expect(metric(t, y)).toBeCloseTo(expected, 6);
      tf.dispose([t, y]);
    }
  });

  it('binary [N] probabilities of class 1 read as rows [1 - p, p]', () => {
    const p = [0.9, 0.2, 0.5, 0.65];
    const y = [1, 0, 1, 0];
    const rows = p.map((q) => [1 - q, q]);
    expect(ece(p, y, { bins: 5 })).toBe(ece(rows, y, { bins: 5 }));
    expect(nll(Float32Array.from(p), y)).toBeCloseTo(nll(rows, y), 7);
    expect(brier(p, y)).toBe(brier(rows, y));
    // p = 0.5 is a tie between [0.5, 0.5]: class 0 (the lower index) is predicted.
    expect(accuracy(p, y)).toBe(0.5);
    const t = tf.tensor1d(p);
    expect(accuracy(t, y)).toBe(0.5);
    t.dispose();
  });

  it('float labels with integer values are accepted', () => {
    expect(accuracy(probs, [0, 2, 0, 1].map(Number))).toBe(
      accuracy(probs, Int32Array.from(labels)),
    );
    const y = tf.tensor1d(labels, 'float32');
    expect(accuracy(probs, y)).toBe(0.5);
    y.dispose();
  });
});

describe('input errors name the argument', () => {
  it.each([
    [
      () => ece(probs, [0, 1, 2]),
      ShapeError,
      'ece: labels must be of shape [4] (one per row of probs), got [3]',
    ],
    [
      () => nll(probs, [0, 1, 3, 0]),
      InvalidArgumentError,
      'nll: labels[2] must be an integer class label in [0, 2], got 3',
    ],
    [
      () => brier(probs, [0, 1, -1, 0]),
      InvalidArgumentError,
      'brier: labels[2] must be an integer class label in [0, 2], got -1',
    ],
    [
      () => accuracy(probs, [0, 1.5, 0, 0]),
      InvalidArgumentError,
      'accuracy: labels[1] must be an integer class label in [0, 2], got 1.5',
    ],
    [
      () => ece([[0.7, 0.2, 0.2]], [0]),
      InvalidArgumentError,
      'ece: probs[0] must be a row summing to 1 (tolerance 0.001), got 1.0999999999999999',
    ],
    [
      () => ece([[0.5, Number.NaN]], [0]),
      InvalidArgumentError,
      'ece: probs[0][1] must be a probability in [0, 1], got NaN',
    ],
    [
      () => nll([[1.2, -0.2]], [0]),
      InvalidArgumentError,
      'nll: probs[0][0] must be a probability in [0, 1], got 1.2',
    ],
    [
      () => ece([0.5, Number.NaN], [0, 1]),
      InvalidArgumentError,
      'ece: probs[1] must be a number in [0, 1], got NaN',
    ],
    [
      () => ece([0.5, 1.5], [0, 1]),
      InvalidArgumentError,
      'ece: probs[1] must be a number in [0, 1], got 1.5',
    ],
    [
      () => ece([[0.5, 0.5], [1]], [0, 1]),
      ShapeError,
      'ece: probs[1] must be a row of length 2 (like probs[0]), got [1]',
    ],
    [() => ece([[1], [1]], [0, 0]), ShapeError, 'ece: probs must be of shape [N, K] with K >= 2'],
    [() => ece([], []), ShapeError, 'ece: probs must be non-empty (at least one row), got [0]'],
    [
      () => ece({ data: [0.5, 0.5, 1], numClasses: 2 }, [0]),
      InvalidArgumentError,
      'ece: probs.data.length must be a positive multiple of numClasses (2), got 3',
    ],
    [
      () => ece({ data: [1], numClasses: 0 }, [0]),
      InvalidArgumentError,
      'ece: probs.numClasses must be an integer >= 1, got 0',
    ],
    [
      () => ece(probs, labels, { bins: 0 }),
      InvalidArgumentError,
      'ece: opts.bins must be an integer >= 1, got 0',
    ],
    [
      () => ece(probs, labels, { binning: 'quantile' as never }),
      InvalidArgumentError,
      "ece: opts.binning must be one of 'equal-width', 'equal-mass', got \"quantile\"",
    ],
    [
      () => ece(probs, labels, { scope: 'marginal' as never }),
      InvalidArgumentError,
      "ece: opts.scope must be one of 'top-label', 'classwise', got \"marginal\"",
    ],
    [
      () => nll(probs, labels, { eps: 1 }),
      InvalidArgumentError,
      'nll: opts.eps must be a number in [0, 1), got 1',
    ],
    [
      () => ece(probs, labels, { tolerance: 0 }),
      InvalidArgumentError,
      'ece: opts.tolerance must be a finite number > 0, got 0',
    ],
    [
      () => reliabilityDiagram('x' as never, labels),
      InvalidArgumentError,
      'reliabilityDiagram: probs must be an [N, K] matrix',
    ],
  ])('%#', (call, kind, message) => {
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
  });

  it('rank errors on tensors', () => {
    const t = tf.zeros([2, 2, 2]);
    const y = tf.zeros([2, 1], 'int32');
    expect(() => ece(t, [0, 1])).toThrow('ece: probs must be of rank 2, got [2, 2, 2]');
    expect(() =>
      ece(
        [
          [1, 0],
          [0, 1],
        ],
        y,
      ),
    ).toThrow('ece: labels must be of rank 1, got [2, 1]');
    tf.dispose([t, y]);
  });

  it('a wider tolerance accepts rows that sum to 1 only roughly', () => {
    expect(() => ece([[0.7, 0.31]], [0])).toThrow('tolerance 0.001');
    expect(ece([[0.7, 0.31]], [0], { tolerance: 0.02 })).toBeCloseTo(0.3, 12);
  });
});
