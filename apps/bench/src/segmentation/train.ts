import * as tf from '@tensorflow/tfjs-core';
import { fusedAdam } from '@uqjs/backend';
import { deriveSeed, Rng } from '@uqjs/core';
import { segmentationLoss } from '@uqjs/segmentation';
import { ADAM } from '../train.js';
import type { Segmenter } from './segmenter.js';
import type { SegmentationSplit } from './split.js';

/**
 * Images `[B, H, W, C]` and masks `[B, H, W]` (int32) of the examples `indices` of `split`.
 *
 * @since 0.1.0
 */
export function batchOf(
  split: SegmentationSplit,
  indices: ArrayLike<number>,
): { x: tf.Tensor4D; y: tf.Tensor3D } {
  const [, h, w, c] = split.shape;
  const image = h * w * c;
  const pixels = h * w;
  const x = new Float32Array(indices.length * image);
  const y = new Int32Array(indices.length * pixels);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b] as number;
    x.set(split.images.subarray(i * image, (i + 1) * image), b * image);
    y.set(split.masks.subarray(i * pixels, (i + 1) * pixels), b * pixels);
  }
  return {
    x: tf.tensor4d(x, [indices.length, h, w, c]),
    y: tf.tensor3d(y, [indices.length, h, w], 'int32'),
  };
}

/** `0 .. n-1` in consecutive batches of `size` (the last one shorter). */
export function batchRanges(n: number, size: number): Int32Array[] {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += size) out.push(order.subarray(start, start + size));
  return out;
}

/**
 * Mean NLL over the non-ignored pixels of `split`, dropout off, the head at its test samples.
 *
 * @since 0.1.0
 */
export async function splitNll(
  net: Segmenter,
  split: SegmentationSplit,
  batchSize: number,
): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const indices of batchRanges(split.shape[0], batchSize)) {
    const { x, y } = batchOf(split, indices);
    const valid = tf.tidy(() => tf.sum(tf.cast(tf.notEqual(y, 255), 'float32')));
    const loss = tf.tidy(() =>
      segmentationLoss(y, net.logProbs(x, { training: false, dropout: false })),
    );
    const [n, l] = [(await valid.data())[0] ?? 0, (await loss.data())[0] ?? Number.NaN];
    sum += n > 0 ? l * n : 0;
    count += n;
    tf.dispose([x, y, valid, loss]);
  }
  return count > 0 ? sum / count : Number.NaN;
}

/**
 * What training did; the weights are left at the epoch of the lowest validation NLL.
 *
 * @since 0.1.0
 */
export interface SegmentationTrainResult {
  readonly bestEpoch: number;
  readonly epochs: number;
  readonly trainLoss: number[];
  readonly validationNll: number[];
}

/**
 * Trains `net` with Adam on the mean per-pixel NLL (`segmentationLoss`, 255 ignored): a fresh
 * order every epoch (`deriveSeed(seed, 'shuffle', epoch)`), dropout on (a fresh mask per step),
 * validation NLL (dropout off) after every epoch, early
 * stopping after `patience` epochs without a lower one, and the best epoch's weights restored.
 *
 * @since 0.1.0
 */
export async function trainSegmenter(
  net: Segmenter,
  data: { readonly train: SegmentationSplit; readonly validation: SegmentationSplit },
  opts: {
    readonly epochs: number;
    readonly patience: number;
    readonly batchSize: number;
    readonly learningRate: number;
    readonly seed: number;
    readonly onEpoch?: (epoch: number, validationNll: number) => void;
  },
): Promise<SegmentationTrainResult> {
  const optimizer = fusedAdam(opts.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const variables = net.variables();
  const n = data.train.shape[0];
  const trainLoss: number[] = [];
  const validationNll: number[] = [];
  let best: { nll: number; epoch: number; weights: tf.Tensor[] | null } = {
    nll: Number.POSITIVE_INFINITY,
    epoch: 0,
    weights: null,
  };
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = new Rng(deriveSeed(opts.seed, 'shuffle', epoch)).permutation(n);
      let lossSum = 0;
      let steps = 0;
      for (let start = 0; start < n; start += opts.batchSize, steps++) {
        const { x, y } = batchOf(data.train, order.subarray(start, start + opts.batchSize));
        const cost = optimizer.minimize(
          () =>
            segmentationLoss(y, net.logProbs(x, { training: true, dropout: true })) as tf.Scalar,
          true,
          variables,
        ) as tf.Scalar;
        lossSum += (await cost.data())[0] ?? Number.NaN;
        tf.dispose([cost, x, y]);
      }
      trainLoss.push(lossSum / steps);
      const value = await splitNll(net, data.validation, opts.batchSize);
      validationNll.push(value);
      opts.onEpoch?.(epoch, value);
      if (value < best.nll) {
        if (best.weights) tf.dispose(best.weights);
        best = { nll: value, epoch, weights: variables.map((v) => v.clone()) };
      } else if (epoch - best.epoch >= opts.patience) {
        break;
      }
    }
    const weights = best.weights;
    if (weights) {
      variables.forEach((v, i) => {
        v.assign(weights[i] as tf.Tensor);
      });
    }
    return { bestEpoch: best.epoch, epochs: trainLoss.length, trainLoss, validationNll };
  } finally {
    if (best.weights) tf.dispose(best.weights);
    optimizer.dispose();
  }
}
