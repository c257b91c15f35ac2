import * as tf from '@tensorflow/tfjs-core';
import { BackendError, InvalidArgumentError, Rng } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  ece,
  meanIoU,
  nll,
  oodMetrics,
  SegmentationMetrics,
  type SegmentationResult,
} from '../src/index.js';
import { naiveEce, randomProbs } from './helpers.js';

/** A random segmentation batch set: `[B, H, W, K]` probabilities, labels, OOD mask. */
interface Pixels {
  readonly probs: number[][]; // [N, K], N = B H W
  readonly labels: number[]; // [N], 255 = void
  readonly oodMask: number[]; // [N]
}

/**
 * `n` pixels of `k` classes: labels from each pixel's own probabilities (so accuracy and
 * calibration are neither 0 nor 1), ~10% void (255) and ~15% OOD.
 */
function randomPixels(seed: number, n: number, k: number): Pixels {
  const probs = randomProbs(seed, n, k);
  const rng = new Rng(seed + 1);
  const labels = probs.map((row) => {
    if (rng.uniform() < 0.1) return 255;
    let u = rng.uniform();
    for (let c = 0; c < k; c++) {
      u -= row[c]!;
      if (u < 0) return c;
    }
    return k - 1;
  });
  const oodMask = probs.map(() => (rng.uniform() < 0.15 ? 1 : 0));
  return { probs, labels, oodMask };
}

/** Entropy in nats, written from the definition (`0 log 0 = 0`). */
function entropy(row: readonly number[]): number {
  return row.reduce((h, p) => (p > 0 ? h - p * Math.log(p) : h), 0);
}

/** First index of the largest entry. */
function argmax(row: readonly number[]): number {
  return row.indexOf(Math.max(...row));
}

/** Streams pixels [from, to) as one batch of flattened probabilities. */
function batch(px: Pixels, from: number, to: number, k: number) {
  return {
    probs: { data: Float64Array.from(px.probs.slice(from, to).flat()), numClasses: k },
    labels: px.labels.slice(from, to),
    oodMask: px.oodMask.slice(from, to),
  };
}

/** The streamed result over batches of the given sizes (in pixels), with OOD masks. */
function streamed(px: Pixels, k: number, sizes: readonly number[], bins = 15): SegmentationResult {
  const m = new SegmentationMetrics({ numClasses: k, bins });
  let at = 0;
  for (const size of sizes) {
    const b = batch(px, at, at + size, k);
    m.update(b.probs, b.labels, { oodMask: b.oodMask });
    at += size;
  }
  expect(at).toBe(px.probs.length);
  return m.result();
}

