import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
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
  checkPredictive,
  checkProbabilities,
  checkRank,
  checkSameShape,
  checkSeed,
  checkShape,
  deriveSeed,
  InvalidArgumentError,
  Rng,
  UqjsError,
} from '../src/index.js';

/** Values a caller may pass by mistake: null, undefined, strings, objects, NaN, huge numbers. */
const junk = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    1e300,
    '',
    '0.5',
    'abc',
    true,
    {},
    { shape: null },
    { shape: 'ab' },
    { shape: [2, 'x'] },
    { length: 3 },
    [null],
    ['0.5', '0.5'],
    [[0.5, 0.5]],
    () => 0,
    Symbol('s'),
    10n,
  ),
  // Any other value; numbers kept small so that a valid size (Rng.permutation(n)) stays quick.
  fc.anything().filter((v) => typeof v !== 'number' || Math.abs(v) < 1e4),
);

/** Runs `f`; true when it returned or threw a UqjsError. Anything else fails the property. */
function returnsOrThrowsUqjsError(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (error) {
    if (error instanceof UqjsError) return true;
    throw error;
  }
}

describe('every check answers any input with its value or a UqjsError', () => {
  const t = { shape: [2, 2] };
  const checks: [string, (x: unknown) => unknown][] = [
    ['checkFiniteNumber', (x) => checkFiniteNumber(x, 'x', 'f')],
    ['checkBoolean', (x) => checkBoolean(x, 'x', 'f')],
    ['checkPositive', (x) => checkPositive(x, 'x', 'f')],
    ['checkInteger', (x) => checkInteger(x, 'x', 'f')],
    ['checkPositiveInteger', (x) => checkPositiveInteger(x, 'x', 'f')],
    ['checkInRange', (x) => checkInRange(x, 'x', 'f', 0, 1)],
    ['checkOneOf', (x) => checkOneOf(x, ['a', 'b'], 'x', 'f')],
    ['checkRank', (x) => checkRank(x as never, 2, 'x', 'f')],
    ['checkShape', (x) => checkShape(x as never, [2, null], 'x', 'f')],
    ['checkSameShape a', (x) => checkSameShape(x as never, t, 'a', 'b', 'f')],
    ['checkSameShape b', (x) => checkSameShape(t, x as never, 'a', 'b', 'f')],
    ['checkAllFinite', (x) => checkAllFinite(x as never, 'x', 'f')],
    ['checkLabels', (x) => checkLabels(x as never, 2, 'x', 'f')],
    ['checkLabels numClasses', (x) => checkLabels([0], x as never, 'x', 'f')],
    ['checkProbabilities', (x) => checkProbabilities(x as never, 2, 'x', 'f')],
    ['checkProbabilities tolerance', (x) => checkProbabilities([1, 0], 2, 'x', 'f', x as never)],
    ['checkPredictive', (x) => checkPredictive(x as never, 'p', 'f')],
    ['checkPredictive probs', (x) => checkPredictive({ probs: x } as never, 'p', 'f')],
    ['checkSeed', (x) => checkSeed(x, 'seed', 'f')],
    ['deriveSeed label', (x) => deriveSeed(1, x as never)],
    ['new Rng', (x) => new Rng(x as never)],
    ['Rng.int', (x) => new Rng(1).int(x as never)],
    ['Rng.permutation', (x) => new Rng(1).permutation(x as never)],
    ['Rng.shuffle', (x) => new Rng(1).shuffle(x as never)],
  ];
  it.each(checks)('%s', (_name, check) => {
    fc.assert(fc.property(junk, (x) => returnsOrThrowsUqjsError(() => check(x))));
  });
});

describe('null and non-numeric arguments get clear errors', () => {
  it.each([
    [() => checkShape(null as never, [2], 'logits', 'f'), 'f: logits must be a tensor, got null'],
    [
      () => checkSameShape({ shape: [2] }, undefined as never, 'loc', 'scale', 'f'),
      'f: scale must be a tensor, got undefined',
    ],
    [
      () => checkAllFinite(null as never, 'scores', 'f'),
      'f: scores must be an array of numbers, got null',
    ],
    [
      () => checkLabels(undefined as never, 3, 'labels', 'nll'),
      'nll: labels must be an array of numbers, got undefined',
    ],
    [
      () => checkProbabilities(null as never, 2, 'probs', 'ece'),
      'ece: probs must be an array of numbers, got null',
    ],
    [
      () => checkProbabilities('0.50.5' as never, 2, 'probs', 'ece'),
      'ece: probs must be an array of numbers, got "0.50.5"',
    ],
    [() => checkPredictive(null as never, 'p', 'f'), 'f: p must be a Predictive'],
    [() => deriveSeed(1, null as never), 'deriveSeed: path[0] must be a number or a string'],
  ])('%#', (check, message) => {
    expect(check).toThrow(InvalidArgumentError);
    expect(check).toThrow(message);
  });

  it('strings never pass checkProbabilities (a string sum concatenates)', () => {
    // '0.5' + '0.5' compares as a number in [0, 1] but sums to the string "00.50.5".
    expect(() => checkProbabilities(['0.5', '0.5'] as never, 2, 'probs', 'ece')).toThrow(
      'ece: probs[0][0] must be a probability in [0, 1], got "0.5"',
    );
    expect(() => checkProbabilities(['1', 0] as never, 2, 'probs', 'ece')).toThrow('got "1"');
    // A string tensor's data (what dataSync gives for dtype 'string') is an array of strings.
    expect(() => checkAllFinite(['1', '2'] as never, 'x', 'f')).toThrow(
      'f: x[0] must be finite, got "1"',
    );
    expect(() => checkLabels(['0'] as never, 2, 'labels', 'f')).toThrow('got "0"');
    // Valid inputs keep working, typed arrays included.
    expect(checkProbabilities(new Float32Array([0.25, 0.75]), 2, 'probs', 'ece')).toHaveLength(2);
  });

  it('string tensors are refused by the shape checks; numeric tensors pass', () => {
    const s = tf.tensor1d(['a', 'b'], 'string');
    const x = tf.tensor1d([1, 2]);
    expect(() => checkRank(s, 1, 'labels', 'f')).toThrow(
      'f: labels.dtype must be a numeric dtype (float32, int32 or bool), got "string"',
    );
    expect(() => checkShape(s, [2], 'x', 'f')).toThrow(InvalidArgumentError);
    expect(() => checkSameShape(x, s, 'loc', 'scale', 'f')).toThrow('f: scale.dtype must be');
    expect(checkRank(x, 1, 'x', 'f')).toBe(x);
    const b = tf.tensor1d([1, 0], 'bool');
    expect(checkRank(b, 1, 'x', 'f')).toBe(b);
    tf.dispose([s, x, b]);
  });

  it('Rng.permutation refuses sizes it cannot allocate', () => {
    expect(() => new Rng(1).permutation(2 ** 40)).toThrow(
      'Rng.permutation: n must be an integer in [0, 2^31 - 1]',
    );
    expect(Array.from(new Rng(1).permutation(4)).sort()).toEqual([0, 1, 2, 3]);
  });
});
