import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { entropyDecomposition } from '../src/index.js';
import { randomProbs } from './helpers.js';

const h = (p: number[]) => -p.reduce((a, q) => (q > 0 ? a + q * Math.log(q) : a), 0);

describe('entropyDecomposition', () => {
  it('splits disagreement (epistemic) from shared uncertainty (aleatoric)', () => {
    const members = [
      [
        [1, 0],
        [0.5, 0.5],
        [0.9, 0.1],
      ],
      [
        [0, 1],
        [0.5, 0.5],
        [0.9, 0.1],
      ],
    ];
    const { total, aleatoric, epistemic } = entropyDecomposition(members);
    // Example 0: confident members that disagree. Example 1: members agree on 50/50.
    // Example 2: identical members: no epistemic part.
    expect(Array.from(total)).toEqual([Math.log(2), Math.log(2), h([0.9, 0.1])]);
    expect(Array.from(aleatoric)).toEqual([0, Math.log(2), h([0.9, 0.1])]);
    expect(Array.from(epistemic)).toEqual([Math.log(2), 0, 0]);
  });

  it('matches the definition on random members; tensors [M, N, K] and binary [M, N] agree', () => {
    const m = 4;
    const members = Array.from({ length: m }, (_, i) => randomProbs(10 + i, 6, 3));
    const { total, aleatoric, epistemic } = entropyDecomposition(members);
    for (let n = 0; n < 6; n++) {
      const mean = [0, 1, 2].map((k) => members.reduce((a, p) => a + p[n]![k]!, 0) / m);
      const expectedTotal = h(mean);
      const expectedAleatoric = members.reduce((a, p) => a + h(p[n]!), 0) / m;
      expect(total[n]).toBeCloseTo(expectedTotal, 13);
      expect(aleatoric[n]).toBeCloseTo(expectedAleatoric, 13);
      expect(epistemic[n]).toBeCloseTo(expectedTotal - expectedAleatoric, 13);
      expect(epistemic[n]).toBeGreaterThanOrEqual(0);
    }
    const t = tf.tensor3d(members);
    const fromTensor = entropyDecomposition(t);
    t.dispose();
    // float32 rounding of the probabilities: ~1e-7 relative.
    for (let n = 0; n < 6; n++) expect(fromTensor.total[n]).toBeCloseTo(total[n]!, 6);

    const binary = [
      [0.9, 0.2],
      [0.6, 0.4],
    ];
    const asRows = binary.map((member) => member.map((p) => [1 - p, p]));
    const tb = tf.tensor2d(binary);
    expect(entropyDecomposition(binary)).toEqual(entropyDecomposition(asRows));
    expect(entropyDecomposition(tb).total[0]).toBeCloseTo(
      entropyDecomposition(asRows).total[0]!,
      6,
    );
    tb.dispose();
  });

  it('rejects members of different shapes, empty lists and wrong ranks', () => {
    expect(() =>
      entropyDecomposition([
        [[0.5, 0.5]],
        [
          [0.5, 0.5],
          [1, 0],
        ],
      ]),
    ).toThrow(ShapeError);
    expect(() =>
      entropyDecomposition([
        [[0.5, 0.5]],
        [
          [0.5, 0.5],
          [1, 0],
        ],
      ]),
    ).toThrow(
      'entropyDecomposition: members[1] must be of shape [1, 2] (like members[0]), got [2, 2]',
    );
    expect(() => entropyDecomposition([])).toThrow(
      'entropyDecomposition: members must be a non-empty array',
    );
    expect(() => entropyDecomposition([[[0.5, 0.6]]])).toThrow(
      'entropyDecomposition: members[0][0] must be a row summing to 1',
    );
    const t = tf.zeros([2]);
    expect(() => entropyDecomposition(t)).toThrow(
      'entropyDecomposition: members must be of rank 3 ([M, N, K]) or 2 ([M, N] binary), got [2]',
    );
    t.dispose();
  });
});