describe('SegmentationMetrics', () => {
  it('a hand-computed 2 x 3 map with one void pixel', () => {
    // K = 3; the pixel of label 255 (index 3) is left out everywhere.
    const probs = [
      [0.7, 0.2, 0.1], // label 0, pred 0, right, conf 0.7
      [0.1, 0.6, 0.3], // label 1, pred 1, right, conf 0.6
      [0.5, 0.4, 0.1], // label 1, pred 0, wrong, conf 0.5
      [0.2, 0.2, 0.6], // void: its prediction 2 must not count as a false positive of class 2
      [0.3, 0.3, 0.4], // label 2, pred 2, right, conf 0.4
      [0.1, 0.8, 0.1], // label 2, pred 1, wrong, conf 0.8
    ];
    const labels = [0, 1, 1, 255, 2, 2];
    const r = new SegmentationMetrics({ numClasses: 3, bins: 4 })
      .update({ data: probs.flat(), numClasses: 3 }, labels)
      .result();
    // Class 0: TP 1, labels 1, preds 2 -> 1/2. Class 1: TP 1, labels 2, preds 2 -> 1/3.
    // Class 2: TP 1, labels 2, preds 1 -> 1/2.
    expect(r.perClassIoU).toEqual([1 / 2, 1 / 3, 1 / 2]);
    expect(r.meanIoU).toBeCloseTo(4 / 9, 15);
    expect(r.pixelAccuracy).toBe(3 / 5);
    expect(r.pixels).toBe(5);
    // Bins of width 1/4: (1/4, 1/2] holds 0.5 (wrong) and 0.4 (right): |1 - 0.9| = 0.1;
    // (1/2, 3/4] holds 0.7, 0.6 (both right): |2 - 1.3| = 0.7; (3/4, 1] holds 0.8 (wrong): 0.8.
    // ECE = (0.1 + 0.7 + 0.8) / 5; a few float64 roundings of sums below 2: 1e-15.
    expect(r.ece).toBeCloseTo(1.6 / 5, 15);
    const expectedNll =
      -(Math.log(0.7) + Math.log(0.6) + Math.log(0.4) + Math.log(0.4) + Math.log(0.1)) / 5;
    expect(r.nll).toBeCloseTo(expectedNll, 14);
    expect(r.ood).toBeNull();
  });

  it('a class absent from labels and predictions has IoU null and does not enter the mean', () => {
    const r = new SegmentationMetrics({ numClasses: 3, ignoreIndex: -1 })
      .update(
        [
          [0.9, 0.05, 0.05],
          [0.2, 0.7, 0.1],
          [0.4, 0.5, 0.1],
        ],
        [0, 1, -1],
      )
      .result();
    expect(r.perClassIoU).toEqual([1, 1, null]);
    expect(r.meanIoU).toBe(1);
    expect(r.pixels).toBe(2);
  });

  it('hand-computed pixel-level OOD metrics, OOD positive, void pixels outside both groups', () => {
    // Pixels 0, 1 are OOD (label 255, as a dataset marks them); 2, 3 in-distribution; 4 void.
    const probs = { data: [0.5, 0.5, 0.5, 0.5, 0.9, 0.1, 0.2, 0.8, 0.5, 0.5], numClasses: 2 };
    const labels = [255, 255, 0, 1, 255];
    const oodScore = [0.9, 0.3, 0.5, 0.1, 0.99];
    const r = new SegmentationMetrics({ numClasses: 2 })
      .update(probs, labels, { oodMask: [1, true, 0, false, 0], oodScore })
      .result();
    // Positives {0.9, 0.3}, negatives {0.5, 0.1}. AUROC: 3 of the 4 pairs have the OOD pixel
    // higher. AUPR, thresholds from the top: 0.9 (R 1/2, P 1), 0.3 (R 1, P 2/3): 1/2 + 1/3.
    // FPR95: 95% of 2 OOD pixels needs both, threshold 0.3; negatives >= 0.3: one of two.
    expect(r.ood).not.toBeNull();
    expect(r.ood!.auroc).toBe(0.75);
    expect(r.ood!.aupr).toBeCloseTo(5 / 6, 15);
    expect(r.ood!.fpr95).toBe(0.5);
    // Only pixels 2 and 3 are scored: both right.
    expect(r.pixels).toBe(2);
    expect(r.pixelAccuracy).toBe(1);
    expect(r.meanIoU).toBe(1);
  });

  it('OOD pixels with a class label are excluded from IoU, accuracy, ECE and NLL', () => {
    const probs = [
      [0.9, 0.1],
      [0.3, 0.7],
      [0.6, 0.4],
    ];
    const labels = [0, 1, 1];
    const withMask = new SegmentationMetrics({ numClasses: 2 })
      .update(probs, labels, { oodMask: [0, 0, 1] })
      .result();
    const withoutPixel = new SegmentationMetrics({ numClasses: 2 })
      .update(probs.slice(0, 2), labels.slice(0, 2))
      .result();
    expect({ ...withMask, ood: null }).toEqual(withoutPixel);
    expect(withMask.pixels).toBe(2);
  });

  it('the default OOD score is the total predictive entropy', () => {
    const k = 4;
    const px = randomPixels(5, 300, k);
    const data = { data: px.probs.flat(), numClasses: k };
    const byDefault = new SegmentationMetrics({ numClasses: k })
      .update(data, px.labels, { oodMask: px.oodMask })
      .result();
    const explicit = new SegmentationMetrics({ numClasses: k })
      .update(data, px.labels, { oodMask: px.oodMask, oodScore: px.probs.map(entropy) })
      .result();
    expect(byDefault.ood).toEqual(explicit.ood);
    // A sanity check of the reference itself: random entropies, a random mask: AUROC near 1/2
    // (~45 OOD pixels against ~230: its standard deviation is about 0.045, 4 sd = 0.18).
    expect(Math.abs(byDefault.ood!.auroc - 0.5)).toBeLessThan(0.18);
  });

  it('streaming equals the one-shot metrics on the concatenated pixels, for several splits', () => {
    const k = 4;
    // 6 images of 5 x 4 pixels; the splits are in images and in odd pixel counts.
    const px = randomPixels(11, 120, k);
    const scored = px.labels.map((y, i) => y !== 255 && px.oodMask[i] === 0);
    const probs = px.probs.filter((_, i) => scored[i]);
    const labels = px.labels.filter((_, i) => scored[i]);
    // One-shot references: meanIoU over every pixel with OOD pixels relabelled void.
    const pred = px.probs.map(argmax);
    const iouLabels = px.labels.map((y, i) => (px.oodMask[i] === 1 ? 255 : y));
    const inScores = px.probs.filter((_, i) => px.oodMask[i] === 0 && px.labels[i] !== 255);
    const oodScores = px.probs.filter((_, i) => px.oodMask[i] === 1);
    // With OOD positive and higher = more OOD, the OOD pixels play oodMetrics' "in" group.
    const ref = oodMetrics(oodScores.map(entropy), inScores.map(entropy));
    for (const sizes of [[120], [20, 20, 20, 20, 20, 20], [7, 1, 53, 59], [1, 119]]) {
      const r = streamed(px, k, sizes, 10);
      // The same sums in the same order: identical numbers.
      expect(r.meanIoU).toBe(meanIoU(pred, iouLabels, k, { ignoreIndex: 255 }));
      expect(r.pixelAccuracy).toBe(accuracy(probs, labels));
      expect(r.ece).toBe(ece(probs, labels, { bins: 10 }));
      expect(r.nll).toBe(nll(probs, labels));
      expect(r.pixels).toBe(probs.length);
      expect(r.ood).toEqual({ auroc: ref.auroc, aupr: ref.auprIn, fpr95: ref.fpr95 });
    }
    // And the ECE against the filtering definition of the test helpers (independent code;
    // sums of 1e2 terms in another order: 1e-12).
    expect(Math.abs(streamed(px, k, [120], 10).ece - naiveEce(probs, labels, 10))).toBeLessThan(
      1e-12,
    );
  });

  it('streaming stays exact across the internal blocks (32768 probabilities: 4096 rows of K = 8)', () => {
    // 12,000 pixels (~9,200 scored) in batches of 3000 and 9000: blocks end inside
    // batches, and batches end inside blocks.
    const k = 8;
    const px = randomPixels(23, 12_000, k);
    const scored = px.labels.map((y, i) => y !== 255 && px.oodMask[i] === 0);
    const probs = px.probs.filter((_, i) => scored[i]);
    const labels = px.labels.filter((_, i) => scored[i]);
    expect(probs.length).toBeGreaterThan(2 * 4096);
    for (const sizes of [[12_000], [3000, 9000]]) {
      const r = streamed(px, k, sizes);
      expect(r.ece).toBe(ece(probs, labels));
      expect(r.nll).toBe(nll(probs, labels));
      expect(r.pixelAccuracy).toBe(accuracy(probs, labels));
      expect(r.pixels).toBe(probs.length);
    }
  });

  it('reads [B, H, W, K] tensors and [B, H, W] maps as the arrays, without leaking tensors', () => {
    const k = 3;
    const px = randomPixels(31, 2 * 3 * 4, k);
    const fromArrays = streamed(px, k, [24]);
    const before = tf.memory().numTensors;
    const probs = tf.tensor4d(px.probs.flat(), [2, 3, 4, k]);
    const labels = tf.tensor3d(px.labels, [2, 3, 4], 'int32');
    const oodMask = tf.tensor3d(px.oodMask, [2, 3, 4], 'bool');
    const m = new SegmentationMetrics({ numClasses: k });
    m.update(probs, labels, { oodMask });
    const fromTensors = m.result();
    // float32 probabilities: the metrics move by the rounding of the inputs (~6e-8 relative).
    expect(fromTensors.perClassIoU).toEqual(fromArrays.perClassIoU);
    expect(fromTensors.pixelAccuracy).toBe(fromArrays.pixelAccuracy);
    expect(fromTensors.ece).toBeCloseTo(fromArrays.ece, 6);
    expect(fromTensors.nll).toBeCloseTo(fromArrays.nll, 6);
    expect(fromTensors.ood!.auroc).toBeCloseTo(fromArrays.ood!.auroc, 6);
    // A map whose height and width are swapped is refused, though it has as many entries.
    const swapped = tf.tensor3d(px.labels, [2, 4, 3], 'int32');
    expect(() => m.update(probs, swapped)).toThrow(
      'SegmentationMetrics.update: labels must be of shape [2, 3, 4], got [2, 4, 3]',
    );
    tf.dispose([probs, labels, oodMask, swapped]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a tensor computed on the device: read where the backend reads synchronously, else a BackendError saying to pass its values', async () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor4d([2, 0, -1, 1, 0.5, 0.5, 3, -3], [1, 2, 2, 2]);
    const probs = tf.softmax(logits); // computed: on webgpu its values live on the device
    const labels = [0, 1, 1, 0];
    const m = new SegmentationMetrics({ numClasses: 2 });
    // On webgpu the synchronous read is tried before any `data()`, which would leave a copy
    // of the values on the JS side.
    const onDevice = tf.getBackend() === 'webgpu';
    if (onDevice) {
      expect(() => m.update(probs, labels)).toThrow(BackendError);
      expect(() => m.update(probs, labels)).toThrow(
        'SegmentationMetrics.update: probs is a tensor that cannot be read synchronously',
      );
    } else m.update(probs, labels);
    const values = await probs.data();
    const expected = new SegmentationMetrics({ numClasses: 2 })
      .update({ data: values, numClasses: 2 }, labels)
      .result();
    if (onDevice) m.update({ data: values, numClasses: 2 }, labels);
    expect(m.result()).toEqual(expected);
    // Pixel 2 ([0.5, 0.5]) is a tie: the first class, 0, is predicted, and its label is 1.
    expect(expected.pixelAccuracy).toBe(3 / 4);
    tf.dispose([logits, probs]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes float32 softmax maps within the row-sum tolerance', () => {
    const data = new Float32Array([1 / 3, 1 / 3, 1 / 3, 0.1, 0.2, 0.7]);
    const r = new SegmentationMetrics({ numClasses: 3 })
      .update({ data, numClasses: 3 }, new Uint8Array([0, 2]))
      .result();
    expect(r.pixelAccuracy).toBe(1);
    expect(r.nll).toBeCloseTo(-(Math.log(1 / 3) + Math.log(0.7)) / 2, 6);
  });

  it('an OOD mask without OOD pixels gives NaN OOD metrics; none at all gives null', () => {
    const probs = [
      [0.9, 0.1],
      [0.3, 0.7],
    ];
    const m = new SegmentationMetrics({ numClasses: 2 }).update(probs, [0, 1]);
    expect(m.result().ood).toBeNull();
    m.update(probs, [0, 1], { oodMask: [0, 0] });
    expect(m.result().ood).toEqual({ auroc: Number.NaN, aupr: Number.NaN, fpr95: Number.NaN });
    m.update(probs, [255, 1], { oodMask: [1, 0] });
    // Now 1 OOD pixel (entropy of [0.9, 0.1]) against 3 in-distribution pixels, the first
    // update's pixels not being part of the OOD evaluation.
    const h = (p: number[]) => entropy(p);
    const ref = oodMetrics([h(probs[0]!)], [h(probs[0]!), h(probs[1]!), h(probs[1]!)]);
    expect(m.result().ood).toEqual({ auroc: ref.auroc, aupr: ref.auprIn, fpr95: ref.fpr95 });
  });

  it('bad options and inputs are errors naming the argument; a rejected batch adds nothing', () => {
    const fn = 'SegmentationMetrics';
    const bad = (opts: unknown) => () =>
      new SegmentationMetrics(opts as ConstructorParameters<typeof SegmentationMetrics>[0]);
    expect(bad(undefined)).toThrow(
      `${fn}: opts.numClasses must be an integer in [2, 10000], got undefined`,
    );
    expect(bad({ numClasses: 1 })).toThrow(InvalidArgumentError);
    expect(bad({ numClasses: 2.5 })).toThrow('opts.numClasses must be an integer in [2, 10000]');
    expect(bad({ numClasses: 3, ignoreIndex: '255' })).toThrow(
      `${fn}: opts.ignoreIndex must be an integer, got "255"`,
    );
    expect(bad({ numClasses: 3, ignoreIndex: null })).toThrow(
      `${fn}: opts.ignoreIndex must be an integer, got null`,
    );
    expect(bad({ numClasses: 3, bins: 0 })).toThrow(`${fn}: opts.bins must be an integer >= 1`);
    expect(bad({ numClasses: 3, eps: 1 })).toThrow(`${fn}: opts.eps must be a number in [0, 1)`);
    expect(bad(null)).toThrow(`${fn}: opts must be an options object (or undefined), got null`);

    const up = `${fn}.update`;
    const m = new SegmentationMetrics({ numClasses: 3 });
    const probs = { data: [0.2, 0.3, 0.5, 0.6, 0.2, 0.2], numClasses: 3 };
    m.update(probs, [2, 0]);
    const good = m.result();
    expect(() => m.update({ data: [0.4, 0.6], numClasses: 2 }, [0])).toThrow(
      `${up}: probs must be of shape [N, 3] (numClasses), got [1, 2]`,
    );
    const fourClasses = tf.fill([1, 2, 2, 4], 0.25);
    expect(() => m.update(fourClasses, [0, 0, 0, 0])).toThrow(
      `${up}: probs must be non-empty with 3 classes (numClasses) on its last axis, got [1, 2, 2, 4]`,
    );
    fourClasses.dispose();
    expect(() => m.update({ data: [0.5, 0.6, 0.2, 1, 0, 0], numClasses: 3 }, [0, 0])).toThrow(
      `${up}: probs[0] must be a row summing to 1 (tolerance 0.001), got 1.3`,
    );
    expect(() => m.update(probs, [0])).toThrow(
      `${up}: labels must be of shape [2] (one per pixel of probs), got [1]`,
    );
    expect(() => m.update(probs, [0, 3])).toThrow(
      `${up}: labels[1] must be an integer class id in [0, 2] or the ignoreIndex (255), got 3`,
    );
    const rows = tf.tensor2d([0.2, 0.3, 0.5, 0.6, 0.2, 0.2], [2, 3]);
    const threeLabels = tf.tensor2d([0, 1, 2], [1, 3], 'int32');
    expect(() => m.update(rows, threeLabels)).toThrow(
      `${up}: labels must be a tensor of 2 entries (one per row of probs), got [1, 3]`,
    );
    tf.dispose([rows, threeLabels]);
    expect(() => m.update(probs, [1.5, 0])).toThrow(`${up}: labels[0] must be an integer class id`);
    expect(() => m.update(probs, [[0, 1]] as unknown as number[])).toThrow(
      `${up}: labels must be a [B, H, W] map: a flat array or typed array in row-major order, or a tensor`,
    );
    expect(() => m.update(probs, [0, 1], { oodMask: [0, 2] })).toThrow(
      `${up}: opts.oodMask[1] must be a boolean, or 0 (in-distribution) / 1 (OOD), got 2`,
    );
    expect(() => m.update(probs, [0, 1], { oodMask: [0, 1, 0] })).toThrow(
      `${up}: opts.oodMask must be of shape [2]`,
    );
    expect(() => m.update(probs, [0, 1], { oodMask: [0, 1], oodScore: [0, Number.NaN] })).toThrow(
      `${up}: opts.oodScore[1] must be finite, got NaN`,
    );
    expect(() => m.update(probs, [0, 1], { oodScore: [0, 1] })).toThrow(
      `${up}: opts.oodScore must be given together with opts.oodMask`,
    );
    expect(() => m.update(probs, [0, 1], null as unknown as undefined)).toThrow(
      `${up}: opts must be an options object (or undefined), got null`,
    );
    // None of the rejected batches was added, not even in part.
    expect(m.result()).toEqual(good);

    expect(() => new SegmentationMetrics({ numClasses: 2 }).result()).toThrow(
      `${fn}.result: pixels must be at least 1 (call update first), got 0`,
    );
    expect(() =>
      new SegmentationMetrics({ numClasses: 2 }).update([[0.5, 0.5]], [255]).result(),
    ).toThrow(
      `${fn}.result: pixels must be at least 1 (every pixel so far was ignoreIndex or OOD)`,
    );
  });
});
