import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  cropNegativePads,
  explicitPadding,
  filterGradPads,
  inputGradSource,
} from './conv-geometry.js';
import { type KernelArgs, reshape, transpose, withScratch } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm (the stock backend has none), through the
 * backend's forward `DepthwiseConv2dNative`. Forward, output channel `c*M + m` is input channel
 * `c` convolved with `w[:, :, c, m]`; so `dx[..., c] = sum_m` (input gradient of a one-channel
 * convolution), which is a depthwise convolution (multiplier 1, `C*M` channels) of the
 * stride-dilated `dy` with the flipped filter, summed over `m`.
 *
 * Shapes: `dy` `[B, oh, ow, C*M]`, `filter` `[fh, fw, C, M]`, output `inputShape`
 * `[B, H, W, C]`. Padding as for conv2d ({@link inputGradPads}).
 */
export function depthwiseConv2dBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [filterHeight, filterWidth, channels, multiplier] = filter.shape as Shape4;
  return withScratch(args.backend, (scratch) => {
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    // [fh, fw, C, M] -> [fh, fw, C*M, 1]: one filter per dy channel c*M + m.
    const perChannel = reshape(scratch, flipped, [
      filterHeight,
      filterWidth,
      channels * multiplier,
      1,
    ]);
    const { source, pad } = inputGradSource(scratch, dy, info);
    const full = scratch.run(
      'DepthwiseConv2dNative',
      { x: source, filter: perChannel },
      {
        strides: [1, 1],
        dilations: [info.dilationHeight, info.dilationWidth],
        pad,
      },
    );
    if (multiplier === 1) return full;
    // [B, H, W, C*M] -> [B, H, W, C, M], then sum over the multiplier m.
    const split = reshape(scratch, full, [
      info.batchSize,
      info.inHeight,
      info.inWidth,
      channels,
      multiplier,
    ]);
    return scratch.run('Sum', { x: split }, { axis: [4], keepDims: false });
  });
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (the stock backend has none):
 * `dw[p,q,c,m] = sum_{b,i,j} x[b, p*dh + i*sh - top, q*dw + j*sw - left, c] dy[b,i,j,c*M+m]`.
 * With the `B*C` (batch, channel) pairs as the channels of one image, this is one depthwise
 * convolution (`oh x ow` taps from `dy`, stride = forward dilation, dilation = forward stride,
 * padding of {@link filterGradPads}) followed by a sum over the batch.
 *
 * Shapes: `x` `[B, H, W, C]`, `dy` `[B, oh, ow, C*M]`, output `filterShape` `[fh, fw, C, M]`.
 */
export function depthwiseConv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [filterHeight, filterWidth, channels, multiplier] = attrs.filterShape;
  const batch = info.batchSize;
  return withScratch(args.backend, (scratch) => {
    const { x: xUsed, pads } = cropNegativePads(scratch, x, filterGradPads(info));
    const [, height = 0, width = 0] = xUsed.shape;
    // [B, H, W, C] -> [H, W, B, C] -> [1, H, W, B*C]: one image whose channels are (b, c).
    const xT = transpose(scratch, xUsed, [1, 2, 0, 3]);
    const image = reshape(scratch, xT, [1, height, width, batch * channels]);
    // [B, oh, ow, C*M] -> [oh, ow, B, C*M] -> [oh, ow, B*C, M]: taps for channel (b, c).
    const dyT = transpose(scratch, dy, [1, 2, 0, 3]);
    const taps = reshape(scratch, dyT, [
      info.outHeight,
      info.outWidth,
      batch * channels,
      multiplier,
    ]);
    const perImage = scratch.run(
      'DepthwiseConv2dNative',
      { x: image, filter: taps },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitPadding(pads),
      },
    );
    // [1, fh, fw, B*C*M] -> [fh, fw, B, C*M], summed over b, -> [fh, fw, C, M].
    const byBatch = reshape(scratch, perImage, [
      filterHeight,
      filterWidth,
      batch,
      channels * multiplier,
    ]);
    const summed = scratch.run('Sum', { x: byBatch }, { axis: [2], keepDims: false });
    return reshape(scratch, summed, [filterHeight, filterWidth, channels, multiplier]);
  });
}
