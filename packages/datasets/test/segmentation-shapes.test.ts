import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  checkSegmentationSet,
  makeSegmentationShapes,
  SEGMENTATION_IGNORE_LABEL,
  type SegmentationSet,
} from '../src/index.js';

const IGNORE = SEGMENTATION_IGNORE_LABEL;

/** Checks `fn` throws an `InvalidArgumentError` whose `argument` is `argument`. */
function expectArgumentError(fn: () => unknown, argument: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as InvalidArgumentError).argument).toBe(argument);
  expect((caught as Error).message).toContain(argument);
}

/**
 * Independent of the generator: per pixel of image `n`, the Euclidean distance in pixels to
 * the nearest pixel of another clean class (255 pixels not counted), or Infinity when there
 * is none within `reach`.
 */
function edgeDistances(clean: Uint8Array, n: number, size: number, reach: number): Float64Array {
  const out = new Float64Array(size * size).fill(Number.POSITIVE_INFINITY);
  const base = n * size * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const label = clean[base + y * size + x]!;
      for (let dy = -reach; dy <= reach; dy++) {
        for (let dx = -reach; dx <= reach; dx++) {
          const qx = x + dx;
          const qy = y + dy;
          if (qx < 0 || qy < 0 || qx >= size || qy >= size) continue;
          const other = clean[base + qy * size + qx]!;
          if (other === label || other === IGNORE) continue;
          const d = Math.hypot(dx, dy);
          if (d <= reach && d < out[y * size + x]!) out[y * size + x] = d;
        }
      }
    }
  }
  return out;
}

/**
 * Estimated from the pixels alone: per pixel of image `n` on an object, the contrast of its
 * object, the mean absolute RGB difference between the mean colour of its 4-connected region of
 * one clean class and the mean colour of the background, both over pixels at least 2 pixels
 * from another class (off the anti-aliased edges); NaN elsewhere.
 */
