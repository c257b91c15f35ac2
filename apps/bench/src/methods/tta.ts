import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UqjsError } from '@uqjs/core';
import { type TtaTransform, testTimeAugmentation } from '@uqjs/ensembles';
import type { Method, MethodContext, MethodModel } from './method.js';
import { homoscedastic } from './tempered-softmax.js';

/**
 * Largest shift, in pixels, of {@link TTA_TRANSFORMS}.
 *
 * @since 0.1.0
 */
export const TTA_SHIFT = 2;

/**
 * The test-time augmentations of `tta`: the identity, the horizontal flip, and shifts by
 * {@link TTA_SHIFT} pixels left, right, up and down (zero fill).
 *
 * @since 0.1.0
 */
export const TTA_TRANSFORMS: readonly TtaTransform[] = [
  {},
  { flip: true },
  { dx: TTA_SHIFT },
  { dx: -TTA_SHIFT },
  { dy: TTA_SHIFT },
  { dy: -TTA_SHIFT },
];

/**
 * Test-time augmentation: the homoscedastic network, trained as usual, predicted with
 * `testTimeAugmentation` of `@uqjs/ensembles` over {@link TTA_TRANSFORMS}, `p = mean_t
 * softmax(f(T_t(x)))` (the transforms are the members). An MLP body takes rows `[B, H*W*C]`:
 * at prediction they are reshaped to the dataset's images `[B, H, W, C]` for the transforms,
 * and a model that flattens them back feeds the trained network.
 *
 * @throws {UqjsError} when the context has no `imageShape`, or its examples are not images a
 *   shift of {@link TTA_SHIFT} pixels applies to (moons' 2-D points are `[1, 1, 2]`).
 * @since 0.1.0
 */
export const tta: Method = {
  name: 'tta',
  create(context: MethodContext): MethodModel {
    const image = context.imageShape;
    if (image === undefined) {
      throw new UqjsError(
        "uqjs-bench tta: the method context has no imageShape (the transforms act on the dataset's images)",
      );
    }
    const [height, width] = image;
    if (height <= TTA_SHIFT || width <= TTA_SHIFT) {
      throw new UqjsError(
        `uqjs-bench tta: test-time augmentation flips and shifts images by ${TTA_SHIFT} pixels, so it needs images larger than ${TTA_SHIFT} x ${TTA_SHIFT}; this dataset's examples are [${image.join(', ')}] (moons has 2-D points, not images): use it on mnist, cifar10 or svhn`,
      );
    }
    const base = homoscedastic.create(context);
    const network = base.models[0]!;
    const flat = context.inputShape.length === 1;
    // On an MLP body, a model [B, H, W, C] -> flatten -> the trained network, sharing its weights.
    const imageInput = flat ? tfl.input({ shape: [...image] }) : null;
    const imageModel = imageInput
      ? tfl.model({
          inputs: imageInput,
          outputs: network.apply(tfl.layers.flatten().apply(imageInput)) as tfl.SymbolicTensor,
        })
      : network;
    return {
      models: base.models,
      loss: base.loss,
      predict: (x) => {
        // [B, H*W*C] rows -> [B, H, W, C] images, in the dataset's row-major pixel order.
        const images = flat ? tf.reshape(x, [-1, ...image]) : x;
        try {
          return testTimeAugmentation(imageModel, images, {
            transforms: TTA_TRANSFORMS,
            output: 'logits',
          });
        } finally {
          if (images !== x) images.dispose();
        }
      },
      // Disposing the image model disposes the network it wraps (its only layer with weights).
      dispose: () => (imageModel === network ? base.dispose() : imageModel.dispose()),
    };
  },
};
