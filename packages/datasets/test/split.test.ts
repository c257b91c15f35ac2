import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { ImageDataset, split } from '../src/index.js';
import { largestRemainder } from '../src/split.js';

/** 103 one-pixel images whose pixel is the example's index; class sizes 50, 30, 23. */
function dataset(): ImageDataset {
  const labels = Int32Array.from({ length: 103 }, (_, i) => (i < 50 ? 0 : i < 80 ? 1 : 2));
  return new ImageDataset({
    images: Uint8Array.from({ length: 103 }, (_, i) => i),
    shape: [103, 1, 1, 1],
    labels,
    numClasses: 3,
  });
}

describe('split', () => {
  it('partitions the examples, keeping their order, with stratified class counts', () => {
    const d = dataset();
    const { train, validation } = split(d, { validation: 0.2, seed: 4 });
    // round(0.2 * 103) = 21 held out; quotas 10.19, 6.12, 4.66 -> floors 10, 6, 4, the
    // leftover one to class 2 (largest remainder).
    expect(validation.size).toBe(21);
    expect(Array.from(validation.classCounts())).toEqual([10, 6, 5]);
    expect(train.size).toBe(82);
    const ids = [...train.images, ...validation.images].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 103 }, (_, i) => i));
    for (const part of [train, validation]) {
      for (let i = 1; i < part.size; i++)
        expect(part.images[i]!).toBeGreaterThan(part.images[i - 1]!);
      part.images.forEach((id, i) => {
        expect(part.labels[i]).toBe(d.labels[id]);
      });
    }
  });

  it('takes counts as counts, and plain random splits when stratified is false', () => {
    const d = dataset();
    expect(split(d, { validation: 7 }).validation.size).toBe(7);
    expect(split(d, { validation: 1 }).validation.size).toBe(1);
    const plain = split(d, { validation: 30, stratified: false, seed: 2 });
    expect(plain.validation.size).toBe(30);
    expect(plain.train.size).toBe(73);
  });

  it('is seeded', () => {
    const d = dataset();
    const ids = (seed: number, stratified: boolean) =>
      Array.from(split(d, { validation: 0.3, seed, stratified }).validation.images);
    for (const stratified of [true, false]) {
      expect(ids(1, stratified)).toEqual(ids(1, stratified));
      expect(ids(1, stratified)).not.toEqual(ids(2, stratified));
    }
  });

  it.each([0, 1.5, 103, -3, Number.NaN, '0.1'])('rejects validation = %s', (validation) => {
    const call = () => split(dataset(), { validation: validation as number });
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow('split: validation must be a fraction in (0, 1) or a count in [1, 102]');
  });

  it('rejects a bad seed', () => {
    expect(() => split(dataset(), { validation: 0.5, seed: 0.5 })).toThrow(
      'split: seed must be an integer seed',
    );
  });
});

describe('largestRemainder', () => {
  it('gives shares within 1 of the exact quota that sum to the total', () => {
    const sizes = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    for (const total of [1, 999, 2000, 5000, 9999]) {
      const shares = largestRemainder(sizes, total);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      shares.forEach((s, k) => {
        expect(Math.abs(s - (sizes[k]! * total) / 10_000)).toBeLessThan(1);
      });
    }
  });
});
