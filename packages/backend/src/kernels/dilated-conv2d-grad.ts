import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type GradConfig,
  getGradient,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';

/** `[dh, dw]` from a dilation attribute (a number or a pair). */
function pair(value: number | [number, number] | undefined): [number, number] {
  if (value === undefined) return [1, 1];
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * The `spaceToBatchND` / `batchToSpaceND` geometry of a dilated, stride-1 convolution of an
 * NHWC input: `conv(x, w, dilation d) = B2S(conv(S2B(x, d, pads), w, 'valid'), d, crops)`.
 *
 * `S2B` pads `x` by the convolution's own padding (`top`, `left`, and `bottom`, `right` plus
 * the few extra rows/columns that make the padded size a multiple of the block), then moves
 * each of the `dh x dw` phases `(r, s)` of the padded grid into its own batch entry, where
 * the dilated filter becomes a dense one. `B2S` interleaves the phases back and crops the
 * extra rows/columns again.
 */
interface AtrousGeometry {
  readonly block: [number, number];
  readonly pads: [[number, number], [number, number]];
  readonly crops: [[number, number], [number, number]];
}

function atrousGeometry(info: backend_util.Conv2DInfo): AtrousGeometry {
  const { padInfo } = info;
  const dh = info.dilationHeight;
  const dw = info.dilationWidth;
  const paddedHeight = info.inHeight + padInfo.top + padInfo.bottom;
  const paddedWidth = info.inWidth + padInfo.left + padInfo.right;
  // Rows/columns that round the padded size up to a multiple of the block.
  const extraHeight = (dh - (paddedHeight % dh)) % dh;
  const extraWidth = (dw - (paddedWidth % dw)) % dw;
  return {
    block: [dh, dw],
    pads: [
      [padInfo.top, padInfo.bottom + extraHeight],
      [padInfo.left, padInfo.right + extraWidth],
    ],
    crops: [
      [0, extraHeight],
      [0, extraWidth],
    ],
  };
}

/**
 * The gradients of a dilated stride-1 NHWC convolution `y = conv(x, w)`, from `dy`
 * `[B, oh, ow, O]`: with `xs = S2B(x)` `[dh dw B, Hs, Ws, C]` and `dys = S2B(dy, crops)`
 * `[dh dw B, Hs - fh + 1, Ws - fw + 1, O]` (the adjoint of the cropping `B2S`), the dense
 * `valid` convolution's gradients give `dw = conv2DBackpropFilter(xs, dys)` and
 * `dx = B2S(conv2DBackpropInput(xs.shape, dys, w), pads)` (the adjoint of the padding `S2B`).
 * Every op used has a kernel on cpu, webgpu, and wasm (with `enableFastWasmTraining`).
 */
function atrousGradients(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: backend_util.Conv2DInfo,
): { dx: () => tf.Tensor4D; dFilter: () => tf.Tensor4D } {
  const { block, pads, crops } = atrousGeometry(info);
  const spreadDy = () => tf.spaceToBatchND(dy, block, crops);
  return {
    dx: () =>
      tf.tidy(() => {
        const dys = spreadDy();
        const [batch, height, width] = x.shape;
        const blocks = block[0] * block[1];
        const xsShape: [number, number, number, number] = [
          batch * blocks,
          (height + pads[0][0] + pads[0][1]) / block[0],
          (width + pads[1][0] + pads[1][1]) / block[1],
          x.shape[3],
        ];
        const dxs = tf.conv2dTranspose(dys, filter, xsShape, 1, 'valid');
        return tf.batchToSpaceND(dxs, block, pads) as tf.Tensor4D;
      }),
    dFilter: () =>
      tf.tidy(() => {
        const xs = tf.spaceToBatchND(x, block, pads);
        // tfjs-core exports no conv2DBackpropFilter op; run its kernel.
        const attrs: Conv2DBackpropFilterAttrs = {
          strides: 1,
          pad: 'valid',
          dataFormat: 'NHWC',
          filterShape: filter.shape,
        };
        return tf
          .engine()
          .runKernel(
            Conv2DBackpropFilter,
            { x: xs, dy: spreadDy() },
            attrs as unknown as NamedAttrMap,
          ) as tf.Tensor4D;
      }),
  };
}

