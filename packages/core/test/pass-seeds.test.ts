import { describe, expect, it } from 'vitest';
import { PassSeeds } from '../src/index.js';

describe('PassSeeds', () => {
  it('keeps one seed per layer until it is cleared', () => {
    const seeds = new PassSeeds();
    const a = {};
    const b = {};
    expect(seeds.of(a)).toBeUndefined();
    seeds.set(a, 7);
    seeds.set(b, 0);
    expect(seeds.of(a)).toBe(7);
    expect(seeds.of(b)).toBe(0);
    seeds.set(a, 8);
    expect(seeds.of(a)).toBe(8);
    seeds.set(a, undefined);
    expect(seeds.of(a)).toBeUndefined();
    expect(seeds.of(b)).toBe(0);
  });

  it('is invisible to another store', () => {
    const layer = {};
    const mine = new PassSeeds();
    const theirs = new PassSeeds();
    mine.set(layer, 3);
    expect(theirs.of(layer)).toBeUndefined();
  });
});
