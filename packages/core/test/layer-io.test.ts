import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  checkCount,
  InvalidArgumentError,
  layerArgsObject,
  layerSeed,
  singleInput,
  singleShape,
} from '../src/index.js';

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

describe('layerArgsObject', () => {
  it('returns the very object it is given, for super', () => {
    const args = { units: 3 };
    expect(layerArgsObject(args, 'L', 'an object { units }')).toBe(args);
    const empty = {};
    expect(layerArgsObject(empty, 'L', 'an object { units }')).toBe(empty);
  });

  it('names the layer, args and what was expected for every non-object', () => {
    for (const bad of [null, undefined, 3, 'units', true]) {
      expect(() => layerArgsObject(bad, 'MimoHead', 'an object { members, units, ... }')).toThrow(
        new InvalidArgumentError({
          fn: 'MimoHead',
          argument: 'args',
          expected: 'an object { members, units, ... }',
          given: bad,
        }).message,
      );
    }
    expect(() => layerArgsObject(null, 'MimoHead', 'an object { units }')).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('checkCount', () => {
  it('returns integers in [1, max], both ends included', () => {
    expect(checkCount(1, 'members', 'L', 5)).toBe(1);
    expect(checkCount(3, 'members', 'L', 5)).toBe(3);
    expect(checkCount(5, 'members', 'L', 5)).toBe(5);
  });

  it("gives checkPositiveInteger's message below 1 or off the integers", () => {
    for (const bad of [0, -2, 1.5, Number.NaN, '3', undefined]) {
      expect(() => checkCount(bad, 'members', 'MimoHead', 5)).toThrow(
        new InvalidArgumentError({
          fn: 'MimoHead',
          argument: 'members',
          expected: 'an integer >= 1',
          given: bad,
        }).message,
      );
    }
  });

  it("gives checkInRange's message above max", () => {
    expect(() => checkCount(6, 'units', 'MimoHead', 5)).toThrow(
      new InvalidArgumentError({
        fn: 'MimoHead',
        argument: 'units',
        expected: 'a number in [1, 5]',
        given: 6,
      }).message,
    );
    expect(() => checkCount(Number.POSITIVE_INFINITY, 'units', 'L', 5)).toThrow(
      'L: units must be an integer >= 1',
    );
  });
});

describe('layerSeed', () => {
  it('gives undefined for no seed (undefined, or null from a saved config) and the seed otherwise', () => {
    expect(layerSeed(undefined, 'L')).toBeUndefined();
    expect(layerSeed(null, 'L')).toBeUndefined();
    expect(layerSeed(0, 'L')).toBe(0);
    expect(layerSeed(2 ** 32 - 1, 'L')).toBe(2 ** 32 - 1);
  });

  it("gives checkSeed's error, naming the layer and seed", () => {
    for (const bad of [-1, 1.5, 2 ** 32, '7', Number.NaN]) {
      expect(() => layerSeed(bad, 'MimoHead')).toThrow(
        new InvalidArgumentError({
          fn: 'MimoHead',
          argument: 'seed',
          expected: 'an integer seed in [0, 2^32)',
          given: bad,
        }).message,
      );
    }
  });
});
