import { deriveSeed } from '@uqjs/core';
import { makeSegmentationShapes, type SegmentationShapes } from '@uqjs/datasets';
import type { SegmentationView } from './protocol.js';
import type { SegmentationSettings } from './settings.js';

/** Test images (each with one OOD object) that the scores are computed over. */
export const TEST_IMAGES = 16;
/** Test images drawn. */
export const SHOWN_IMAGES = 3;

const seedOf = (settings: SegmentationSettings, part: string) =>
  deriveSeed(settings.seed, 'segmentation', part);

/**
 * The tab's training images (`makeSegmentationShapes`, no TensorFlow.js): `trainImages` of
 * side `size` without the OOD shape, seeded `deriveSeed(seed, 'segmentation', 'train')`.
 */
export function segmentationTrainSet(settings: SegmentationSettings): SegmentationShapes {
  return makeSegmentationShapes({
    numImages: settings.trainImages,
    size: settings.size,
    seed: seedOf(settings, 'train'),
  });
}

/**
 * The tab's {@link TEST_IMAGES} test images, each with one OOD shape, seeded
 * `deriveSeed(seed, 'segmentation', 'test')` (the page draws the first ones before training).
 */
export function segmentationTestSet(settings: SegmentationSettings): SegmentationShapes {
  return makeSegmentationShapes({
    numImages: TEST_IMAGES,
    size: settings.size,
    seed: seedOf(settings, 'test'),
    ood: true,
  });
}

/** The first {@link SHOWN_IMAGES} images of `test` with their labels and OOD masks (copies). */
export function shownImages(test: SegmentationShapes): SegmentationView {
  const [n, h, w, c] = test.shape;
  const shown = Math.min(SHOWN_IMAGES, n);
  const pixels = shown * h * w;
  return {
    size: h,
    shown,
    numClasses: test.numClasses,
    classNames: test.classNames,
    images: test.images.slice(0, pixels * c),
    labels: test.masks.slice(0, pixels),
    oodMask: test.oodMask === null ? new Uint8Array(pixels) : test.oodMask.slice(0, pixels),
  };
}
