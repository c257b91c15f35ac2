import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { Scratch } from './kernel-scope.js';

/**
 * Zero padding around the two spatial axes of an NHWC tensor; a negative side means that
 * many rows/columns of the tensor are dropped instead.
 */
export interface SignedPads {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** tfjs explicit padding `[[0, 0], [top, bottom], [left, right], [0, 0]]` (NHWC). */
export type ExplicitPadding = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/** The NHWC explicit-padding attribute for non-negative `pads`. */
export function explicitPadding(pads: SignedPads): ExplicitPadding {
  return [
    [0, 0],
    [pads.top, pads.bottom],
    [pads.left, pads.right],
    [0, 0],
  ];
}

/** True when no side of `pads` is negative. */
export function isNonNegative(pads: SignedPads): boolean {
  return pads.top >= 0 && pads.bottom >= 0 && pads.left >= 0 && pads.right >= 0;
}

/**
 * Padding for the filter gradient written as a forward convolution.
 *
 * Forward: `y[b,i,j,o] = sum_{p,q,c} x[b, i*sh + p*dh - top, j*sw + q*dw - left, c] w[p,q,c,o]`,
 * so `dw[p,q,c,o] = sum_{b,i,j} x[b, p*dh + i*sh - top, ...] dy[b,i,j,o]`: a convolution of
 * `x` (batch `c`, channels `b`) with the filter `dy` (taps `i, j`, channels `b -> o`), stride
 * `(dh, dw)`, dilation `(sh, sw)`, top padding `top`. Its output has exactly `fh` rows when the
 * bottom padding is `(fh-1)*dh + (oh-1)*sh + 1 - H - top`; negative means the last rows of `x`
 * are never read (e.g. `valid` with stride 2 and an odd remainder).
 */
export function filterGradPads(info: backend_util.Conv2DInfo): SignedPads {
  const { padInfo } = info;
  return {
    top: padInfo.top,
    bottom:
      (info.filterHeight - 1) * info.dilationHeight +
      (info.outHeight - 1) * info.strideHeight +
      1 -
      info.inHeight -
      padInfo.top,
    left: padInfo.left,
    right:
      (info.filterWidth - 1) * info.dilationWidth +
      (info.outWidth - 1) * info.strideWidth +
      1 -
      info.inWidth -
      padInfo.left,
  };
}

/**
 * Padding for the input gradient written as a stride-1 convolution of the stride-dilated
 * `dy` with the flipped filter.
 *
 * `dx[b,h,w,c] = sum dy[b,i,j,o] w[p,q,c,o]` over `i*sh + p*dh - top = h`; with `u = i*sh`
 * (the rows of `dy` spread `sh` apart) and `p' = fh-1-p` this is
 * `sum dyUp[b, h - top' + p'*dh, ...] wFlip[p', q', o, c]` with `top' = (fh-1)*dh - top`; `H`
 * output rows need bottom padding `H - 1 + top - (oh-1)*sh`. A negative side (explicit
 * padding wider than the dilated filter, or input rows no window reaches) drops rows of `dyUp`.
 */
export function inputGradPads(info: backend_util.Conv2DInfo): SignedPads {
  const { padInfo } = info;
  return {
    top: (info.filterHeight - 1) * info.dilationHeight - padInfo.top,
    bottom: info.inHeight - 1 + padInfo.top - (info.outHeight - 1) * info.strideHeight,
    left: (info.filterWidth - 1) * info.dilationWidth - padInfo.left,
    right: info.inWidth - 1 + padInfo.left - (info.outWidth - 1) * info.strideWidth,
  };
}

/**
 * Drops the rows/columns of `x` `[B, H, W, C]` that negative sides of `pads` exclude (a
 * `Slice` copy, only when needed) and returns the rest with the padding that remains.
 */
export function cropNegativePads(
  scratch: Scratch,
  x: TensorInfo,
  pads: SignedPads,
): { x: TensorInfo; pads: SignedPads } {
  if (isNonNegative(pads)) return { x, pads };
  const [batch = 0, height = 0, width = 0, channels = 0] = x.shape;
  const top = Math.max(0, -pads.top);
  const left = Math.max(0, -pads.left);
  const keptHeight = height - top - Math.max(0, -pads.bottom);
  const keptWidth = width - left - Math.max(0, -pads.right);
  const cropped = scratch.run(
    'Slice',
    { x },
    { begin: [0, top, left, 0], size: [batch, keptHeight, keptWidth, channels] },
  );
  return {
    x: cropped,
    pads: {
      top: Math.max(0, pads.top),
      bottom: Math.max(0, pads.bottom),
      left: Math.max(0, pads.left),
      right: Math.max(0, pads.right),
    },
  };
}

/**
 * Spreads `dy` `[B, oh, ow, C]` onto a zero canvas
 * `[B, (oh-1)*sh + 1 + top + bottom, (ow-1)*sw + 1 + left + right, C]`: `dy[b,i,j,:]` lands
 * at row `i*sh + top`, column `j*sw + left` (the stride-dilated, padded gradient of a strided
 * convolution); entries that fall outside the canvas (negative pads) are dropped. One pass in
 * JavaScript over the wasm heap.
 */
export function spreadOnCanvas(
  scratch: Scratch,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
  pads: SignedPads,
): TensorInfo {
  const [batch = 0, outHeight = 0, outWidth = 0, channels = 0] = dy.shape;
  const height = (outHeight - 1) * strideHeight + 1 + pads.top + pads.bottom;
  const width = (outWidth - 1) * strideWidth + 1 + pads.left + pads.right;
  const canvas = scratch.track(
    scratch.backend.makeOutput([batch, height, width, channels], 'float32'),
  );
  // Views are taken after the allocation above, which may grow (and detach) the heap.
  const source = scratch.backend.typedArrayFromHeap(dy) as Float32Array;
  const target = scratch.backend.typedArrayFromHeap(canvas) as Float32Array;
  target.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outHeight; i++) {
      const row = i * strideHeight + pads.top;
      if (row < 0 || row >= height) continue;
      for (let j = 0; j < outWidth; j++) {
        const col = j * strideWidth + pads.left;
        if (col < 0 || col >= width) continue;
        const from = ((b * outHeight + i) * outWidth + j) * channels;
        const to = ((b * height + row) * width + col) * channels;
        for (let c = 0; c < channels; c++) target[to + c] = source[from + c]!;
      }
    }
  }
  return canvas;
}

/**
 * The input of the stride-1 forward convolution that computes an input gradient, and its
 * padding: `dy` `[B, oh, ow, C]` itself with the padding of {@link inputGradPads} when the
 * forward stride is 1 and no pad is negative (free), else `dy` spread onto a zero canvas
 * ({@link spreadOnCanvas}) with `'valid'` padding.
 */
export function inputGradSource(
  scratch: Scratch,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): { source: TensorInfo; pad: ExplicitPadding | 'valid' } {
  const pads = inputGradPads(info);
  if (info.strideHeight === 1 && info.strideWidth === 1 && isNonNegative(pads)) {
    return { source: dy, pad: explicitPadding(pads) };
  }
  return {
    source: spreadOnCanvas(scratch, dy, info.strideHeight, info.strideWidth, pads),
    pad: 'valid',
  };
}
