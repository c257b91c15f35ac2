import {
  image,
  mirrorPad,
  pad,
  reverse,
  slice,
  softmax,
  stack,
  type Tensor,
  type Tensor4D,
  tidy,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  checkFiniteNumber,
  checkInteger,
  checkOneOf,
  checkOptionsObject,
  checkPositiveInteger,
  checkRank,
  checkSeed,
  InvalidArgumentError,
  type Predictive,
  Rng,
  ShapeError,
} from '@uqjs/core';
import { membersPredictive } from './members-predictive.js';

/**
 * One test-time augmentation of images `[N, H, W, C]`, applied in this order: zoom by `scale`
 * about the centre (bilinear resize to `round(H * scale) x round(W * scale)`, half-pixel
 * centres, then the central `H x W` crop), shift by `dx` columns (positive: content moves
 * right) and `dy` rows (positive: down) with the uncovered border filled by `padding`, then
 * a horizontal flip. `{}` is the identity. The output always has the input's shape.
 *
 * @since 0.1.0
 */
export interface TtaTransform {
  /** Mirror the columns (reverse the `W` axis). Default `false`. */
  readonly flip?: boolean;
  /** Integer column shift, `|dx| < W`. Default `0`. */
  readonly dx?: number;
  /** Integer row shift, `|dy| < H`. Default `0`. */
  readonly dy?: number;
  /** Zoom factor `>= 1` (zoom in, then crop). Default `1`. */
  readonly scale?: number;
  /** Fill of the border a shift uncovers: `'zeros'` (default) or `'reflect'` (mirror, edge excluded). */
  readonly padding?: 'zeros' | 'reflect';
}

/**
 * Options of {@link testTimeAugmentation}.
 *
 * @since 0.1.0
 */
export interface TestTimeAugmentationOptions {
  /**
   * The transforms, one member each, or a count `T` of transforms drawn by
   * {@link randomTransforms} from `seed`. Default `[{}, { flip: true }]` (identity and
   * horizontal flip).
   */
  readonly transforms?: readonly TtaTransform[] | number;
  /** Seed of the drawn transforms; required when `transforms` is a count. */
  readonly seed?: number;
  /** Largest `|dx|`, `|dy|` of drawn transforms. Default `2`. */
  readonly maxShift?: number;
  /** Largest zoom of drawn transforms. Default `1.2`. */
  readonly maxScale?: number;
  /** What the model outputs: `'probabilities'` (default) or `'logits'` (softmax applied here). */
  readonly output?: 'probabilities' | 'logits';
  /** Rows per forward pass. Default `128`. */
  readonly batchSize?: number;
}

const PADDINGS = ['zeros', 'reflect'] as const;
const OUTPUTS = ['probabilities', 'logits'] as const;

/**
 * Test-time augmentation: runs `model` (inference mode) on `T` transformed copies of the
 * images `x` `[N, H, W, C]` and averages the class probabilities. The transforms are the
 * members: `members` `[T, N, K]` (member `t` is the prediction on `augment(x, transforms[t])`),
 * `probs` their mean and `variance` their population variance, `[N, K]`.
 *
 * @example
 * ```ts
 * const tta = testTimeAugmentation(model, images, {
 *   transforms: [{}, { flip: true }, { dx: 2 }, { dx: -2 }, { scale: 1.1 }],
 * });
 * // tta.members [5, N, K]; or draw 8 random flips/shifts/zooms: { transforms: 8, seed: 1 }
 * ```
 * @since 0.1.0
 */
