import * as tf from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@uqjs/core';
import type { DatasetName, ModelSize } from './config.js';

/**
 * Slope of the leaky ReLU for negative inputs (TensorFlow's `tf.nn.leaky_relu` default).
 *
 * @since 0.1.0
 */
export const LEAKY_ALPHA = 0.2;

/**
 * The network body before the output head, as data.
 *
 * @since 0.1.0
 */
export type BodySpec =
  | { readonly kind: 'mlp'; readonly hidden: readonly number[] }
  | {
      readonly kind: 'cnn';
      readonly filters: readonly number[];
      readonly dense: readonly number[];
    };

/**
 * The body of the paper's protocol (appendix D) for a dataset, or a tiny one for tests:
 * MNIST: MLP 3 x 1024; CIFAR-10 / SVHN: 3x3 convolutions with 32, 64, 64 filters, each followed
 * by 2x2 max-pooling with stride 1, then dense 256 and 128; moons: MLP 3 x 128. Leaky ReLU
 * everywhere.
 *
 * @since 0.1.0
 */
export function bodySpec(dataset: DatasetName, size: ModelSize): BodySpec {
  const image = dataset === 'cifar10' || dataset === 'svhn';
  if (size === 'tiny') {
    return image ? { kind: 'cnn', filters: [8], dense: [16] } : { kind: 'mlp', hidden: [32] };
  }
  if (image) return { kind: 'cnn', filters: [32, 64, 64], dense: [256, 128] };
  return { kind: 'mlp', hidden: dataset === 'moons' ? [128, 128, 128] : [1024, 1024, 1024] };
}

/**
 * Whether the body takes flat `[B, D]` inputs (MLP) or images `[B, H, W, C]` (CNN).
 *
 * @since 0.1.0
 */
export function takesFlatInput(spec: BodySpec): boolean {
  return spec.kind === 'mlp';
}

/**
 * Hooks a method uses to change the body without copying it.
 *
 * @since 0.1.0
 */
export interface BodyHooks {
  /** Wraps each hidden Dense / Conv2D layer (e.g. spectral normalization). */
  readonly wrapLayer?: (layer: tf.layers.Layer, index: number) => tf.layers.Layer;
  /** Applied after each hidden block's activation (e.g. MC dropout). */
  readonly afterBlock?: (x: tf.SymbolicTensor, index: number) => tf.SymbolicTensor;
}

function glorot(seed: number, path: readonly (string | number)[]) {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'body', ...path) });
}

/**
 * Applies the body to `input`: `[B, D]` (MLP) or `[B, H, W, C]` (CNN) in, features
 * `[B, F]` out. Every kernel is Glorot-uniform from `deriveSeed(seed, 'body', ...)`, so two
 * methods built with the same seed start from the same body weights (paired comparisons).
 *
 * @since 0.1.0
 */
export function applyBody(
  input: tf.SymbolicTensor,
  spec: BodySpec,
  seed: number,
  hooks: BodyHooks = {},
): tf.SymbolicTensor {
  const wrap = hooks.wrapLayer ?? ((layer: tf.layers.Layer) => layer);
  const after = hooks.afterBlock ?? ((x: tf.SymbolicTensor) => x);
  let x = input;
  let block = 0;
  const activate = (t: tf.SymbolicTensor) =>
    after(tf.layers.leakyReLU({ alpha: LEAKY_ALPHA }).apply(t) as tf.SymbolicTensor, block++);
  if (spec.kind === 'cnn') {
    spec.filters.forEach((filters, i) => {
      const conv = tf.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: 'valid',
        kernelInitializer: glorot(seed, ['conv', i]),
      });
      x = activate(wrap(conv, block).apply(x) as tf.SymbolicTensor);
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }).apply(x) as tf.SymbolicTensor;
    });
    // [B, H', W', C'] -> [B, H' * W' * C'] for the dense layers.
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  }
  const widths = spec.kind === 'cnn' ? spec.dense : spec.hidden;
  widths.forEach((units, i) => {
    const dense = tf.layers.dense({ units, kernelInitializer: glorot(seed, ['dense', i]) });
    x = activate(wrap(dense, block).apply(x) as tf.SymbolicTensor);
  });
  return x;
}

/**
 * A seeded Glorot-uniform initializer for a method's output layer.
 *
 * @since 0.1.0
 */
export function headInitializer(seed: number, name: string) {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'head', name) });
}
