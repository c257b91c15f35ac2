import { InvalidArgumentError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { ImageDataset, makeMoons, normalize, standardize } from '../src/index.js';

/** Mean and population standard deviation of channel `ch` of `[N, H, W, C]` values. */
function channelMoments(values: ArrayLike<number>, channels: number, ch: number, unit = 1) {
  const picked: number[] = [];
  for (let i = ch; i < values.length; i += channels) picked.push(values[i]! * unit);
  const mean = picked.reduce((a, b) => a + b, 0) / picked.length;
  const variance = picked.reduce((a, b) => a + (b - mean) ** 2, 0) / picked.length;
  return { mean, std: Math.sqrt(variance), min: Math.min(...picked), max: Math.max(...picked) };
}

const images = new ImageDataset({
  // 4 images of 2x2x3; channel 2 is constant (std 0), the others vary.
  images: Uint8Array.from({ length: 48 }, (_, i) => (i % 3 === 2 ? 77 : (i * 37) % 256)),
  shape: [4, 2, 2, 3],
  labels: Int32Array.from([0, 1, 0, 1]),
  numClasses: 2,
});

describe('standardize', () => {
  it('fits per-channel moments in [0, 1] pixel units and maps them to mean 0, std 1', () => {
    const { data, stats } = standardize(images);
    for (let ch = 0; ch < 3; ch++) {
      const raw = channelMoments(images.images, 3, ch, 1 / 255);
      expect(stats.mean[ch]).toBeCloseTo(raw.mean, 12);
      expect(stats.std[ch]).toBeCloseTo(raw.std, 12);
      const scaled = channelMoments(data.images, 3, ch);
      expect(scaled.mean).toBeCloseTo(0, 6);
      expect(scaled.std).toBeCloseTo(ch === 2 ? 0 : 1, 6); // the constant channel is only centred
    }
    expect(data).toBeInstanceOf(ImageDataset);
    expect(data.images).toBeInstanceOf(Float32Array);
    expect(data.labels).toBe(images.labels);
  });

  it('applies given stats to another set', () => {
    const { stats } = standardize(images);
    const other = images.subset([0]);
    const { data } = standardize(other, stats);
    for (let i = 0; i < 12; i++) {
      const ch = i % 3;
      const want = (other.images[i]! / 255 - stats.mean[ch]!) / (stats.std[ch]! || 1);
      expect(data.images[i]).toBeCloseTo(want, 5);
    }
  });

  it('standardizes the columns of a toy set', () => {
    const moons = makeMoons({ n: 200, seed: 1 });
    const { data } = standardize(moons);
    for (let col = 0; col < 2; col++) {
      const m = channelMoments(data.x, 2, col);
      expect(m.mean).toBeCloseTo(0, 5);
      expect(m.std).toBeCloseTo(1, 5);
    }
    expect(data.y).toBe(moons.y);
    expect(data.shape).toEqual([200, 2]);
  });

  it('rejects stats of the wrong size or sign', () => {
    const mean = new Float64Array(2);
    expect(() => standardize(images, { mean, std: new Float64Array(2) })).toThrow(
      'standardize: stats.mean must be a Float64Array of 3 values (one per feature)',
    );
    expect(() =>
      standardize(images, { mean: new Float64Array(3), std: Float64Array.from([1, -1, 1]) }),
    ).toThrow('standardize: stats.std[1] must be a number >= 0, got -1');
    expect(() => standardize({ x: [1, 2] } as never)).toThrow(InvalidArgumentError);
  });
});

describe('normalize', () => {
  it('maps each feature onto [0, 1] with its min and max', () => {
    const { data, range } = normalize(images);
    for (let ch = 0; ch < 3; ch++) {
      const raw = channelMoments(images.images, 3, ch, 1 / 255);
      expect(range.min[ch]).toBeCloseTo(raw.min, 12);
      expect(range.max[ch]).toBeCloseTo(raw.max, 12);
      const scaled = channelMoments(data.images, 3, ch);
      expect(scaled.min).toBeCloseTo(0, 6);
      expect(scaled.max).toBeCloseTo(ch === 2 ? 0 : 1, 6);
    }
    const moons = normalize(makeMoons({ n: 50, seed: 2 })).data;
    expect(Math.min(...moons.x)).toBeCloseTo(0, 6);
    expect(Math.max(...moons.x)).toBeCloseTo(1, 6);
    expect(() => normalize(images, { min: new Float64Array(3), max: new Float64Array(1) })).toThrow(
      'normalize: range.max must be a Float64Array of 3 values',
    );
  });
});
