import {
  checkInRange,
  checkInteger,
  checkOneOf,
  checkPositive,
  checkSeed,
  InvalidArgumentError,
} from '@uqjs/core';

/**
 * The per-pixel heads of the segmentation tab: `homoscedastic` is the per-pixel softmax,
 * `heteroscedastic` the Monte Carlo softmax `MCSoftmaxPixelHead` of `@uqjs/segmentation`.
 */
export const SEGMENTATION_HEADS = ['homoscedastic', 'heteroscedastic'] as const;
export type SegmentationHead = (typeof SEGMENTATION_HEADS)[number];

/** Image sides the tab offers: multiples of 4, as the two-level U-Net needs. */
export const SEGMENTATION_SIZES = [24, 32] as const;

/** Everything one segmentation run depends on. */
export interface SegmentationSettings {
  readonly head: SegmentationHead;
  /** Softmax temperature of the heteroscedastic head (the homoscedastic one uses 1). */
  readonly temperature: number;
  /** Passes over the training images. */
  readonly epochs: number;
  /** Procedural training images (`makeSegmentationShapes`, without the OOD class). */
  readonly trainImages: number;
  /** Side of the square images, pixels. */
  readonly size: number;
  /**
   * MC dropout passes at prediction, the members of the entropy decomposition; 1 turns
   * dropout off at prediction (no epistemic part).
   */
  readonly passes: number;
  /** Seed of the data, the initial weights, the dropout masks and the head's noise. */
  readonly seed: number;
}

/** The tab's starting values: a run of seconds on a laptop's CPU backend. */
export const DEFAULT_SEGMENTATION_SETTINGS: SegmentationSettings = {
  head: 'heteroscedastic',
  temperature: 1,
  epochs: 30,
  trainImages: 64,
  size: 24,
  passes: 8,
  seed: 0,
};

/**
 * Checks every field of `value` (as read from the tab's form) and returns typed settings;
 * throws an `InvalidArgumentError` naming the first bad field.
 */
export function checkSegmentationSettings(value: Record<string, unknown>): SegmentationSettings {
  const fn = 'checkSegmentationSettings';
  const size = checkInteger(value.size, 'size', fn, 0);
  if (!(SEGMENTATION_SIZES as readonly number[]).includes(size)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'size',
      expected: `one of ${SEGMENTATION_SIZES.join(', ')}`,
      given: size,
    });
  }
  return {
    head: checkOneOf(value.head, SEGMENTATION_HEADS, 'head', fn),
    temperature: checkInRange(
      checkPositive(value.temperature, 'temperature', fn),
      'temperature',
      fn,
      0.05,
      20,
    ),
    epochs: checkInRange(checkInteger(value.epochs, 'epochs', fn, 1), 'epochs', fn, 1, 100),
    trainImages: checkInRange(
      checkInteger(value.trainImages, 'trainImages', fn, 8),
      'trainImages',
      fn,
      8,
      512,
    ),
    size,
    passes: checkInRange(checkInteger(value.passes, 'passes', fn, 1), 'passes', fn, 1, 32),
    seed: checkSeed(value.seed, 'seed', fn),
  };
}
