import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, ShapeError } from '@uqjs/core';
import { checkMap } from './checks.js';

const FN = 'bilinearUpsample';

/**
 * The `[outSize, inSize]` matrix of 1-D linear interpolation with half-pixel centers (the
 * geometry of `tf.image.resizeBilinear(..., halfPixelCenters = true)`): output sample `i`
 * sits at input coordinate `u = (i + 0.5) inSize / outSize - 0.5`, clamped to
 * `[0, inSize - 1]`, and takes `(1 - t)` of input `floor(u)` and `t` of the next one, with
 * `t = u - floor(u)`. Every row is non-negative and sums to 1.
 */
export function interpolationMatrix(outSize: number, inSize: number): Float32Array {
  const weights = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const u = Math.min(Math.max(((i + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
    const lo = Math.floor(u);
    const hi = Math.min(lo + 1, inSize - 1);
    const t = u - lo;
    weights[i * inSize + lo]! += 1 - t;
    weights[i * inSize + hi]! += t;
  }
  return weights;
}

/**
 * Bilinear upsampling of a map `x` `[B, h, w, K]` to `[B, H, W, K]` with half-pixel centers,
 * written as two matrix products with interpolation matrices (`A_H` `[H, h]`, `A_W` `[W, w]`):
 * `y[b, :, :, k] = A_H x[b, :, :, k] A_W^T`. Each output value is a convex combination of
 * at most four neighbours, so interpolated probability vectors stay normalized. Being made
 * of matrix products, it is differentiable on every backend (tfjs's `ResizeBilinearGrad`
 * kernels ignore `halfPixelCenters`).
 *
 * @example
 * ```ts
 * const up = bilinearUpsample(tf.zeros([1, 4, 4, 21]), [16, 16]); // [1, 16, 16, 21]
 * ```
 * @throws `ShapeError` for a tensor that is not rank 4 or a size smaller than the input's;
 * `InvalidArgumentError` for sizes that are not positive integers.
 * @since 0.1.0
 */
export function bilinearUpsample(x: tf.Tensor, size: readonly [number, number]): tf.Tensor4D {
  const map = checkMap(x, '[B, h, w, K]', 'x', FN);
  const height = checkPositiveInteger(size?.[0], 'size[0]', FN);
  const width = checkPositiveInteger(size?.[1], 'size[1]', FN);
  const [batch, inHeight, inWidth, channels] = map.shape;
  if (height < inHeight || width < inWidth) {
    throw new ShapeError({
      fn: FN,
      argument: 'size',
      expected: `at least the input's [${inHeight}, ${inWidth}]`,
      given: [height, width],
    });
  }
  if (height === inHeight && width === inWidth) return tf.clone(map);
  return tf.tidy(() => {
    const rows = tf.tensor2d(interpolationMatrix(height, inHeight), [height, inHeight]);
    const cols = tf.tensor2d(interpolationMatrix(width, inWidth), [width, inWidth]);
    // [B, h, w, K] -> [B, w, h, K] -> [B w, h, K] -> [B w, h K]; A_H [H, h] acts on h.
    const byRows = tf.reshape(tf.transpose(map, [0, 2, 1, 3]), [
      batch * inWidth,
      inHeight,
      channels,
    ]);
    // [H, h] x [B w, h, K]: as [h, B w K] after a transpose, [H, h] x [h, B w K] -> [H, B w K].
    const flatRows = tf.reshape(tf.transpose(byRows, [1, 0, 2]), [inHeight, -1]);
    const tallRows = tf.reshape(tf.matMul(rows, flatRows), [height, batch, inWidth, channels]);
    // [H, B, w, K] -> [w, B, H, K] -> [w, B H K]; A_W [W, w] acts on w.
    const flatCols = tf.reshape(tf.transpose(tallRows, [2, 1, 0, 3]), [inWidth, -1]);
    const wide = tf.reshape(tf.matMul(cols, flatCols), [width, batch, height, channels]);
    // [W, B, H, K] -> [B, H, W, K]
    return tf.transpose(wide, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Upsamples log-probabilities `[B, h, w, K]` to `[B, H, W, K]` the way a segmentation
 * network upsamples logits: bilinear interpolation of the log-probabilities (the logits of
 * the low-resolution predictive), then a log-softmax over classes, so every output pixel is
 * a normalized distribution. At output pixels whose half-pixel center coincides with a
 * low-resolution center, or where all four neighbours agree, the result equals the
 * low-resolution predictive exactly.
 *
 * @since 0.1.0
 */
export function upsampleLogProbs(
  logProbs: tf.Tensor,
  size: readonly [number, number],
): tf.Tensor4D {
  return tf.tidy(() => tf.logSoftmax(bilinearUpsample(logProbs, size)) as tf.Tensor4D);
}
