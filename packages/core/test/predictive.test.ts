import type { Tensor } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkPredictive, describeValue, disposePredictive, ShapeError } from '../src/index.js';

interface FakeTensor {
  shape: number[];
  disposed: boolean;
  dispose(): void;
}

function fakeTensor(shape: number[]): Tensor & FakeTensor {
  const t: FakeTensor = {
    shape,
    disposed: false,
    dispose() {
      t.disposed = true;
    },
  };
  return t as unknown as Tensor & FakeTensor;
}

describe('checkPredictive', () => {
  it('accepts consistent shapes', () => {
    const p = {
      probs: fakeTensor([4, 3]),
      members: fakeTensor([5, 4, 3]),
      variance: fakeTensor([4, 3]),
    };
    expect(checkPredictive(p, 'predictive', 'score')).toBe(p);
  });

  it('rejects inconsistent shapes, naming the field', () => {
    expect(() =>
      checkPredictive({ probs: fakeTensor([4, 3]), members: fakeTensor([5, 4, 2]) }, 'p', 'score'),
    ).toThrow('score: p.members must be of shape [M, 4, 3], got [5, 4, 2]');
    expect(() =>
      checkPredictive({ probs: fakeTensor([4, 3]), variance: fakeTensor([4]) }, 'p', 'score'),
    ).toThrow(ShapeError);
    expect(() => checkPredictive({ probs: fakeTensor([4]) }, 'p', 'score')).toThrow(
      'p.probs must be of rank 2',
    );
  });

  it('disposes every tensor it holds', () => {
    const p = { probs: fakeTensor([1, 2]), members: fakeTensor([3, 1, 2]) };
    disposePredictive(p);
    expect(p.probs.disposed && p.members.disposed).toBe(true);
  });
});

describe('describeValue', () => {
  it('formats values for messages', () => {
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue([1, 2])).toBe('[1, 2]');
    expect(describeValue(new Array(10).fill(0))).toBe('[0, 0, 0, 0, 0, 0, 0, 0, ... (10 items)]');
    expect(describeValue({ shape: [2, 3] })).toBe('tensor of shape [2, 3]');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue({})).toBe('[object Object]');
  });
});