function regionContrast(
  set: SegmentationSet & { cleanMasks: Uint8Array },
  n: number,
): Float64Array {
  const size = set.shape[1];
  const pixels = size * size;
  const clean = set.cleanMasks;
  const base = n * pixels;
  const dist = edgeDistances(clean, n, size, 2);
  const colourSum = (indices: number[]) => {
    const sum = [0, 0, 0];
    let count = 0;
    for (const p of indices) {
      if (dist[p]! < 2) continue;
      count++;
      for (let c = 0; c < 3; c++) sum[c]! += set.images[(base + p) * 3 + c]!;
    }
    return count === 0 ? null : sum.map((s) => s / count);
  };
  const bgPixels: number[] = [];
  for (let p = 0; p < pixels; p++) if (clean[base + p] === 0) bgPixels.push(p);
  const bg = colourSum(bgPixels);
  const out = new Float64Array(pixels).fill(Number.NaN);
  const seen = new Uint8Array(pixels);
  for (let start = 0; start < pixels; start++) {
    const label = clean[base + start]!;
    if (seen[start] || label === 0 || label === IGNORE) continue;
    const region: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const p = stack.pop()!;
      region.push(p);
      const x = p % size;
      const y = (p - x) / size;
      for (const [qx, qy] of [
        [x + 1, y],
        [x - 1, y],
        [x, y + 1],
        [x, y - 1],
      ] as const) {
        const q = qy * size + qx;
        if (qx < 0 || qy < 0 || qx >= size || qy >= size || seen[q]) continue;
        if (clean[base + q] !== label) continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
    const mean = colourSum(region);
    if (mean === null || bg === null) continue;
    const contrast =
      (Math.abs(mean[0]! - bg[0]!) + Math.abs(mean[1]! - bg[1]!) + Math.abs(mean[2]! - bg[2]!)) / 3;
    for (const p of region) out[p] = contrast;
  }
  return out;
}

describe('makeSegmentationShapes', () => {
  it('returns a consistent set: shapes, [0, 1] pixels, 4 classes, no OOD unless asked', () => {
    const set = makeSegmentationShapes({ numImages: 6, size: 20, seed: 3 });
    expect(set.shape).toEqual([6, 20, 20, 3]);
    expect(set.images).toBeInstanceOf(Float32Array);
    expect(set.images.length).toBe(6 * 20 * 20 * 3);
    expect(set.masks.length).toBe(6 * 20 * 20);
    expect(set.cleanMasks.length).toBe(6 * 20 * 20);
    expect(set.disagreement.length).toBe(6 * 20 * 20);
    expect(set.annotations.length).toBe(6 * 20 * 20);
    expect(set.numClasses).toBe(4);
    expect(set.classNames).toEqual(['background', 'disc', 'square', 'triangle']);
    expect(set.oodMask).toBeNull();
    expect(checkSegmentationSet(set, 'set', 'test')).toBe(set);
    expect(checkSegmentationSet({ ...set, masks: set.cleanMasks }, 'set', 'test')).toBeTruthy();
    // Without OOD no pixel is ignored, and every class appears somewhere.
    expect(set.masks.includes(IGNORE)).toBe(false);
    expect(set.cleanMasks.includes(IGNORE)).toBe(false);
    for (let k = 0; k < 4; k++) expect(set.cleanMasks.includes(k)).toBe(true);
    expect(Math.min(...set.disagreement)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...set.disagreement)).toBeLessThanOrEqual(0.45);
    // The default size is 32.
    expect(makeSegmentationShapes({ numImages: 1, seed: 0 }).shape).toEqual([1, 32, 32, 3]);
  });

  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const opts = { numImages: 5, size: 16, seed: 11, ood: true, numAnnotators: 3 };
    const a = makeSegmentationShapes(opts);
    const b = makeSegmentationShapes(opts);
    const c = makeSegmentationShapes({ ...opts, seed: 12 });
    const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    for (const key of [
      'images',
      'masks',
      'oodMask',
      'cleanMasks',
      'disagreement',
      'annotations',
    ] as const) {
      expect(bytes(b[key]!).equals(bytes(a[key]!))).toBe(true);
      expect(bytes(c[key]!).equals(bytes(a[key]!))).toBe(false);
    }
    expect(b.annotatorOf).toEqual(a.annotatorOf);
    // Image n depends on the seed and n only: 3 images are the first 3 of 5.
    const three = makeSegmentationShapes({ ...opts, numImages: 3 });
    expect(three.images).toEqual(a.images.subarray(0, 3 * 16 * 16 * 3));
    expect(three.cleanMasks).toEqual(a.cleanMasks.subarray(0, 3 * 16 * 16));
    expect(three.disagreement).toEqual(a.disagreement.subarray(0, 3 * 16 * 16));
  });

  it('adds one OOD cross per image only when asked: oodMask 1, label 255, rest unchanged far from it', () => {
    const size = 32;
    const opts = { numImages: 40, size, seed: 5 };
    const plain = makeSegmentationShapes(opts);
    const withOod = makeSegmentationShapes({ ...opts, ood: true });
    const oodMask = withOod.oodMask!;
    expect(oodMask).toBeInstanceOf(Uint8Array);
    expect(checkSegmentationSet(withOod, 'withOod', 'test')).toBe(withOod);
    const pixels = size * size;
    let compared = 0;
    let changed = 0;
    let mismatches = 0;
    for (let n = 0; n < 40; n++) {
      let oodPixels = 0;
      for (let p = 0; p < pixels; p++) {
        const i = n * pixels + p;
        const isOod = oodMask[i] === 1;
        oodPixels += oodMask[i]!;
        if ((withOod.masks[i] === IGNORE) !== isOod) mismatches++;
        if ((withOod.cleanMasks[i] === IGNORE) !== isOod) mismatches++;
        if (isOod && withOod.disagreement[i] !== 0) mismatches++;
      }
      expect(oodPixels).toBeGreaterThan(0);
      // Away from the cross (no OOD pixel within 5, past the anti-aliased edge and the
      // 4-pixel reach of the label noise) the pixels, labels and noise are those without OOD.
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let near = false;
          for (let dy = -5; dy <= 5 && !near; dy++) {
            for (let dx = -5; dx <= 5 && !near; dx++) {
              const qx = x + dx;
              const qy = y + dy;
              if (
                qx >= 0 &&
                qy >= 0 &&
                qx < size &&
                qy < size &&
                oodMask[n * pixels + qy * size + qx]
              )
                near = true;
            }
          }
          if (near) continue;
          const i = n * pixels + y * size + x;
          compared++;
          if (withOod.masks[i] !== plain.masks[i]) changed++;
          if (withOod.disagreement[i] !== plain.disagreement[i]) changed++;
          for (let c = 0; c < 3; c++) {
            if (withOod.images[i * 3 + c] !== plain.images[i * 3 + c]) changed++;
          }
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(changed).toBe(0);
    expect(compared).toBeGreaterThan(0.2 * 40 * pixels);
  });

  it('shows the cross in every image and an object in nearly all, down to 8 x 8', () => {
    for (const size of [8, 12, 16]) {
      const set = makeSegmentationShapes({ numImages: 200, size, seed: 2, ood: true });
      const pixels = size * size;
      let withoutObject = 0;
      let withoutCross = 0;
      for (let n = 0; n < 200; n++) {
        const clean = set.cleanMasks.subarray(n * pixels, (n + 1) * pixels);
        if (!clean.some((label) => label >= 1 && label <= 3)) withoutObject++;
        if (!set.oodMask!.subarray(n * pixels, (n + 1) * pixels).includes(1)) withoutCross++;
      }
      expect(withoutCross).toBe(0);
      // The cross is painted on top and may cover a small object whole: rare (none of these
      // 600 images), so 2 of 200 is the limit.
      expect(withoutObject).toBeLessThanOrEqual(2);
    }
  });

  it("keeps masks[n] as one annotator's labels; each annotator flips a pixel with probability disagreement", () => {
    const size = 32;
    const numAnnotators = 4;
    const set = makeSegmentationShapes({ numImages: 60, size, seed: 8, numAnnotators });
    const total = 60 * size * size;
    expect(set.annotations.length).toBe(numAnnotators * total);
    for (let n = 0; n < 60; n++) {
      const a = set.annotatorOf[n]!;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThan(numAnnotators);
      const start = n * size * size;
      expect(set.masks.subarray(start, start + size * size)).toEqual(
        set.annotations.subarray(a * total + start, a * total + start + size * size),
      );
    }
    // Over all annotators and pixels, the share of flipped labels is the mean flip
    // probability. The flips of one annotator are correlated over a field cell (4 x 4 pixels),
    // so count about 1 independent draw per 16 pixels: 4 * 61,440 / 16 = 15,360 draws of rate
    // near 0.06 give a standard error near sqrt(0.06 * 0.94 / 15,360) = 0.002; 0.01 is 5 of them.
    let flips = 0;
    let expected = 0;
    for (let a = 0; a < numAnnotators; a++) {
      for (let i = 0; i < total; i++) {
        if (set.annotations[a * total + i] !== set.cleanMasks[i]) flips++;
        expected += set.disagreement[i]!;
      }
    }
    expect(flips / (numAnnotators * total)).toBeCloseTo(expected / (numAnnotators * total), 1);
    expect(Math.abs(flips - expected) / (numAnnotators * total)).toBeLessThan(0.01);
    // A pixel with disagreement 0 is never flipped.
    let zeroFlipped = 0;
    for (let a = 0; a < numAnnotators; a++) {
      for (let i = 0; i < total; i++) {
        const flipped = set.annotations[a * total + i] !== set.cleanMasks[i];
        if (set.disagreement[i] === 0 && flipped) zeroFlipped++;
      }
    }
    expect(zeroFlipped).toBe(0);
  });

  it('flips labels more often at boundaries and on low-contrast objects than in high-contrast interiors', () => {
    const size = 48;
    const numImages = 150;
    const set = makeSegmentationShapes({ numImages, size, seed: 21, numAnnotators: 2 });
    const pixels = size * size;
    const total = numImages * pixels;
    // Rates measured on both annotators' labels, with distances and contrasts computed here
    // from cleanMasks and the pixels (not from the generator's internals).
    const bins = {
      boundary: { flips: 0, count: 0, expected: 0 }, // next to another class (distance 1)
      highInterior: { flips: 0, count: 0, expected: 0 }, // > 4 pixels from any other class, contrast > 0.25
      lowInterior: { flips: 0, count: 0, expected: 0 }, // >= 3 pixels from another class, contrast < 0.06
    };
    for (let n = 0; n < numImages; n++) {
      const dist = edgeDistances(set.cleanMasks, n, size, 4);
      const contrast = regionContrast(set, n);
      for (let p = 0; p < pixels; p++) {
        const i = n * pixels + p;
        const bin =
          dist[p] === 1
            ? bins.boundary
            : contrast[p]! > 0.25 && dist[p] === Number.POSITIVE_INFINITY
              ? bins.highInterior
              : contrast[p]! < 0.06 && dist[p]! >= 3
                ? bins.lowInterior
                : null;
        if (bin === null) continue;
        for (let a = 0; a < 2; a++) {
          bin.count++;
          bin.expected += set.disagreement[i]!;
          if (set.annotations[a * total + i] !== set.cleanMasks[i]) bin.flips++;
        }
      }
    }
    const rate = (b: { flips: number; count: number }) => b.flips / b.count;
    // Enough pixels in each bin for the rates to be meaningful: at 1 independent draw per
    // 16 pixels (see above), 1,600 counted labels are 100 draws.
    for (const b of Object.values(bins)) expect(b.count).toBeGreaterThan(1600);
    // The model: 0.01 in a high-contrast interior; at least 0.16 next to another class (edge
    // term >= 0.15); about 0.01 + 0.3 * (1 - c / 0.2) >= 0.2 in a faint object's interior (less
    // by at most the edge term's third at distance 3). Thresholds sit far from both sides: a
    // rate of 0.05 is 4 standard errors (sqrt(0.01 * 0.99 / 100) = 0.01) above 0.01.
    expect(rate(bins.highInterior)).toBeLessThan(0.05);
    expect(rate(bins.boundary)).toBeGreaterThan(0.1);
    expect(rate(bins.lowInterior)).toBeGreaterThan(0.1);
    expect(rate(bins.boundary)).toBeGreaterThan(4 * rate(bins.highInterior));
    expect(rate(bins.lowInterior)).toBeGreaterThan(4 * rate(bins.highInterior));
    // And each bin's rate is its mean flip probability: 0.03 is about 4 standard errors of the
    // boundary bin (47,000 labels, correlated along the outline over about 4 pixels:
    // sqrt(0.24 * 0.76 / 3,000) = 0.008 even at 16 pixels per draw) and more for the others.
    for (const b of Object.values(bins)) {
      expect(Math.abs(rate(b) - b.expected / b.count)).toBeLessThan(0.03);
    }
  });

  it('rejects bad options, naming the option', () => {
    const make = (opts: unknown) => () => makeSegmentationShapes(opts as never);
    expectArgumentError(make(undefined), 'opts');
    expectArgumentError(make(null), 'opts');
    expectArgumentError(make({ seed: 0 }), 'numImages');
    expectArgumentError(make({ numImages: 0, seed: 0 }), 'numImages');
    expectArgumentError(make({ numImages: 2.5, seed: 0 }), 'numImages');
    expectArgumentError(make({ numImages: 1e9, seed: 0 }), 'numImages');
    expectArgumentError(make({ numImages: 1 }), 'seed');
    expectArgumentError(make({ numImages: 1, seed: -1 }), 'seed');
    expectArgumentError(make({ numImages: 1, seed: 0, size: 7 }), 'size');
    expectArgumentError(make({ numImages: 1, seed: 0, size: 8.5 }), 'size');
    expectArgumentError(make({ numImages: 1, seed: 0, size: 2048 }), 'size');
    expectArgumentError(make({ numImages: 1, seed: 0, ood: 'yes' }), 'ood');
    expectArgumentError(make({ numImages: 1, seed: 0, numAnnotators: 0 }), 'numAnnotators');
    expectArgumentError(make({ numImages: 1, seed: 0, numAnnotators: 65 }), 'numAnnotators');
    expect(makeSegmentationShapes({ numImages: 1, seed: 0, size: 8 }).shape).toEqual([1, 8, 8, 3]);
  });
});

