import type { serialization } from '@tensorflow/tfjs-core';
import {
  checkPositiveInteger,
  type LayerShape as Shape,
  ShapeError,
  singleShape,
} from '@uqjs/core';
import { BayesianLayer, type BayesianLayerArgs } from './bayesian-layer.js';

/**
 * Arguments of {@link DenseReparameterization} and {@link DenseFlipout}.
 *
 * @since 0.1.0
 */
export interface BayesianDenseArgs extends BayesianLayerArgs {
  /** Output width `U`. */
  units: number;
}

/**
 * What the two Bayes by Backprop dense layers share: the kernel `[D, U]`, the bias `[U]`, and
 * the input `[B, D]` to output `[B, U]` shapes. Subclasses supply the estimator.
 *
 * @since 0.1.0
 */
export abstract class BayesianDense extends BayesianLayer {
  /** Output width `U`. */
  readonly units: number;

  constructor(args: BayesianDenseArgs, fn: string) {
    super(args, fn, 'units');
    this.units = checkPositiveInteger(args.units, 'units', fn);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, this.getClassName());
    this.kernelShape(shape);
    return [shape[0]!, this.units];
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }

  /** `[D, U]` for an input `[B, D]` with a known `D >= 1`. */
  protected override kernelShape(inputShape: Shape): number[] {
    const inputDim = inputShape[1];
    if (inputShape.length !== 2 || typeof inputDim !== 'number' || inputDim < 1) {
      throw new ShapeError({
        fn: this.getClassName(),
        argument: 'inputShape',
        expected: 'of shape [B, D] with a known D >= 1',
        given: inputShape,
      });
    }
    return [inputDim, this.units];
  }
}
