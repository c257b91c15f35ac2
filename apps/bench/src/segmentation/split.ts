/**
 * One split of a segmentation set, as the bench uses it.
 *
 * @since 0.1.0
 */
export interface SegmentationSplit {
  /** Pixel values in `[0, 1]`, `[N, H, W, C]` row-major. */
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** Class ids `[N, H, W]`; 255 = ignore. */
  readonly masks: Uint8Array | Int32Array;
  /** `1` where a pixel belongs to the held-out OOD class, `[N, H, W]`; `null` without one. */
  readonly oodMask: Uint8Array | null;
}

/**
 * The three splits and the class count.
 *
 * @since 0.1.0
 */
export interface SegmentationData {
  readonly train: SegmentationSplit;
  readonly validation: SegmentationSplit;
  readonly test: SegmentationSplit;
  readonly numClasses: number;
  readonly classNames: readonly string[];
}
