// scoreSplit / SplitScorer (which pixels are scored, NLL / accuracy / mIoU / OOD AUROC, AUPR
// and FPR95 by hand, streaming equal to one-shot; evaluateSplit the same in any batches) and
// pictureGrid (a PNG that pngjs decodes, of the stated size, with the label colours in place).
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { evaluateSplit, SplitScorer, scoreSplit } from '../src/segmentation/evaluate.js';
import {
  PICTURE_GAP,
  PICTURE_SCALE,
  pictureGrid,
  pictureSize,
} from '../src/segmentation/pictures.js';
import type { Segmenter } from '../src/segmentation/segmenter.js';
import type { SegmentationSplit } from '../src/segmentation/split.js';

// One 1 x 4 image: pixel 0 labelled 0, pixel 1 labelled 1, pixel 2 ignored, pixel 3 OOD.
const split: SegmentationSplit = {
  images: new Float32Array(12).fill(0.5),
  shape: [1, 1, 4, 3],
  masks: Uint8Array.from([0, 1, 255, 1]),
  oodMask: Uint8Array.from([0, 0, 0, 1]),
};
const probs = Float32Array.from([0.8, 0.2, 0.4, 0.6, 0.5, 0.5, 0.3, 0.7]);
const uncertainty = {
  total: Float32Array.from([0.5, 0.6, 0.69, 0.55]),
  aleatoric: Float32Array.from([0.4, 0.5, 0.6, 0.3]),
  epistemic: Float32Array.from([0.1, 0.1, 0.09, 0.25]),
};

describe('scoreSplit', () => {
  const s = scoreSplit(probs, uncertainty, split, 2);
  it('scores only labelled in-distribution pixels', () => {
    expect(s.nll).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 6);
    expect(s.pixelAccuracy).toBe(1);
    expect(s.meanIoU).toBe(1);
    expect(s.uncertainty.total).toBeCloseTo(0.55, 6);
    expect(s.uncertainty.epistemic).toBeCloseTo(0.1, 6);
  });
  it('detects OOD pixels by total uncertainty', () => {
    // OOD total 0.55 lies between the in-distribution 0.5 and 0.6: AUROC 1/2.
    expect(s.ood?.auroc).toBeCloseTo(0.5, 12);
    expect(s.ood?.meanTotal).toBeCloseTo(0.55, 6);
    expect(scoreSplit(probs, uncertainty, { ...split, oodMask: null }, 2).ood).toBeNull();
  });
  it('takes the OOD pixels as positives for AUPR and FPR95 (SegmentationMetrics)', () => {
    // Scores by descending total: 0.6 (in), 0.55 (OOD), 0.5 (in). Finding the one OOD pixel
    // (threshold 0.55) flags one of the two in-distribution pixels: FPR95 1/2 (with the
    // in-distribution pixels positive it would be 1), precision 1/2 at recall 1: AUPR 1/2.
    expect(s.ood?.fpr95).toBeCloseTo(0.5, 12);
    expect(s.ood?.aupr).toBeCloseTo(0.5, 12);
  });
  it('gives the one-shot scores when fed pixel by pixel', () => {
    const scorer = new SplitScorer(2);
    for (let i = 0; i < 4; i++) {
      const one = (a: Float32Array) => a.subarray(i, i + 1);
      scorer.add(
        probs.subarray(2 * i, 2 * i + 2),
        {
          total: one(uncertainty.total),
          aleatoric: one(uncertainty.aleatoric),
          epistemic: one(uncertainty.epistemic),
        },
        split.masks.subarray(i, i + 1),
        (split.oodMask as Uint8Array).subarray(i, i + 1),
      );
    }
    // The same sums in the same pixel order: equal, not only close.
    expect(scorer.result()).toEqual(s);
  });
  it('has no OOD scores when the OOD mask marks no pixel', () => {
    const none = { ...split, oodMask: new Uint8Array(4) };
    expect(scoreSplit(probs, uncertainty, none, 2).ood).toBeNull();
  });
});

describe('evaluateSplit', () => {
  // 5 images of 2 x 2 pixels, 2 channels; labels 0/1 with some ignored and OOD pixels.
  const n = 5;
  const pixels = n * 4;
  const images = Float32Array.from({ length: pixels * 2 }, (_, i) => ((i * 7) % 11) / 10);
  const big: SegmentationSplit = {
    images,
    shape: [n, 2, 2, 2],
    masks: Uint8Array.from({ length: pixels }, (_, i) => (i % 7 === 3 ? 255 : i % 2)),
    oodMask: Uint8Array.from({ length: pixels }, (_, i) => (i % 5 === 1 ? 1 : 0)),
  };
  // A fake network: softmax of 3 x the two channels, shifted by the pass index (its call
  // count modulo the passes) when dropout is on, so the passes differ and give an epistemic part.
  const fake = (passes: number): Segmenter => {
    let calls = 0;
    return {
      probs: (x: tf.Tensor4D, dropout: boolean) => {
        const shift = dropout ? (calls++ % passes) * 0.5 : 0;
        return tf.tidy(() =>
          tf.softmax(tf.add(tf.mul(x, 3), tf.tensor1d([shift, -shift]))),
        ) as tf.Tensor4D;
      },
    } as unknown as Segmenter;
  };
  const run = (batchSize: number) =>
    evaluateSplit(fake(3), big, { passes: 3, batchSize, numClasses: 2, keep: 2 });

  it('scores the same in any batches, keeps the first images, frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const whole = await run(n);
    expect(tf.memory().numTensors).toBe(before);
    for (const batchSize of [1, 2, 3]) {
      // The same sums over the same pixels in the same order: equal, not only close.
      const other = await run(batchSize);
      expect(other.scores).toEqual(whole.scores);
      expect(other.maps).toEqual(whole.maps);
    }
    expect(whole.maps.probs.length).toBe(2 * 4 * 2);
    expect(whole.maps.uncertainty.total.length).toBe(2 * 4);
    expect(whole.scores.uncertainty.epistemic).toBeGreaterThan(0);
    expect(whole.scores.ood?.auroc).toBeGreaterThanOrEqual(0);
    // The one-shot scorer on the kept maps of all 5 images gives the same scores.
    const all = await evaluateSplit(fake(3), big, {
      passes: 3,
      batchSize: 2,
      numClasses: 2,
      keep: n,
    });
    expect(scoreSplit(all.maps.probs, all.maps.uncertainty, big, 2)).toEqual(whole.scores);
  });
});

describe('pictureGrid', () => {
  it('writes a PNG of the stated size with labels in their class colours', () => {
    const png = PNG.sync.read(pictureGrid(split, probs, uncertainty, 2));
    const size = pictureSize(1, 1, 4);
    expect([png.width, png.height]).toEqual([size.width, size.height]);
    // The label panel is the second: pixel 2 (ignored) is white, pixel 3 (OOD) black.
    const at = (px: number) => {
      const x = PICTURE_GAP + (4 * PICTURE_SCALE + PICTURE_GAP) + px * PICTURE_SCALE;
      const i = (PICTURE_GAP * png.width + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    };
    expect(at(2)).toEqual([255, 255, 255]);
    expect(at(3)).toEqual([0, 0, 0]);
    expect(at(0)).not.toEqual(at(1));
  });
});
