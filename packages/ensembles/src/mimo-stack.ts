import { reshape, serialization, type Tensor, tidy, transpose } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import {
  type LayerCallKwargs as Kwargs,
  type LayerShape as Shape,
  ShapeError,
  singleInput,
  singleShape,
} from '@uqjs/core';

const FN = 'MimoStack';

/**
 * The input layer of a MIMO network (Havasi et al., 2021): merges the `M` member inputs of a
 * row into one input of an ordinary network, with no weights.
 *
 * - Vectors: `[B, M, D] -> [B, M * D]`, member `m`'s features at columns `[m D, (m + 1) D)`.
 * - Images: `[B, M, H, W, C] -> [B, H, W, M * C]`, member `m`'s channels at
 *   `[m C, (m + 1) C)`, so a convolution sees every member's pixels at each location.
 *
 * Feed it `mimoBatch(...).inputs` in training and the input tiled `M` times at prediction
 * (`mimoPredict` does it).
 *
 * @example
 * ```ts
 * const input = tf.input({ shape: [3, 2] }); // M = 3 members, D = 2
 * const features = layers.dense({ units: 32, activation: 'relu' }).apply(new MimoStack().apply(input));
 * ```
 * @since 0.1.0
 */
export class MimoStack extends layers.Layer {
  /** @nocollapse */
  static className = 'MimoStack';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, FN);
    checkStackShape(shape);
    const [batch, m, ...rest] = shape as [number | null, number, ...number[]];
    if (rest.length === 1) return [batch, m * rest[0]!];
    const [h, w, c] = rest as [number, number, number];
    return [batch, h, w, m * c];
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = singleInput(inputs, FN);
      checkStackShape(x.shape);
      const [rows, m, ...rest] = x.shape as [number, number, ...number[]];
      // [B, M, D] -> [B, M * D]: row-major, member m's D features are contiguous.
      if (rest.length === 1) return reshape(x, [rows, m * rest[0]!]);
      const [h, w, c] = rest as [number, number, number];
      // [B, M, H, W, C] -> [B, H, W, M, C] -> [B, H, W, M * C]: member m's channels contiguous.
      return reshape(transpose(x, [0, 2, 3, 1, 4]), [rows, h, w, m * c]);
    });
  }
}

/** `[B, M, D]` or `[B, M, H, W, C]` with every size but `B` known. */
function checkStackShape(shape: readonly (number | null)[]): void {
  const ok = (shape.length === 3 || shape.length === 5) && shape.slice(1).every((s) => s !== null);
  if (!ok) {
    throw new ShapeError({
      fn: FN,
      argument: 'inputShape',
      expected: '[B, M, D] or [B, M, H, W, C] with M and the feature sizes known',
      given: shape,
    });
  }
}

serialization.registerClass(MimoStack);
