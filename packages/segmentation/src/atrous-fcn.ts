import { type LayersModel, layers, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { checkPositiveInteger, InvalidArgumentError } from '@uqjs/core';
import { type BodyOptions, bodyInput, checkBodyOptions, LayerFactory } from './body-options.js';

const FN = 'buildAtrousFcn';

/**
 * Options of {@link buildAtrousFcn}.
 *
 * @since 0.1.0
 */
export interface AtrousFcnOptions extends BodyOptions {
  /** Dilation rates of the parallel atrous branches (at half resolution). Default `[1, 2, 4]`. */
  readonly atrousRates?: readonly number[];
}

/**
 * A small DeepLab-style fully convolutional network (Chen et al., DeepLab v3+) as a
 * tfjs-layers model: images `[B, H, W, C]` to per-pixel features `[B, H, W, D]` with
 * `D = baseFilters`.
 *
 * Stem: a 3x3 convolution (`baseFilters`, kept as the low-level skip) and a stride-2 3x3
 * convolution (`2 baseFilters`, output stride 2). Atrous spatial pyramid pooling: parallel 3x3
 * convolutions with the dilation rates `atrousRates` (a rate of 1 is a plain convolution),
 * concatenated and fused by a 1x1 convolution (`2 baseFilters`), optional dropout. Decoder:
 * 2x bilinear upsampling, concatenation with the skip, a 3x3 convolution to `baseFilters`,
 * optional dropout. Every convolution has a ReLU, which is what lets the dilated ones train
 * (tfjs-core has no gradient for dilated convolutions; `@uqjs/backend`'s
 * `registerDilatedConv2dGradient`, called by `enableFastWasmTraining`, adds it, for layers
 * whose activation is `relu`). `same` padding, He-normal kernels seeded per layer.
 *
 * @example
 * ```ts
 * registerDilatedConv2dGradient(); // from @uqjs/backend, to train
 * const body = buildAtrousFcn({ inputShape: [32, 32, 3], baseFilters: 8, atrousRates: [1, 2, 4], seed: 1 });
 * ```
 * @throws `InvalidArgumentError` naming the option: an input shape that is not three positive
 * integers with even H and W, an empty or non-integer `atrousRates`, a dropout rate outside `[0, 1)`.
 * @since 0.1.0
 */
export function buildAtrousFcn(opts: AtrousFcnOptions): LayersModel {
  const body = checkBodyOptions(opts, 2, FN);
  const rates = opts.atrousRates ?? [1, 2, 4];
  if (!Array.isArray(rates) || rates.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'opts.atrousRates',
      expected: 'a non-empty array of positive integers',
      given: rates,
    });
  }
  for (const [i, rate] of rates.entries()) checkPositiveInteger(rate, `opts.atrousRates[${i}]`, FN);
  const make = new LayerFactory(body, 'fcn');
  const wide = 2 * body.baseFilters;
  const input = bodyInput(body, 'fcn');
  const skip = make.conv(input, 'stem', body.baseFilters);
  const half = make.conv(skip, 'down', wide, { strides: 2 });
  const branches = rates.map((rate, i) =>
    make.conv(half, `aspp${i}_rate${rate}`, wide, { dilationRate: rate }),
  );
  const pyramid =
    branches.length === 1
      ? branches[0]!
      : (layers.concatenate({ name: 'fcn_aspp_concat' }).apply(branches) as SymbolicTensor);
  const fused = make.dropout(
    make.conv(pyramid, 'aspp_fuse', wide, { kernelSize: 1 }),
    'aspp_dropout',
  );
  const up = layers
    .upSampling2d({ name: 'fcn_up', size: [2, 2], interpolation: 'bilinear' })
    .apply(fused) as SymbolicTensor;
  const merged = layers.concatenate({ name: 'fcn_concat' }).apply([up, skip]) as SymbolicTensor;
  const features = make.dropout(make.conv(merged, 'decode', body.baseFilters), 'decode_dropout');
  return model({ inputs: input, outputs: features, name: 'atrous_fcn' });
}
