import { type LayersModel, layers, sequential } from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import { MCDropout } from '@uqjs/mc-dropout';

/** Options of {@link buildMlp}. */
export interface MlpOptions {
  /** Input features `D` of the first hidden layer (unused with a `stem`). */
  readonly inputDim: number;
  /**
   * A layer in front of the first hidden one, built with the model's `inputShape` in its
   * args: MIMO's `MimoStack` on `[M, D]` (`[N, M, D] -> [N, M * D]`).
   */
  readonly stem?: layers.Layer;
  /** Units of each hidden layer. */
  readonly hidden: number;
  /** Hidden layers. Default 2. */
  readonly depth?: number;
  /** When set, an always-on `MCDropout` of this rate follows every hidden layer. */
  readonly mcDropoutRate?: number;
  /** Seed of the MC dropout masks; layer `i` uses `deriveSeed(dropoutSeed, 'dropout', i)`. */
  readonly dropoutSeed?: number;
  /** The output layer: a `Dense` softmax, an `MCSoftmaxDense`, a regression head... */
  readonly head: layers.Layer;
}

/**
 * The toy body every method but SNGP shares: `depth` ReLU dense layers of `hidden` units
 * (each followed by `MCDropout` for MC dropout), then `head`. Initial weights come from
 * tfjs's default initializers, which draw their seeds from `Math.random` (seeded per run by
 * the worker, and per member by `DeepEnsemble`).
 *
 * Shapes: `[N, D]` in (the stem's input with one), the head's output out.
 */
export function buildMlp(opts: MlpOptions): LayersModel {
  const model = sequential();
  if (opts.stem !== undefined) model.add(opts.stem);
  const depth = opts.depth ?? 2;
  for (let i = 0; i < depth; i++) {
    model.add(
      layers.dense({
        ...(i === 0 && opts.stem === undefined ? { inputShape: [opts.inputDim] } : {}),
        units: opts.hidden,
        activation: 'relu',
      }),
    );
    if (opts.mcDropoutRate !== undefined) {
      model.add(
        new MCDropout({
          rate: opts.mcDropoutRate,
          ...(opts.dropoutSeed === undefined
            ? {}
            : { seed: deriveSeed(opts.dropoutSeed, 'dropout', i) }),
        }),
      );
    }
  }
  model.add(opts.head);
  return model;
}