export function testTimeAugmentation(
  model: LayersModel,
  x: Tensor,
  options: TestTimeAugmentationOptions = {},
): Required<Predictive> {
  const fn = 'testTimeAugmentation';
  checkOptionsObject(options, 'options', fn, 'an options object (or nothing)');
  checkModel(model, fn);
  checkImages(x, 'x', fn);
  const output = checkOneOf(options.output ?? 'probabilities', OUTPUTS, 'options.output', fn);
  const batchSize = checkPositiveInteger(options.batchSize ?? 128, 'options.batchSize', fn);
  const requested = options.transforms ?? [{}, { flip: true }];
  let transforms: readonly TtaTransform[];
  if (typeof requested === 'number') {
    if (options.seed === undefined) {
      throw new InvalidArgumentError({
        fn,
        argument: 'options.seed',
        expected: 'a seed when options.transforms is a count',
        given: options.seed,
      });
    }
    transforms = randomTransforms(requested, options.seed, {
      maxShift: options.maxShift,
      maxScale: options.maxScale,
    });
  } else if (Array.isArray(requested) && requested.length > 0) {
    transforms = requested;
  } else {
    throw new InvalidArgumentError({
      fn,
      argument: 'options.transforms',
      expected: 'a non-empty array of transforms or a positive count',
      given: requested,
    });
  }
  const [, height, width] = x.shape as [number, number, number, number];
  transforms.forEach((t, i) => {
    checkTransform(t, height, width, `options.transforms[${i}]`, fn);
  });
  return tidy(() => {
    const perTransform = transforms.map((t) => {
      const out = model.predict(augmentImages(x as Tensor4D, t), { batchSize }) as Tensor;
      return output === 'logits' ? softmax(out) : out;
    });
    // [T] x [N, K] -> [T, N, K].
    return membersPredictive(stack(perTransform, 0));
  }) as Required<Predictive>;
}

/**
 * Applies one {@link TtaTransform} to images `[N, H, W, C]`; the result has the same shape.
 *
 * @throws ShapeError unless `x` is rank 4; InvalidArgumentError for a bad transform.
 * @since 0.1.0
 */
export function augment(x: Tensor, transform: TtaTransform): Tensor4D {
  const fn = 'augment';
  checkImages(x, 'x', fn);
  const [, height, width] = x.shape as [number, number, number, number];
  checkTransform(transform, height, width, 'transform', fn);
  return augmentImages(x as Tensor4D, transform);
}

/**
 * `count` transforms drawn from `Rng(seed)`: member 0 is the identity; each other one flips
 * with probability 1/2, shifts by integers `dx, dy` uniform in `[-maxShift, maxShift]` and
 * zooms by a factor uniform in `[1, maxScale]`. The same seed gives the same list.
 *
 * @since 0.1.0
 */
export function randomTransforms(
  count: number,
  seed: number,
  limits: { readonly maxShift?: number | undefined; readonly maxScale?: number | undefined } = {},
): TtaTransform[] {
  const fn = 'randomTransforms';
  checkPositiveInteger(count, 'count', fn);
  const rng = new Rng(checkSeed(seed, 'seed', fn));
  const maxShift = checkInteger(limits.maxShift ?? 2, 'maxShift', fn);
  const maxScale = checkFiniteNumber(limits.maxScale ?? 1.2, 'maxScale', fn);
  if (maxScale < 1) {
    throw new InvalidArgumentError({ fn, argument: 'maxScale', expected: '>= 1', given: maxScale });
  }
  const transforms: TtaTransform[] = [{}];
  for (let i = 1; i < count; i++) {
    transforms.push({
      flip: rng.uniform() < 0.5,
      dx: rng.int(2 * maxShift + 1) - maxShift,
      dy: rng.int(2 * maxShift + 1) - maxShift,
      scale: 1 + (maxScale - 1) * rng.uniform(),
    });
  }
  return transforms;
}

