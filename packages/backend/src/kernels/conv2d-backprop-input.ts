import {
  backend_util,
  type Conv2DBackpropInputAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { inputGradSource } from './conv-geometry.js';
import { type KernelArgs, transpose, withScratch } from './kernel-scope.js';

/** Kernel attributes, plus the dilation tfjs-core's own gradient never passes (default 1). */
type InputGradAttrs = Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };

/**
 * `Conv2DBackpropInput` for wasm through the backend's XNNPACK forward `Conv2D` (the stock
 * kernel is a direct loop at ~3 GFLOP/s): the input gradient of a convolution is the stride-1
 * convolution of the stride-dilated output gradient with the spatially flipped filter whose
 * in/out channels are swapped,
 * `dx[b,h,w,c] = sum dyUp[b, h - top' + p*dh, w - left' + q*dw, o] wFlip[p,q,o,c]`,
 * `wFlip[p,q,o,c] = w[fh-1-p, fw-1-q, c, o]`, padded as in {@link inputGradPads}.
 *
 * With stride 1 the padding is the convolution's own (free); with a larger stride, or padding
 * that must crop, `dy` is first spread onto a zero canvas ({@link spreadOnCanvas}). Handles
 * every stride, dilation and padding and both data formats. Output `inputShape`.
 */
export function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as InputGradAttrs;
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  return withScratch(args.backend, (scratch) => {
    const channelsFirst = info.dataFormat === 'channelsFirst';
    // NCHW [B, O, oh, ow] -> NHWC [B, oh, ow, O].
    const dyNhwc = channelsFirst ? transpose(scratch, dy, [0, 2, 3, 1]) : dy;
    // Flip both spatial axes, then [fh, fw, C, O] -> [fh, fw, O, C].
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wFlip = transpose(scratch, flipped, [0, 1, 3, 2]);
    const { source, pad } = inputGradSource(scratch, dyNhwc, info);
    const dx = scratch.run(
      'Conv2D',
      { x: source, filter: wFlip },
      {
        strides: [1, 1],
        dilations: [info.dilationHeight, info.dilationWidth],
        pad,
        dataFormat: 'NHWC',
      },
    );
    // NHWC [B, H, W, C] -> NCHW [B, C, H, W] when the caller works channels-first.
    return channelsFirst ? transpose(scratch, dx, [0, 3, 1, 2]) : dx;
  });
}
