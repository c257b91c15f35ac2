import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Grid } from '../src/config.js';
import { cellKey, enumerateCells, shardCells } from '../src/grid.js';

const quick: Grid = {
  methods: ['homoscedastic', 'heteroscedastic', 'tempered-softmax'],
  temperatures: [1, 10],
  trainSamples: [100],
  seeds: [0, 1],
};

describe('enumerateCells', () => {
  it('crosses each method with the axes it uses, seed-major', () => {
    expect(enumerateCells(quick).map(cellKey)).toEqual([
      'homoscedastic/seed=0',
      'heteroscedastic/tau=1/S=100/seed=0',
      'heteroscedastic/tau=10/S=100/seed=0',
      'tempered-softmax/tau=10/seed=0',
      'homoscedastic/seed=1',
      'heteroscedastic/tau=1/S=100/seed=1',
      'heteroscedastic/tau=10/S=100/seed=1',
      'tempered-softmax/tau=10/seed=1',
    ]);
  });

  it('trains tempered-softmax at tau = 1 only when the homoscedastic arm is absent', () => {
    const keys = enumerateCells({ ...quick, methods: ['tempered-softmax'], seeds: [0] }).map(
      cellKey,
    );
    expect(keys).toEqual(['tempered-softmax/tau=1/seed=0', 'tempered-softmax/tau=10/seed=0']);
  });

  it('counts the paper grid', () => {
    const paper: Grid = {
      methods: [
        'homoscedastic',
        'heteroscedastic',
        'tempered-softmax',
        'sngp',
        'mc-dropout',
        'ensemble',
      ],
      temperatures: [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100],
      trainSamples: [1, 10, 100, 1000],
      seeds: [0, 1, 2],
    };
    // Per seed: 4 single cells + 9 x 4 heteroscedastic + 8 tempered (tau = 1 is the homoscedastic run).
    expect(enumerateCells(paper)).toHaveLength(3 * (4 + 36 + 8));
  });
});

describe('shardCells', () => {
  it('the shards partition the grid, deterministically', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 6 }),
        (count, seeds) => {
          const cells = enumerateCells({
            ...quick,
            seeds: Array.from({ length: seeds }, (_, i) => i),
          });
          const shards = Array.from({ length: count }, (_, i) =>
            shardCells(cells, { index: i + 1, count }).map(cellKey),
          );
          const all = shards.flat();
          expect(new Set(all).size).toBe(all.length); // disjoint
          expect(all.sort()).toEqual(cells.map(cellKey).sort()); // covering
          // Round-robin: shard sizes differ by at most one.
          const sizes = shards.map((s) => s.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          expect(shardCells(cells, { index: 1, count }).map(cellKey)).toEqual(shards[0]);
        },
      ),
    );
  });

  it('no shard is the whole grid', () => {
    const cells = enumerateCells(quick);
    expect(shardCells(cells, null)).toEqual(cells);
  });
});
