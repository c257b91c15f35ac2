// scoreSplit (which pixels are scored, NLL / accuracy / mIoU / OOD AUROC by hand) and
// pictureGrid (a PNG that pngjs decodes, of the stated size, with the label colours in place).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { scoreSplit } from '../src/segmentation/evaluate.js';
import {
  PICTURE_GAP,
  PICTURE_SCALE,
  pictureGrid,
  pictureSize,
} from '../src/segmentation/pictures.js';
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