describe('checkSegmentationSet', () => {
  const good = makeSegmentationShapes({ numImages: 2, size: 8, seed: 0, ood: true });
  const check = (set: unknown) => () => checkSegmentationSet(set, 'set', 'test');

  it('accepts a consistent set and names the field of an inconsistent one', () => {
    expect(checkSegmentationSet(good, 'set', 'test')).toBe(good);
    expectArgumentError(check(null), 'set');
    expectArgumentError(check({ ...good, shape: [2, 8, 8] }), 'set.shape');
    expectArgumentError(check({ ...good, images: Array.from(good.images) }), 'set.images');
    expectArgumentError(check({ ...good, images: good.images.subarray(1) }), 'set.images.length');
    const bright = good.images.slice();
    bright[5] = 1.5;
    expectArgumentError(check({ ...good, images: bright }), 'set.images[5]');
    expectArgumentError(check({ ...good, numClasses: 0 }), 'set.numClasses');
    expectArgumentError(check({ ...good, classNames: ['a', 'b'] }), 'set.classNames');
    const badMask = good.masks.slice();
    badMask[3] = 4;
    expectArgumentError(check({ ...good, masks: badMask }), 'set.masks[3]');
    expectArgumentError(check({ ...good, masks: good.masks.subarray(2) }), 'set.masks.length');
    const badOod = good.oodMask!.slice();
    badOod[7] = 2;
    expectArgumentError(check({ ...good, oodMask: badOod }), 'set.oodMask[7]');
    expect(() =>
      checkSegmentationSet({ ...good, masks: good.masks.subarray(2) }, 'set', 'test'),
    ).toThrow(ShapeError);
  });
});
