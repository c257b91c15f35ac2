import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkPositiveInteger, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { checkMap } from './checks.js';

/**
 * The label of pixels that carry no class (PASCAL VOC's object boundaries, Cityscapes' void):
 * they count in no loss and no metric.
 *
 * @since 0.1.0
 */
export const IGNORE_LABEL = 255;

/**
 * Options of {@link segmentationLoss}.
 *
 * @since 0.1.0
 */
export interface SegmentationLossOptions {
  /** The label of pixels that do not count. Default {@link IGNORE_LABEL} (255). */
  readonly ignoreLabel?: number;
}

/**
 * Sparse labels `[B, H, W]` as float32 one-hot rows `[B, H, W, K]`: ignored pixels get an
 * all-zero row (so they weigh nothing), and a label outside `[0, K)` other than the ignore
 * label gets a row of NaN (so a loss over it is NaN, never a silent zero; no read-back).
 */
function oneHotRows(labels: tf.Tensor, numClasses: number, ignoreLabel: number): tf.Tensor {
  return tf.tidy(() => {
    const values = tf.cast(labels, 'float32');
    const ignored = tf.equal(values, ignoreLabel);
    const invalid = tf.logicalAnd(
      tf.logicalNot(ignored),
      tf.logicalOr(
        tf.logicalOr(tf.less(values, 0), tf.greaterEqual(values, numClasses)),
        tf.logicalOr(tf.notEqual(values, tf.floor(values)), tf.isNaN(values)),
      ),
    );
    const safe = tf.where(tf.logicalOr(ignored, invalid), tf.zerosLike(values), values);
    const rows = tf.oneHot(tf.cast(safe, 'int32'), numClasses); // [..., K]
    const weight = tf.where(ignored, tf.zerosLike(values), tf.onesLike(values));
    const flagged = tf.where(invalid, tf.fill(values.shape, Number.NaN), weight);
    return tf.mul(tf.cast(rows, 'float32'), tf.expandDims(flagged, -1));
  });
}

/** `[B, H, W]` from sparse labels `[B, H, W]` or `[B, H, W, 1]` of a `[B, H, W, K]` map. */
function sparseLabels(
  labels: tf.Tensor,
  mapShape: readonly number[],
  fn: string,
): tf.Tensor | null {
  const pixels = mapShape.slice(0, 3);
  const same = (shape: readonly number[]) => shape.every((size, i) => size === pixels[i]);
  if (labels.rank === 3 && same(labels.shape)) return labels;
  if (labels.rank === 4 && labels.shape[3] === 1 && same(labels.shape.slice(0, 3))) {
    return tf.reshape(labels, pixels);
  }
  if (labels.rank === 4 && labels.shape[3] === mapShape[3] && same(labels.shape.slice(0, 3))) {
    return null; // one-hot (or soft) rows
  }
  throw new ShapeError({
    fn,
    argument: 'yTrue',
    expected: `of shape [${pixels.join(', ')}], [${pixels.join(', ')}, 1] or [${mapShape.join(', ')}]`,
    given: labels.shape,
  });
}

/**
 * One-hot targets for `model.fit` from label masks `[B, H, W]` (or `[B, H, W, 1]`):
 * `[B, H, W, K]` float32, with an all-zero row for every ignored pixel (which
 * {@link segmentationLoss} then leaves out) and a NaN row for a label outside `[0, K)` that is
 * not the ignore label (no read-back; use {@link checkMasks} for a named error).
 *
 * @example
 * ```ts
 * oneHotMasks(tf.tensor3d([[[0, 255]]], [1, 1, 2]), 3); // [[[[1, 0, 0], [0, 0, 0]]]]
 * ```
 * @since 0.1.0
 */
export function oneHotMasks(
  masks: tf.Tensor,
  numClasses: number,
  ignoreLabel = IGNORE_LABEL,
): tf.Tensor4D {
  const fn = 'oneHotMasks';
  const classes = checkInteger(numClasses, 'numClasses', fn, 2);
  const ignore = checkInteger(ignoreLabel, 'ignoreLabel', fn);
  if (
    !(masks instanceof tf.Tensor) ||
    !(masks.rank === 3 || (masks.rank === 4 && masks.shape[3] === 1))
  ) {
    throw new ShapeError({
      fn,
      argument: 'masks',
      expected: 'a tensor of shape [B, H, W] or [B, H, W, 1]',
      given: masks instanceof tf.Tensor ? masks.shape : masks,
    });
  }
  return tf.tidy(
    () => oneHotRows(tf.reshape(masks, masks.shape.slice(0, 3)), classes, ignore) as tf.Tensor4D,
  );
}

