import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSeed, deriveSeed, InvalidArgumentError, Rng, seedStream } from '../src/index.js';

describe('deriveSeed', () => {
  it('is a pure function of the seed and path', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.array(fc.oneof(fc.nat(), fc.string())),
        (seed, path) => {
          expect(deriveSeed(seed, ...path)).toBe(deriveSeed(seed, ...path));
          const derived = deriveSeed(seed, ...path);
          expect(Number.isInteger(derived) && derived >= 0 && derived < 2 ** 32).toBe(true);
        },
      ),
    );
  });

  it('gives distinct seeds for distinct indices, labels and parents', () => {
    const seen = new Set<number>();
    for (let parent = 0; parent < 20; parent++) {
      for (let i = 0; i < 500; i++) seen.add(deriveSeed(parent, i));
      seen.add(deriveSeed(parent, 'members'));
      seen.add(deriveSeed(parent, 'shuffle'));
    }
    // 20 * 502 = 10,040 seeds; a collision among 32-bit hashes has probability ~1e-2.
    expect(seen.size).toBeGreaterThanOrEqual(10_039);
    expect(deriveSeed(1, 'a', 'b')).not.toBe(deriveSeed(1, 'b', 'a'));
    expect(deriveSeed(1, 2 ** 32 + 5)).not.toBe(deriveSeed(1, 5));
  });

  it('rejects bad seeds and path entries', () => {
    expect(() => deriveSeed(-1)).toThrow(
      'deriveSeed: seed must be an integer seed in [0, 2^32), got -1',
    );
    expect(() => deriveSeed(1.5)).toThrow(InvalidArgumentError);
    expect(() => deriveSeed(1, 0.5)).toThrow('path index');
    expect(() => checkSeed(2 ** 32, 'opts.seed', 'mcSoftmax')).toThrow('mcSoftmax: opts.seed');
  });
});

describe('seedStream', () => {
  it('yields the same sub-seeds for the same seed, and next() matches deriveSeed', () => {
    const a = seedStream(123);
    const b = seedStream(123);
    const fromA = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(fromA);
    expect(fromA).toEqual([deriveSeed(123, 0), deriveSeed(123, 1), deriveSeed(123, 2)]);
    expect(new Set(fromA).size).toBe(3);
  });

  it('gives child streams that do not depend on how far the parent advanced', () => {
    const a = seedStream(9);
    const b = seedStream(9);
    b.next();
    b.next();
    expect(a.child('members', 2).next()).toBe(b.child('members', 2).next());
    expect(a.child('members', 2).seed).not.toBe(a.child('members', 3).seed);
  });
});

describe('Rng', () => {
  it('reproduces the same sequence for the same seed and differs across seeds', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const c = new Rng(6);
    const seqA = Array.from({ length: 100 }, () => a.uniform());
    expect(Array.from({ length: 100 }, () => b.uniform())).toEqual(seqA);
    expect(Array.from({ length: 100 }, () => c.uniform())).not.toEqual(seqA);
  });

  it('draws uniforms with the right mean and variance', () => {
    const rng = new Rng(1);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    expect(outside).toBe(0);
    const mean = sum / n;
    // Standard error of the mean: sqrt(1/12 / n) ~ 6.5e-4; allow 5 standard errors.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(2e-3);
  });

  it('draws standard normals with the right moments', () => {
    const rng = new Rng(2);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let sumFourth = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      sumFourth += z ** 4;
    }
    // SE of mean 1/sqrt(n) ~ 2.2e-3; SE of E[z^2] sqrt(2/n) ~ 3.2e-3; SE of E[z^4] sqrt(96/n) ~ 0.022.
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(sumFourth / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('draws unbiased integers and permutations', () => {
    const rng = new Rng(3);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[rng.int(7)]++;
    // Each count ~ Binomial(n, 1/7): sd ~ 92; allow 5 sd.
    for (const c of counts) expect(Math.abs(c - n / 7)).toBeLessThan(5 * Math.sqrt((n * 6) / 49));
    const perm = rng.permutation(50);
    expect(Array.from(perm).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => rng.int(0)).toThrow('Rng.int: n must be an integer >= 1, got 0');
  });
});
