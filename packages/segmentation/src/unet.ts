import { type LayersModel, layers, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { checkInteger } from '@uqjs/core';
import { type BodyOptions, bodyInput, checkBodyOptions, LayerFactory } from './body-options.js';

const FN = 'buildUNet';

/**
 * Options of {@link buildUNet}.
 *
 * @since 0.1.0
 */
export interface UNetOptions extends BodyOptions {
  /** Number of 2x downsamplings (encoder levels below the input resolution). Default 3. */
  readonly depth?: number;
}

/**
 * A small U-Net (Ronneberger et al., 2015) as a tfjs-layers model that maps images
 * `[B, H, W, C]` to per-pixel features `[B, H, W, D]` with `D = baseFilters`, for a per-pixel
 * head such as `MCSoftmaxPixelHead`.
 *
 * Encoder level `l = 0 .. depth - 1`: two 3x3 ReLU convolutions with `baseFilters * 2^l`
 * filters (kept as the skip), then 2x2 max-pooling; the bottleneck has `baseFilters * 2^depth`
 * filters. Decoder level `l = depth - 1 .. 0`: 2x nearest upsampling, a 3x3 convolution to
 * `baseFilters * 2^l` filters, concatenation with the skip, two 3x3 convolutions. With
 * `dropoutRate > 0`, dropout follows the bottleneck and every decoder level. `same` padding,
 * He-normal kernels seeded per layer from `seed`.
 *
 * @example
 * ```ts
 * const body = buildUNet({ inputShape: [32, 32, 3], baseFilters: 8, depth: 2, seed: 1 });
 * body.outputs[0].shape; // [null, 32, 32, 8]
 * ```
 * @throws `InvalidArgumentError` naming the option: an input shape that is not three positive
 * integers with H and W multiples of `2^depth`, `depth < 1`, a dropout rate outside `[0, 1)`.
 * @since 0.1.0
 */
export function buildUNet(opts: UNetOptions): LayersModel {
  const depth = checkInteger(opts?.depth ?? 3, 'opts.depth', FN, 1);
  const body = checkBodyOptions(opts, 2 ** depth, FN);
  const make = new LayerFactory(body, 'unet');
  const block = (x: SymbolicTensor, name: string, filters: number) =>
    make.conv(make.conv(x, `${name}_conv1`, filters), `${name}_conv2`, filters);
  const input = bodyInput(body, 'unet');
  const skips: SymbolicTensor[] = [];
  let x = input;
  for (let level = 0; level < depth; level++) {
    x = block(x, `down${level}`, body.baseFilters * 2 ** level);
    skips.push(x);
    x = layers.maxPooling2d({ name: `unet_pool${level}`, poolSize: 2 }).apply(x) as SymbolicTensor;
  }
  x = make.dropout(block(x, 'bottleneck', body.baseFilters * 2 ** depth), 'bottleneck_dropout');
  for (let level = depth - 1; level >= 0; level--) {
    const filters = body.baseFilters * 2 ** level;
    const up = layers
      .upSampling2d({ name: `unet_up${level}`, size: [2, 2] })
      .apply(x) as SymbolicTensor;
    const merged = layers
      .concatenate({ name: `unet_concat${level}` })
      .apply([make.conv(up, `up${level}_conv`, filters), skips[level]!]) as SymbolicTensor;
    x = make.dropout(block(merged, `dec${level}`, filters), `dec${level}_dropout`);
  }
  return model({ inputs: input, outputs: x, name: 'unet' });
}