/**
 * The per-pixel negative log-likelihood averaged over the pixels that count (label not
 * `ignoreLabel`):
 *
 *     loss = -sum_{b,i,j} sum_k t[b,i,j,k] yPred[b,i,j,k] / max(1, sum_{b,i,j} sum_k t[b,i,j,k])
 *
 * with `t` the one-hot rows of the labels (all-zero for ignored pixels); a batch of only
 * ignored pixels gives 0. `yPred` holds LOG probabilities (the output of
 * `MCSoftmaxPixelHead`). Use as `model.compile({ loss: segmentationLoss })` with
 * {@link oneHotMasks} targets (tfjs-layers' `fit` wants targets of the output's shape), or
 * call it with sparse masks in a custom loop. A label outside `[0, K)` that is not the ignore
 * label makes the loss NaN (checked on the device, no read-back).
 *
 * Shapes: `yTrue` `[B, H, W]`, `[B, H, W, 1]` (labels) or `[B, H, W, K]` (one-hot / soft
 * rows, all-zero = ignored); `yPred` `[B, H, W, K]`; result a scalar.
 *
 * @example
 * ```ts
 * const logProbs = tf.log(tf.tensor4d([[[[0.5, 0.5], [0.9, 0.1]]]]));
 * segmentationLoss(tf.tensor3d([[[1, 255]]]), logProbs); // -log 0.5 = 0.693
 * ```
 * @throws `ShapeError` for a `yPred` that is not rank 4 or a `yTrue` of another shape;
 * `InvalidArgumentError` for a bad `ignoreLabel`.
 * @since 0.1.0
 */
export function segmentationLoss(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  opts?: SegmentationLossOptions,
): tf.Scalar {
  const fn = 'segmentationLoss';
  const logProbs = checkMap(yPred, '[B, H, W, K]', 'yPred', fn);
  const ignore = checkInteger(opts?.ignoreLabel ?? IGNORE_LABEL, 'opts.ignoreLabel', fn);
  if (!(yTrue instanceof tf.Tensor)) {
    throw new InvalidArgumentError({
      fn,
      argument: 'yTrue',
      expected: 'a tf.Tensor',
      given: yTrue,
    });
  }
  const numClasses = logProbs.shape[3];
  return tf.tidy(() => {
    const labels = sparseLabels(yTrue, logProbs.shape, fn);
    const rows =
      labels === null ? tf.cast(yTrue, 'float32') : oneHotRows(labels, numClasses, ignore);
    const total = tf.neg(tf.sum(tf.mul(rows, logProbs)));
    return tf.div(total, tf.maximum(tf.sum(rows), 1)) as tf.Scalar;
  });
}

/**
 * Checks label masks (reading them back, so it is async): every label is an integer in
 * `[0, K)` or the ignore label.
 *
 * @example
 * ```ts
 * await checkMasks(masks, 21); // throws InvalidArgumentError on a label 30
 * ```
 * @throws `InvalidArgumentError` naming the first offending pixel `masks[b, i, j]` and its
 * label, or a bad `numClasses` / `ignoreLabel`; `ShapeError` when `masks` is not a tensor.
 * @since 0.1.0
 */
export async function checkMasks(
  masks: tf.Tensor,
  numClasses: number,
  ignoreLabel = IGNORE_LABEL,
): Promise<void> {
  const fn = 'checkMasks';
  const classes = checkPositiveInteger(numClasses, 'numClasses', fn);
  const ignore = checkInteger(ignoreLabel, 'ignoreLabel', fn);
  if (!(masks instanceof tf.Tensor) || masks.rank < 1) {
    throw new ShapeError({
      fn,
      argument: 'masks',
      expected: 'a tf.Tensor [B, H, W]',
      given: masks,
    });
  }
  const values = await masks.data();
  const strides = masks.shape.map((_, axis) => tf.util.sizeFromShape(masks.shape.slice(axis + 1)));
  for (let i = 0; i < values.length; i++) {
    const label = values[i]!;
    if (label === ignore || (Number.isInteger(label) && label >= 0 && label < classes)) continue;
    const index = strides.map((stride, axis) => Math.floor(i / stride) % masks.shape[axis]!);
    throw new InvalidArgumentError({
      fn,
      argument: `masks[${index.join(', ')}]`,
      expected: `an integer label in [0, ${classes - 1}] or the ignore label ${ignore}`,
      given: label,
    });
  }
}
