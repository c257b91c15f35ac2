import { InvalidArgumentError, ShapeError } from '@uqjs/core';

/**
 * The label a segmentation mask uses for pixels that count as no class: void pixels of a
 * real dataset, and the pixels of a held-out OOD object.
 *
 * @since 0.1.0
 */
export const SEGMENTATION_IGNORE_LABEL = 255;

/**
 * One segmentation split: `N` images of `H x W` pixels with `C` channels and a class mask
 * for each. Returned by `makeSegmentationShapes` and by the file loaders of the real sets.
 *
 * @since 0.1.0
 */
export interface SegmentationSet {
  /** `[N, H, W, C]` row-major pixel values in `[0, 1]`. */
  readonly images: Float32Array;
  /** `[N, H, W, C]`. */
  readonly shape: readonly [number, number, number, number];
  /** `[N, H, W]` class ids in `[0, K)`; {@link SEGMENTATION_IGNORE_LABEL} (255) = ignore. */
  readonly masks: Uint8Array;
  /** `[N, H, W]`, 1 on pixels of the held-out OOD class and 0 elsewhere; `null` when the split has none. */
  readonly oodMask: Uint8Array | null;
  /** `K`, the number of classes (a background counts as class 0 where the set has one). */
  readonly numClasses: number;
  /** The `K` class names, in class-id order. */
  readonly classNames: readonly string[];
}

/**
 * Checks that `set` is a consistent {@link SegmentationSet}: a shape of 4 positive integers,
 * `images` of `N*H*W*C` values in `[0, 1]`, `masks` (and `oodMask` when given) of `N*H*W`
 * values, mask labels in `[0, K)` or 255, `oodMask` values 0 or 1, `K` names for `K` in
 * `[1, 255]`. Throws a `ShapeError` or `InvalidArgumentError` naming `argument` and the
 * offending field (and the first bad index); returns `set`.
 *
 * @param set the set to check.
 * @param argument the set's name as the caller wrote it, e.g. `'train'`.
 * @param fn the public function that takes or builds the set.
 * @since 0.1.0
 */
export function checkSegmentationSet(set: unknown, argument: string, fn: string): SegmentationSet {
  if (set === null || typeof set !== 'object') {
    throw new InvalidArgumentError({ fn, argument, expected: 'a SegmentationSet', given: set });
  }
  const s = set as Partial<Record<keyof SegmentationSet, unknown>>;
  const shape = s.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 4 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw new ShapeError({
      fn,
      argument: `${argument}.shape`,
      expected: 'an [N, H, W, C] shape of 4 integers >= 1',
      given: shape,
    });
  }
  const [n, h, w, c] = shape as [number, number, number, number];
  const pixels = n * h * w;
  checkTyped(s.images, Float32Array, pixels * c, `${argument}.images`, fn, 'Float32Array');
  const images = s.images as Float32Array;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.images[${i}]`,
        expected: 'a pixel value in [0, 1]',
        given: v,
      });
    }
  }
  const k = s.numClasses;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 255) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.numClasses`,
      expected: 'an integer in [1, 255]',
      given: k,
    });
  }
  const names = s.classNames;
  if (!Array.isArray(names) || names.length !== k || !names.every((x) => typeof x === 'string')) {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.classNames`,
      expected: `${k} class names (strings)`,
      given: names,
    });
  }
  checkTyped(s.masks, Uint8Array, pixels, `${argument}.masks`, fn, 'Uint8Array');
  const masks = s.masks as Uint8Array;
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i]!;
    if (v >= k && v !== SEGMENTATION_IGNORE_LABEL) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.masks[${i}]`,
        expected: `a class id in [0, ${k}) or ${SEGMENTATION_IGNORE_LABEL} (ignore)`,
        given: v,
      });
    }
  }
  if (s.oodMask !== null) {
    checkTyped(s.oodMask, Uint8Array, pixels, `${argument}.oodMask`, fn, 'Uint8Array or null');
    const ood = s.oodMask as Uint8Array;
    for (let i = 0; i < ood.length; i++) {
      if (ood[i]! > 1) {
        throw new InvalidArgumentError({
          fn,
          argument: `${argument}.oodMask[${i}]`,
          expected: '0 or 1',
          given: ood[i],
        });
      }
    }
  }
  return set as SegmentationSet;
}

function checkTyped(
  value: unknown,
  type: typeof Float32Array | typeof Uint8Array,
  length: number,
  argument: string,
  fn: string,
  typeName: string,
): void {
  if (!(value instanceof type)) {
    throw new InvalidArgumentError({ fn, argument, expected: `a ${typeName}`, given: value });
  }
  if (value.length !== length) {
    throw new ShapeError({
      fn,
      argument: `${argument}.length`,
      expected: `${length} (from the shape)`,
      given: value.length,
    });
  }
}
