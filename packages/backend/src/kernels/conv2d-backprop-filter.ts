import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { cropNegativePads, explicitPadding, filterGradPads } from './conv-geometry.js';
import { type KernelArgs, transpose, withScratch } from './kernel-scope.js';

/** Kernel attributes, plus the dilation tfjs-core's own gradient never passes (default 1). */
type FilterGradAttrs = Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };

/**
 * `Conv2DBackpropFilter` for wasm (the stock backend has none): the filter gradient
 * `dw[p,q,c,o] = sum_{b,i,j} x[b, p*dh + i*sh - top, q*dw + j*sw - left, c] dy[b,i,j,o]`
 * computed by the backend's XNNPACK forward `Conv2D` on transposed operands:
 *
 * - `x` `[B, H, W, C]` -> `[C, H, W, B]` (the input channels become the batch, the batch the
 *   channels that the product sums over),
 * - `dy` `[B, oh, ow, O]` -> `[oh, ow, B, O]` (the output gradient becomes an `oh x ow` filter),
 * - convolve with stride = the forward dilation, dilation = the forward stride, and the
 *   padding of {@link filterGradPads}, giving `[C, fh, fw, O]`, transposed to `[fh, fw, C, O]`.
 *
 * Handles every stride, dilation and padding (`same`, `valid`, a number, explicit) and both
 * data formats (NCHW operands are transposed to NHWC first). Output `filterShape`.
 */
export function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as FilterGradAttrs;
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  return withScratch(args.backend, (scratch) => {
    const channelsFirst = info.dataFormat === 'channelsFirst';
    // NCHW [B, C, H, W] -> NHWC [B, H, W, C], for x and dy alike.
    const xNhwc = channelsFirst ? transpose(scratch, x, [0, 2, 3, 1]) : x;
    const dyNhwc = channelsFirst ? transpose(scratch, dy, [0, 2, 3, 1]) : dy;
    const { x: xUsed, pads } = cropNegativePads(scratch, xNhwc, filterGradPads(info));
    // [B, H, W, C] -> [C, H, W, B]: channels become the batch, the batch the summed channels.
    const xT = transpose(scratch, xUsed, [3, 1, 2, 0]);
    // [B, oh, ow, O] -> [oh, ow, B, O]: dy becomes a filter with oh x ow taps, B -> O channels.
    const dyT = transpose(scratch, dyNhwc, [1, 2, 0, 3]);
    const grad = scratch.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [info.dilationHeight, info.dilationWidth],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitPadding(pads),
        dataFormat: 'NHWC',
      },
    );
    // [C, fh, fw, O] -> [fh, fw, C, O], the layout of the filter.
    return transpose(scratch, grad, [1, 2, 0, 3]);
  });
}