/** `[B, C, H, W]` <-> `[B, H, W, C]`. */
const toNhwc = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]);
const toNchw = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]);

/** The gradient config that handles dilation > 1 and delegates everything else to `original`. */
function dilatedConv2dGradConfig(original: GradConfig): GradConfig {
  return {
    kernelName: Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: NamedAttrMap) => {
      const conv = attrs as unknown as Conv2DAttrs;
      const [dh, dw] = pair(conv.dilations);
      if (dh === 1 && dw === 1) return original.gradFunc(dy, saved, attrs as NamedAttrMap);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const channelsFirst = conv.dataFormat === 'NCHW';
      const xNhwc = channelsFirst ? toNhwc(x) : x;
      const dyNhwc = channelsFirst ? toNhwc(dy as tf.Tensor4D) : (dy as tf.Tensor4D);
      // tfjs-core allows dilation > 1 only with stride 1 (checked by the forward op).
      const info = backend_util.computeConv2DInfo(
        xNhwc.shape,
        filter.shape,
        conv.strides,
        [dh, dw],
        conv.pad,
        conv.dimRoundingMode,
      );
      const grads = atrousGradients(xNhwc, filter, dyNhwc, info);
      return {
        x: () => (channelsFirst ? tf.tidy(() => toNchw(grads.dx())) : grads.dx()),
        filter: grads.dFilter,
      };
    },
  };
}

let registered = false;

/**
 * Registers a gradient for tfjs-core's `Conv2D` kernel that also handles dilation rates
 * greater than 1 (atrous convolution, as DeepLab uses), which tfjs-core's own gradient
 * rejects ("dilation rates greater than 1 are not yet supported in gradients").
 *
 * A dilated stride-1 convolution equals `spaceToBatchND` -> dense `valid` convolution ->
 * `batchToSpaceND` (the `dh x dw` phases of the padded input become batch entries); its
 * gradients are the dense convolution's gradients moved through the adjoint reshuffles, so
 * they use only kernels every backend has (`SpaceToBatchND`, `BatchToSpaceND`,
 * `Conv2DBackpropInput`, `Conv2DBackpropFilter`; on `wasm` the last one comes from
 * `enableFastWasmTraining`, which calls this function). Both data formats, every padding
 * (`same`, `valid`, a number, explicit). Dilation-1 convolutions keep tfjs-core's gradient,
 * called unchanged.
 *
 * Gotcha: a tfjs-layers `conv2d` whose activation is `linear` (the default) or not
 * `relu`/`elu` runs tfjs-core's fused convolution in training, whose gradient is a closure
 * this registry cannot replace; it still throws for dilation > 1. Give dilated layers
 * `activation: 'relu'` (or `'elu'`), which trains through `Conv2D` and this gradient.
 *
 * Idempotent; works for every backend, before or after `tf.setBackend`. It builds on tfjs-core's
 * own `Conv2D` gradient, which exists once tfjs-core's gradients are registered (importing
 * `@tensorflow/tfjs-layers` or `@tensorflow/tfjs` does that; tfjs-core alone has none, so nothing
 * can be trained yet): until then it does nothing and returns `false`, and a later call registers.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-layers';
 * import { registerDilatedConv2dGradient } from '@uqjs/backend';
 * registerDilatedConv2dGradient();
 * const x = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 1);
 * const w = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2);
 * const dw = tf.grad((f: tf.Tensor4D) => tf.sum(tf.conv2d(x, f, 1, 'same', 'NHWC', 2)))(w);
 * ```
 * @returns whether the gradient is registered now.
 * @since 0.2.0
 */
export function registerDilatedConv2dGradient(): boolean {
  if (registered) return true;
  const original = getGradient(Conv2D);
  if (original === undefined) return false;
  tf.registerGradient(dilatedConv2dGradConfig(original));
  registered = true;
  return true;
}
