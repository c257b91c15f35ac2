import { add, concat, matMul, serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, layers } from '@tensorflow/tfjs-layers';
import {
  checkFiniteNumber,
  checkPositiveInteger,
  deriveSeed,
  InvalidArgumentError,
  type LayerCallKwargs as Kwargs,
  type LayerArgs,
  layerArgsObject,
  layerSeed,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';

/**
 * Arguments of {@link ConfidenceBranch}.
 *
 * @since 0.1.0
 */
export interface ConfidenceBranchArgs extends LayerArgs {
  /** Number of classes `K` (at least 2). */
  units: number;
  /**
   * Seed of the two kernels' Glorot-uniform initializers (`deriveSeed(seed, 'logits')` and
   * `deriveSeed(seed, 'confidence')`). Default: tfjs's unseeded initializer.
   */
  seed?: number;
  /**
   * Initial bias of the confidence logit; `sigmoid(confidenceBiasInit)` is the starting
   * confidence of every input. Default `0` (`c = 0.5`).
   */
  confidenceBiasInit?: number;
}

/**
 * The learned-confidence output layer (DeVries and Taylor, *Learning Confidence for
 * Out-of-Distribution Detection in Neural Networks*, 2018): two dense projections of the same
 * features `h` `[B, F]`, the class logits `h W + b` `[B, K]` and a confidence logit
 * `h w_c + b_c` `[B, 1]`, whose sigmoid `c` in `(0, 1)` is the network's own estimate of
 * whether it can classify the input. It outputs both side by side, `[B, K + 1]`: columns
 * `0..K-1` the logits, column `K` the confidence logit (split them with `splitConfidence`).
 *
 * Train it with `confidenceLoss` / `trainWithConfidence`; predict with `confidencePredict`,
 * whose `confidence` is an out-of-distribution score (higher = in-distribution).
 *
 * @example
 * ```ts
 * import { layers, sequential } from '@tensorflow/tfjs-layers';
 * import { ConfidenceBranch } from '@uqjs/learned-confidence';
 *
 * const model = sequential();
 * model.add(layers.dense({ inputShape: [2], units: 32, activation: 'relu' }));
 * model.add(new ConfidenceBranch({ units: 2, seed: 1 })); // output [B, 3]
 * ```
 * @since 0.1.0
 */
export class ConfidenceBranch extends layers.Layer {
  /** @nocollapse */
  static className = 'ConfidenceBranch';
  /** Number of classes `K`. */
  readonly units: number;
  /** Seed of the kernel initializers, if given. */
  readonly seed: number | undefined;
  /** Initial bias of the confidence logit. */
  readonly confidenceBiasInit: number;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private confidenceKernel: LayerVariable | null = null;
  private confidenceBias: LayerVariable | null = null;

  constructor(args: ConfidenceBranchArgs) {
    const fn = 'ConfidenceBranch';
    super(layerArgsObject(args, fn, 'an object { units, seed?, confidenceBiasInit? }'));
    const units = checkPositiveInteger(args.units, 'units', fn);
    if (units < 2) {
      throw new InvalidArgumentError({ fn, argument: 'units', expected: '>= 2', given: units });
    }
    this.units = units;
    this.seed = layerSeed(args.seed, fn);
    this.confidenceBiasInit = checkFiniteNumber(
      args.confidenceBiasInit ?? 0,
      'confidenceBiasInit',
      fn,
    );
  }

  override build(inputShape: Shape | Shape[]): void {
    const features = this.featureDim(singleShape(inputShape, 'ConfidenceBranch.build'));
    const kernelInit = (role: string) =>
      initializers.glorotUniform(
        this.seed === undefined ? {} : { seed: deriveSeed(this.seed, role) },
      );
    this.kernel = this.addWeight('kernel', [features, this.units], 'float32', kernelInit('logits'));
    this.bias = this.addWeight('bias', [this.units], 'float32', initializers.zeros());
    this.confidenceKernel = this.addWeight(
      'confidenceKernel',
      [features, 1],
      'float32',
      kernelInit('confidence'),
    );
    this.confidenceBias = this.addWeight(
      'confidenceBias',
      [1],
      'float32',
      initializers.constant({ value: this.confidenceBiasInit }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'ConfidenceBranch.computeOutputShape');
    this.featureDim(shape);
    return [shape[0] ?? null, this.units + 1];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const h = singleInput(inputs, 'ConfidenceBranch.call');
      this.featureDim(h.shape);
      // [B, F] x [F, K] + [K] -> [B, K] logits; [B, F] x [F, 1] + [1] -> [B, 1] confidence logit.
      const logits = add(matMul(h, this.kernel!.read()), this.bias!.read());
      const confidence = add(matMul(h, this.confidenceKernel!.read()), this.confidenceBias!.read());
      // [B, K] ++ [B, 1] -> [B, K + 1].
      return concat([logits, confidence], 1);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = {
      units: this.units,
      confidenceBiasInit: this.confidenceBiasInit,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...super.getConfig(), ...config };
  }

  /** The feature size `F` of a `[B, F]` input; a `ShapeError` naming the layer otherwise. */
  private featureDim(shape: readonly (number | null)[]): number {
    const features = shape[1];
    if (shape.length !== 2 || typeof features !== 'number' || features < 1) {
      throw new ShapeError({
        fn: `ConfidenceBranch '${this.name}'`,
        argument: 'inputs',
        expected: 'features of shape [B, F] with a known F >= 1',
        given: shape,
      });
    }
    if (this.kernel !== null && this.kernel.shape[0] !== features) {
      throw new ShapeError({
        fn: `ConfidenceBranch '${this.name}'`,
        argument: 'inputs',
        expected: `features of shape [B, ${this.kernel.shape[0]}] (the built size)`,
        given: shape,
      });
    }
    return features;
  }
}

serialization.registerClass(ConfidenceBranch);
