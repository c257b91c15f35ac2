import { describe, expect, it } from 'vitest';
import {
  checkAllFinite,
  checkBoolean,
  checkFiniteNumber,
  checkInRange,
  checkInteger,
  checkLabels,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  checkSameShape,
  checkShape,
  InvalidArgumentError,
  ShapeError,
  UqjsError,
} from '../src/index.js';

describe('scalar checks', () => {
  it('returns valid values unchanged', () => {
    expect(checkFiniteNumber(-2.5, 'x', 'f')).toBe(-2.5);
    expect(checkPositive(0.01, 'temperature', 'mcSoftmax')).toBe(0.01);
    expect(checkInteger(0, 'n', 'f')).toBe(0);
    expect(checkInteger(-3, 'n', 'f', -5)).toBe(-3);
    expect(checkPositiveInteger(7, 'numSamples', 'f')).toBe(7);
    expect(checkInRange(1, 'p', 'f', 0, 1)).toBe(1);
    expect(checkBoolean(false, 'flag', 'f')).toBe(false);
    expect(checkOneOf('gumbel', ['normal', 'gumbel'] as const, 'noise', 'f')).toBe('gumbel');
  });

  it.each([
    [() => checkFiniteNumber(Number.NaN, 'x', 'f'), 'f: x must be a finite number, got NaN'],
    [
      () => checkBoolean(1, 'normalizeInput', 'Layer'),
      'Layer: normalizeInput must be a boolean, got 1',
    ],
    [() => checkFiniteNumber('1', 'x', 'f'), 'f: x must be a finite number, got "1"'],
    [
      () => checkPositive(0, 'temperature', 'mcSoftmax'),
      'mcSoftmax: temperature must be a finite number > 0, got 0',
    ],
    [() => checkPositive(-1, 'tau', 'g'), 'g: tau must be a finite number > 0, got -1'],
    [() => checkPositive(Number.POSITIVE_INFINITY, 'tau', 'g'), 'got Infinity'],
    [() => checkInteger(1.5, 'n', 'f'), 'f: n must be an integer >= 0, got 1.5'],
    [
      () => checkPositiveInteger(0, 'numSamples', 'mcSoftmax'),
      'mcSoftmax: numSamples must be an integer >= 1, got 0',
    ],
    [
      () => checkInRange(1.01, 'rate', 'MCDropout', 0, 1),
      'MCDropout: rate must be a number in [0, 1], got 1.01',
    ],
    [
      () => checkOneOf('cauchy', ['normal', 'logistic'], 'noise', 'noiseFamily'),
      "noiseFamily: noise must be one of 'normal', 'logistic', got \"cauchy\"",
    ],
  ])('rejects bad values with a message naming the argument (%#)', (check, message) => {
    expect(check).toThrow(InvalidArgumentError);
    expect(check).toThrow(message);
  });

  it('raises errors that are UqjsErrors carrying fn and argument', () => {
    try {
      checkPositive(0, 'temperature', 'mcSoftmax');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UqjsError);
      expect(error).toMatchObject({
        fn: 'mcSoftmax',
        argument: 'temperature',
        name: 'InvalidArgumentError',
      });
    }
  });
});

describe('shape checks', () => {
  const t = { shape: [4, 10] };

  it('accepts matching ranks and shapes', () => {
    expect(checkRank(t, 2, 'x', 'f')).toBe(t);
    expect(checkRank(t, [1, 2], 'x', 'f')).toBe(t);
    expect(checkShape(t, [null, 10], 'x', 'f')).toBe(t);
    expect(() => checkSameShape(t, { shape: [4, 10] }, 'loc', 'scale', 'f')).not.toThrow();
  });

  it('names the argument, the expectation and the given shape', () => {
    expect(() => checkRank(t, 3, 'members', 'entropyDecomposition')).toThrow(
      'entropyDecomposition: members must be of rank 3, got [4, 10]',
    );
    expect(() => checkRank(t, [1, 3], 'x', 'f')).toThrow('x must be of rank 1 or 3, got [4, 10]');
    expect(() => checkShape(t, [null, 3], 'logits', 'f')).toThrow(
      'f: logits must be of shape [*, 3], got [4, 10]',
    );
    expect(() => checkSameShape(t, { shape: [4, 9] }, 'loc', 'scale', 'mcSoftmax')).toThrow(
      'mcSoftmax: scale must be of the same shape as loc ([4, 10]), got [4, 9]',
    );
    expect(() => checkSameShape(t, { shape: [4, 10, 1] }, 'loc', 'scale', 'f')).toThrow(ShapeError);
    expect(() => checkRank(42 as never, 2, 'x', 'f')).toThrow('f: x must be a tensor, got 42');
  });
});

describe('array checks', () => {
  it('finds the first non-finite value', () => {
    expect(checkAllFinite([1, 2, 3], 'x', 'f')).toEqual([1, 2, 3]);
    expect(() =>
      checkAllFinite(new Float32Array([1, Number.NaN, 3]), 'scores', 'oodMetrics'),
    ).toThrow('oodMetrics: scores[1] must be finite, got NaN');
  });

  it('checks labels are integers in range', () => {
    expect(checkLabels(new Int32Array([0, 2, 1]), 3, 'labels', 'f')).toHaveLength(3);
    expect(() => checkLabels([0, 3], 3, 'labels', 'nll')).toThrow(
      'nll: labels[1] must be an integer class label in [0, 2], got 3',
    );
    expect(() => checkLabels([0.5], 3, 'labels', 'nll')).toThrow('labels[0]');
    expect(() => checkLabels([-1], 3, 'labels', 'nll')).toThrow('got -1');
    expect(() => checkLabels([0], 0, 'labels', 'nll')).toThrow(
      'numClasses must be an integer >= 1',
    );
  });

  it('checks probability rows', () => {
    expect(() => checkProbabilities([0.2, 0.8, 1, 0], 2, 'probs', 'ece')).not.toThrow();
    expect(() => checkProbabilities([0.2, 0.8, 0.6, 0.6], 2, 'probs', 'ece')).toThrow(
      'ece: probs[1] must be a row summing to 1 (tolerance 0.001), got 1.2',
    );
    expect(() => checkProbabilities([1.5, -0.5], 2, 'probs', 'ece')).toThrow(
      'ece: probs[0][0] must be a probability in [0, 1], got 1.5',
    );
    expect(() => checkProbabilities([Number.NaN, 1], 2, 'probs', 'ece')).toThrow('got NaN');
    expect(() => checkProbabilities([0.5, 0.5, 1], 2, 'probs', 'ece')).toThrow(
      'probs.length must be a multiple of numClasses (2), got 3',
    );
    expect(() => checkProbabilities([0.5, 0.5004], 2, 'probs', 'ece')).not.toThrow();
    expect(() => checkProbabilities([0.5, 0.5004], 2, 'probs', 'ece', 1e-4)).toThrow();
  });
});
