import * as tf from '@tensorflow/tfjs-core';
import { enableFastWasmTraining } from '@uqjs/backend';
import { InvalidArgumentError } from '@uqjs/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { runSegmentation } from '../src/segmentation/compute.js';
import {
  SHOWN_IMAGES,
  segmentationTestSet,
  shownImages,
  TEST_IMAGES,
} from '../src/segmentation/data.js';
import type { SegmentationResult } from '../src/segmentation/protocol.js';
import {
  checkSegmentationSettings,
  DEFAULT_SEGMENTATION_SETTINGS,
  type SegmentationSettings,
} from '../src/segmentation/settings.js';
import { sequentialColor } from '../src/ui/colormap.js';
import { segmentationMapPixels, uncertaintyScales } from '../src/ui/segmentation-panel.js';

const hooks = () => {
  const losses: number[] = [];
  return {
    losses,
    progress: (_done: number, _total: number, loss: number) => losses.push(loss),
    stopRequested: () => false,
    evaluating() {},
  };
};

const run = async (over: Partial<SegmentationSettings>) => {
  const h = hooks();
  const outcome = await runSegmentation({ ...DEFAULT_SEGMENTATION_SETTINGS, ...over }, h);
  return { ...outcome, losses: h.losses };
};

beforeAll(() => {
  // The page's worker does the same on wasm (src/segmentation/backend.ts): stock tfjs-wasm
  // has no Conv2DBackpropFilter.
  if (tf.getBackend() === 'wasm') enableFastWasmTraining();
});

describe('segmentation settings', () => {
  test('the defaults pass; a bad field is named', () => {
    expect(checkSegmentationSettings({ ...DEFAULT_SEGMENTATION_SETTINGS })).toEqual(
      DEFAULT_SEGMENTATION_SETTINGS,
    );
    const bad: [string, unknown][] = [
      ['size', 20],
      ['head', 'bayesian'],
      ['epochs', 0],
      ['trainImages', 4],
      ['passes', 33],
      ['temperature', 0],
      ['seed', -1],
    ];
    for (const [name, value] of bad) {
      const call = () =>
        checkSegmentationSettings({ ...DEFAULT_SEGMENTATION_SETTINGS, [name]: value });
      expect(call, name).toThrow(InvalidArgumentError);
      expect(call, name).toThrow(name);
    }
  });
});

