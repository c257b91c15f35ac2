import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Rng, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { checkMasks, IGNORE_LABEL, oneHotMasks, segmentationLoss } from '../src/index.js';

const [B, H, W, K] = [2, 3, 4, 4];

/** Seeded log-probabilities `[B, H, W, K]` (as nested numbers and a tensor) and labels with some 255s. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const logits = Array.from({ length: B * H * W * K }, () => 2 * rng.normal());
  const logProbs = tf.tidy(() => tf.logSoftmax(tf.tensor4d(logits, [B, H, W, K])));
  const labels = Array.from({ length: B * H * W }, () =>
    rng.uniform() < 0.3 ? IGNORE_LABEL : Math.floor(rng.uniform() * K),
  );
  return { logProbs, labels };
}

/** The mean of -log p[label] over the pixels whose label is not 255, in float64. */
function reference(logProbs: ArrayLike<number>, labels: number[]): number {
  let sum = 0;
  let count = 0;
  labels.forEach((label, pixel) => {
    if (label === IGNORE_LABEL) return;
    sum -= logProbs[pixel * K + label]!;
    count++;
  });
  return sum / count;
}

describe('segmentationLoss', () => {
  it('is the mean NLL over the pixels that are not ignored (sparse [B, H, W] and [B, H, W, 1])', async () => {
    const { logProbs, labels } = problem(1);
    expect(labels.filter((l) => l === IGNORE_LABEL).length).toBeGreaterThan(0);
    const want = reference(await logProbs.data(), labels);
    const sparse = segmentationLoss(tf.tensor3d(labels, [B, H, W]), logProbs);
    const column = segmentationLoss(tf.tensor4d(labels, [B, H, W, 1], 'int32'), logProbs);
    expect((await sparse.data())[0]).toBeCloseTo(want, 5);
    expect((await column.data())[0]).toBeCloseTo(want, 5);
    tf.dispose([logProbs, sparse, column]);
  });

  it('gives the same loss with oneHotMasks targets (the model.fit form)', async () => {
    const { logProbs, labels } = problem(2);
    const masks = tf.tensor3d(labels, [B, H, W], 'int32');
    const targets = oneHotMasks(masks, K);
    expect(targets.shape).toEqual([B, H, W, K]);
    const rows = await tf.sum(targets, -1).data();
    for (const [i, label] of labels.entries()) expect(rows[i]).toBe(label === IGNORE_LABEL ? 0 : 1);
    const dense = await segmentationLoss(targets, logProbs).data();
    const sparse = await segmentationLoss(masks, logProbs).data();
    expect(dense[0]).toBeCloseTo(sparse[0]!, 6);
    tf.dispose([logProbs, masks, targets]);
  });

  it('takes another ignore label, and gives 0 when every pixel is ignored', async () => {
    const { logProbs, labels } = problem(3);
    const relabelled = labels.map((l) => (l === IGNORE_LABEL ? 0 : l));
    const want = reference(
      await logProbs.data(),
      relabelled.map((l) => (l === 0 ? IGNORE_LABEL : l)),
    );
    const loss = segmentationLoss(tf.tensor3d(relabelled, [B, H, W]), logProbs, { ignoreLabel: 0 });
    expect((await loss.data())[0]).toBeCloseTo(want, 5);
    const none = segmentationLoss(tf.fill([B, H, W], IGNORE_LABEL), logProbs);
    expect(Math.abs((await none.data())[0]!)).toBe(0);
    tf.dispose([logProbs, loss, none]);
  });

  it('is NaN for a label outside the classes that is not the ignore label (no read-back)', async () => {
    const { logProbs, labels } = problem(4);
    const bad = [...labels];
    bad[5] = K; // class K does not exist
    const loss = segmentationLoss(tf.tensor3d(bad, [B, H, W]), logProbs);
    expect((await loss.data())[0]).toBeNaN();
    tf.dispose([logProbs, loss]);
  });

  it('has the gradient of the mean over counted pixels', async () => {
    const { logProbs, labels } = problem(5);
    const counted = labels.filter((l) => l !== IGNORE_LABEL).length;
    const grad = tf.grad((lp: tf.Tensor) => segmentationLoss(tf.tensor3d(labels, [B, H, W]), lp))(
      logProbs,
    );
    const g = await grad.data();
    labels.forEach((label, pixel) => {
      for (let k = 0; k < K; k++) {
        const want = label !== IGNORE_LABEL && label === k ? -1 / counted : 0;
        expect(g[pixel * K + k]).toBeCloseTo(want, 6);
      }
    });
    tf.dispose([logProbs, grad]);
  });

  it('names shape errors and leaks nothing', () => {
    const { logProbs } = problem(6);
    expect(() => segmentationLoss(tf.zeros([B, H, W + 1]), logProbs)).toThrow(ShapeError);
    expect(() => segmentationLoss(tf.zeros([B, H, W + 1]), logProbs)).toThrow(
      /segmentationLoss.*yTrue/,
    );
    expect(() => segmentationLoss(tf.zeros([B, H, W]), tf.zeros([B, H, K]))).toThrow(
      /yPred.*rank 4/,
    );
    expect(() => oneHotMasks(tf.zeros([B, H]), K)).toThrow(/oneHotMasks.*masks/);
    expect(() => oneHotMasks(tf.zeros([B, H, W]), 1)).toThrow(/numClasses/);
    const labels = tf.zeros([B, H, W]);
    tf.dispose(segmentationLoss(labels, logProbs));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      tf.dispose([segmentationLoss(labels, logProbs), oneHotMasks(labels, K)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logProbs, labels]);
  });
});

describe('checkMasks', () => {
  it('accepts labels in [0, K) and the ignore label, and names the first bad pixel', async () => {
    await expect(
      checkMasks(
        tf.tensor3d([
          [
            [0, 3],
            [255, 1],
          ],
        ]),
        K,
      ),
    ).resolves.toBeUndefined();
    await expect(
      checkMasks(
        tf.tensor3d([
          [
            [0, 3],
            [7, 1],
          ],
        ]),
        K,
      ),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      checkMasks(
        tf.tensor3d([
          [
            [0, 3],
            [7, 1],
          ],
        ]),
        K,
      ),
    ).rejects.toThrow(/masks\[0, 1, 0\].*\[0, 3\].*255.*7/);
    await expect(checkMasks(tf.tensor3d([[[0, 255]]]), K, 0)).rejects.toThrow(/masks\[0, 0, 1\]/);
  });
});