/** Zoom, shift, flip (see {@link TtaTransform}); arguments already checked. */
function augmentImages(x: Tensor4D, t: TtaTransform): Tensor4D {
  return tidy(() => {
    const [n, height, width, channels] = x.shape;
    let out = x;
    const scale = t.scale ?? 1;
    if (scale !== 1) {
      const zoomed = [Math.round(height * scale), Math.round(width * scale)] as [number, number];
      // [N, H, W, C] -> [N, H', W', C], then the central [N, H, W, C] window.
      const big = image.resizeBilinear(out, zoomed, false, true);
      const top = Math.floor((zoomed[0] - height) / 2);
      const left = Math.floor((zoomed[1] - width) / 2);
      out = slice(big, [0, top, left, 0], [n, height, width, channels]);
    }
    const dx = t.dx ?? 0;
    const dy = t.dy ?? 0;
    if (dx !== 0 || dy !== 0) {
      // out[y][x] = in[y - dy][x - dx]: pad |dy| rows on the side the content moves away from,
      // |dx| columns likewise, then take the H x W window starting at (max(-dy, 0), max(-dx, 0)).
      const paddings: [number, number][] = [
        [0, 0],
        [Math.max(dy, 0), Math.max(-dy, 0)],
        [Math.max(dx, 0), Math.max(-dx, 0)],
        [0, 0],
      ];
      const padded =
        t.padding === 'reflect' ? mirrorPad(out, paddings, 'reflect') : pad(out, paddings);
      out = slice(padded, [0, Math.max(-dy, 0), Math.max(-dx, 0), 0], [n, height, width, channels]);
    }
    // Axis 2 is W: a horizontal flip.
    if (t.flip === true) out = reverse(out, 2);
    return out === x ? x.clone() : out;
  });
}

function checkImages(x: Tensor, argument: string, fn: string): void {
  checkRank(x, 4, argument, fn);
  if (x.shape[0] === 0) {
    throw new ShapeError({ fn, argument, expected: 'at least one image', given: x.shape });
  }
}

function checkTransform(
  t: TtaTransform,
  height: number,
  width: number,
  argument: string,
  fn: string,
): void {
  if (t === null || typeof t !== 'object') {
    throw new InvalidArgumentError({
      fn,
      argument,
      expected: 'an object { flip?, dx?, dy?, scale?, padding? }',
      given: t,
    });
  }
  if (t.flip !== undefined && typeof t.flip !== 'boolean') {
    throw new InvalidArgumentError({
      fn,
      argument: `${argument}.flip`,
      expected: 'a boolean',
      given: t.flip,
    });
  }
  for (const [key, size] of [
    ['dx', width],
    ['dy', height],
  ] as const) {
    const shift = t[key];
    if (shift === undefined) continue;
    if (typeof shift !== 'number' || !Number.isInteger(shift) || Math.abs(shift) >= size) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.${key}`,
        expected: `an integer with |${key}| < ${size} (the image ${key === 'dx' ? 'width' : 'height'})`,
        given: shift,
      });
    }
  }
  if (t.scale !== undefined) {
    const scale = checkFiniteNumber(t.scale, `${argument}.scale`, fn);
    if (scale < 1) {
      throw new InvalidArgumentError({
        fn,
        argument: `${argument}.scale`,
        expected: 'a zoom factor >= 1',
        given: scale,
      });
    }
  }
  if (t.padding !== undefined) checkOneOf(t.padding, PADDINGS, `${argument}.padding`, fn);
}

function checkModel(model: LayersModel, fn: string): void {
  const candidate = model as Partial<LayersModel> | null;
  const ok =
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof candidate.predict === 'function' &&
    Array.isArray(candidate.inputs) &&
    candidate.inputs.length === 1 &&
    Array.isArray(candidate.outputs) &&
    candidate.outputs.length === 1;
  if (!ok) {
    throw new InvalidArgumentError({
      fn,
      argument: 'model',
      expected: 'a tfjs-layers model with one input and one output',
      given: model,
    });
  }
  const shape = model.outputs[0]!.shape;
  if (shape.length !== 2 || (shape[1] ?? 0) < 2) {
    throw new ShapeError({
      fn,
      argument: 'model output',
      expected: 'of shape [B, K] with K >= 2',
      given: shape,
    });
  }
}