describe('runSegmentation', () => {
  let result: SegmentationResult;
  let losses: number[];

  test('is deterministic by seed and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const a = await run({ epochs: 6 });
    const b = await run({ epochs: 6 });
    const c = await run({ epochs: 1, trainImages: 8, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(b.result.total).toEqual(a.result.total);
    expect(b.result.prediction).toEqual(a.result.prediction);
    expect(b.result.scores).toEqual(a.result.scores);
    expect(c.result.total).not.toEqual(a.result.total);
    expect(c.result.images).not.toEqual(a.result.images);
    expect(a).toMatchObject({ epochsDone: 6, stopped: false });
    result = a.result;
    losses = a.losses;
  });

  test('maps of the shown test images: sizes, ranges, and total = aleatoric + epistemic', () => {
    const { size, shown, numClasses: k } = result;
    const pixels = shown * size * size;
    expect(shown).toBe(SHOWN_IMAGES);
    expect(result.testImages).toBe(TEST_IMAGES);
    expect(k).toBe(4);
    expect(result.images.length).toBe(3 * pixels);
    for (const map of [result.labels, result.oodMask, result.prediction]) {
      expect(map.length).toBe(pixels);
    }
    for (const p of result.prediction) expect(p).toBeLessThan(k);
    // The images drawn before training (shownImages of the test set) are the ones evaluated.
    const view = shownImages(segmentationTestSet(DEFAULT_SEGMENTATION_SETTINGS));
    expect(result.images).toEqual(view.images);
    expect(result.labels).toEqual(view.labels);
    expect(result.oodMask).toEqual(view.oodMask);
    // The OOD shape is in the shown images, labelled 255 (not a class).
    const oodPixels = result.oodMask.reduce((s, v) => s + v, 0);
    expect(oodPixels).toBeGreaterThan(0);
    result.oodMask.forEach((v, i) => {
      if (v === 1) expect(result.labels[i]).toBe(255);
    });
    const logK = Math.log(k);
    for (let i = 0; i < pixels; i++) {
      const [t, a, e] = [result.total[i]!, result.aleatoric[i]!, result.epistemic[i]!];
      expect(Number.isFinite(t) && Number.isFinite(a) && Number.isFinite(e)).toBe(true);
      // Entropies lie in [0, log K]; float32 storage of float64 sums: 1e-5 slack.
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThanOrEqual(logK + 1e-5);
      expect(e).toBeGreaterThanOrEqual(0);
      expect(Math.abs(t - a - e)).toBeLessThan(1e-5);
    }
    // Several dropout passes (8): they disagree somewhere.
    expect(Math.max(...result.epistemic)).toBeGreaterThan(0);
  });

  test('trains, and is more uncertain on the OOD shape than on the background', () => {
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const { scores, uncertainty } = result;
    for (const v of Object.values(scores)) expect(Number.isFinite(v)).toBe(true);
    expect(scores.meanIoU).toBeGreaterThan(0);
    expect(scores.meanIoU).toBeLessThanOrEqual(1);
    expect(scores.oodAuroc).toBeGreaterThanOrEqual(0);
    expect(scores.oodAuroc).toBeLessThanOrEqual(1);
    // Means over 16 test images (about 1,100 OOD and 7,000 background pixels): the margin
    // is what seeds 0 and 1 gave after 6 epochs (ratios 1.3 to 2), with room to spare.
    expect(uncertainty.ood.total).toBeGreaterThan(1.15 * uncertainty.background.total);
    expect(scores.oodAuroc).toBeGreaterThan(0.55);
  });

  test('Stop ends training after the current epoch; the model is still evaluated', async () => {
    let epochs = 0;
    const outcome = await runSegmentation(
      { ...DEFAULT_SEGMENTATION_SETTINGS, epochs: 50, trainImages: 8 },
      {
        progress: (done) => {
          epochs = done;
        },
        stopRequested: () => epochs >= 2,
        evaluating() {},
      },
    );
    expect(outcome).toMatchObject({ epochsDone: 2, stopped: true });
    expect(outcome.result.total.length).toBe(SHOWN_IMAGES * 24 * 24);
  });

  test('one pass: dropout off at prediction, no epistemic part; the homoscedastic head', async () => {
    const { result: one } = await run({
      head: 'homoscedastic',
      passes: 1,
      epochs: 1,
      trainImages: 8,
    });
    expect(one.epistemic.every((v) => v === 0)).toBe(true);
    expect(one.total).toEqual(one.aleatoric);
  });
});

describe('segmentationMapPixels', () => {
  test('colours the maps: image values, OOD magenta, ignored white, uncertainty scale', () => {
    const size = 2;
    const result: SegmentationResult = {
      kind: 'segmentation',
      size,
      shown: 1,
      numClasses: 4,
      classNames: ['background', 'disc', 'square', 'triangle'],
      images: Float32Array.from({ length: 12 }, (_, i) => i / 12),
      labels: Uint8Array.from([0, 1, 255, 255]),
      oodMask: Uint8Array.from([0, 0, 1, 0]),
      prediction: Uint8Array.from([0, 1, 2, 3]),
      total: Float32Array.from([0, Math.log(4), 0.5, 1]),
      aleatoric: Float32Array.from([0, 0, 0, 0]),
      epistemic: Float32Array.from([0, 0.1, 0.05, 0]),
      testImages: 1,
      scores: {
        meanIoU: 0,
        pixelAccuracy: 0,
        ece: 0,
        nll: 0,
        oodAuroc: 0,
        oodAupr: 0,
        oodFpr95: 0,
      },
      uncertainty: {
        background: { total: 0, aleatoric: 0, epistemic: 0 },
        objects: { total: 0, aleatoric: 0, epistemic: 0 },
        ood: { total: 0, aleatoric: 0, epistemic: 0 },
      },
    };
    const rgb = (pixels: Uint8ClampedArray, p: number) => [...pixels.slice(4 * p, 4 * p + 3)];
    const image = segmentationMapPixels(result, 'image', 0);
    expect(rgb(image, 1)).toEqual([63.75, 85, 106.25].map(Math.round));
    expect(image[3]).toBe(255);
    const label = segmentationMapPixels(result, 'label', 0);
    expect(rgb(label, 2)).toEqual([232, 62, 232]);
    expect(rgb(label, 3)).toEqual([255, 255, 255]);
    expect(rgb(label, 0)).not.toEqual(rgb(label, 1));
    const total = segmentationMapPixels(result, 'total', 0);
    const colour = (t: number) => sequentialColor(t).map(Math.round);
    expect(rgb(total, 0)).toEqual(colour(0));
    expect(rgb(total, 1)).toEqual(colour(1));
    // Epistemic: scaled to its own largest value (0.1).
    expect(uncertaintyScales(result).epistemic).toBeCloseTo(0.1, 6);
    expect(rgb(segmentationMapPixels(result, 'epistemic', 0), 2)).toEqual(colour(0.5));
  });
});
