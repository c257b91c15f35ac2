import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, singleInput, singleShape } from '../src/index.js';

describe('singleInput / singleShape', () => {
  it('unwraps one item or a list of one', () => {
    const x = tf.zeros([2, 3]);
    expect(singleInput(x, 'L')).toBe(x);
    expect(singleInput([x], 'L')).toBe(x);
    expect(singleShape([null, 3], 'L')).toEqual([null, 3]);
    expect(singleShape([[null, 3]], 'L')).toEqual([null, 3]);
    expect(singleShape([], 'L')).toEqual([]);
    x.dispose();
  });

  it('rejects several inputs, naming the layer', () => {
    const x = tf.zeros([1]);
    expect(() => singleInput([x, x], 'MCDropout')).toThrow(
      new InvalidArgumentError({
        fn: 'MCDropout',
        argument: 'inputs',
        expected: 'exactly one tensor',
        given: '2 tensors',
      }).message,
    );
    expect(() => singleShape([[1], [2]], 'MCDropout')).toThrow(
      'MCDropout: inputShape must be the shape of exactly one input, got "2 shapes"',
    );
    x.dispose();
  });
});
