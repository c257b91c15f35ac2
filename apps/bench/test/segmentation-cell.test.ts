// One segmentation cell in this process (on the test backend): the seed's data (OOD objects only
// in test, reproducible per seed), a run that frees every tensor it made, and the same numbers
// from the same cell twice.
import * as tf from '@tensorflow/tfjs-core';
import { enableFastWasmTraining } from '@uqjs/backend';
import { describe, expect, it } from 'vitest';
import type { SegmentationProgress } from '../src/segmentation/cell.js';
import runSegmentationCell from '../src/segmentation/cell.js';
import { loadSegmentationData, subsetSplit } from '../src/segmentation/data.js';
import { segmentationPreset } from '../src/segmentation/protocol.js';
import { heartbeatLine } from '../src/segmentation/run.js';

// As the CLI's resolveBackend does on wasm: the U-Net's training needs Conv2DBackpropFilter.
enableFastWasmTraining();

const protocol = {
  ...segmentationPreset('quick', 'shapes').protocol,
  size: 16,
  split: { train: 16, validation: 8, test: 8 },
  epochs: 1,
  evalSamples: 8,
  dropoutPasses: 2,
};

describe('loadSegmentationData (shapes)', () => {
  it('draws the split sizes, OOD objects only in test, the same per seed', async () => {
    const a = await loadSegmentationData(protocol, null, 3);
    expect(a.train.shape).toEqual([16, 16, 16, 3]);
    expect(a.validation.shape[0]).toBe(8);
    expect(a.test.shape[0]).toBe(8);
    expect(a.train.oodMask).toBeNull();
    expect(a.validation.oodMask).toBeNull();
    expect(a.test.oodMask?.some((v) => v === 1)).toBe(true);
    expect(a.numClasses).toBe(a.classNames.length);
    const again = await loadSegmentationData(protocol, null, 3);
    expect(Buffer.from(again.test.masks).equals(Buffer.from(a.test.masks))).toBe(true);
    const other = await loadSegmentationData(protocol, null, 4);
    expect(Buffer.from(other.train.images.buffer).equals(Buffer.from(a.train.images.buffer))).toBe(
      false,
    );
    // Train, validation and test are different images.
    expect(
      Buffer.from(a.validation.masks).equals(Buffer.from(a.train.masks.subarray(0, 8 * 256))),
    ).toBe(false);
  });

  it('subsetSplit takes the images, masks and OOD masks of the indices given', async () => {
    const { test } = await loadSegmentationData(protocol, null, 0);
    const sub = subsetSplit(test, [5, 2]);
    const px = 16 * 16;
    expect(sub.shape).toEqual([2, 16, 16, 3]);
    expect(Array.from(sub.masks.subarray(px))).toEqual(
      Array.from(test.masks.subarray(2 * px, 3 * px)),
    );
    expect(Array.from(sub.oodMask?.subarray(0, px) ?? [])).toEqual(
      Array.from(test.oodMask?.subarray(5 * px, 6 * px) ?? []),
    );
    expect(Array.from(sub.images.subarray(0, 3 * px))).toEqual(
      Array.from(test.images.subarray(5 * 3 * px, 6 * 3 * px)),
    );
  });
});

describe('runSegmentationCell', () => {
  const task = {
    cell: { method: 'heteroscedastic', temperature: 2, trainSamples: 4, seed: 1 },
    protocol,
    dataDir: null,
    out: '/nonexistent',
    pictures: 0,
  } as const;

  it('frees its tensors and gives the same scores for the same cell', async () => {
    const before = tf.memory().numTensors;
    const a = await runSegmentationCell(task);
    const after = tf.memory().numTensors;
    expect(after).toBe(before);
    const b = await runSegmentationCell(task);
    expect(b.test).toEqual(a.test);
    expect(b.validation).toEqual(a.validation);
    expect(a.picture).toBeNull();
    expect(a.key).toBe('heteroscedastic/tau=2/S=4/seed=1');
    expect(a.backend).toBe(tf.getBackend());
  });

  it('reports each epoch with the validation NLL of its history', async () => {
    const seen: SegmentationProgress[] = [];
    const r = await runSegmentationCell(
      { ...task, protocol: { ...protocol, epochs: 2, patience: 2 } },
      { progress: (p) => seen.push(p) },
    );
    expect(seen.map((p) => p.epoch)).toEqual([1, 2]);
    expect(seen.map((p) => p.validationNll)).toEqual(r.history.validationNll);
    expect(seen.every((p) => p.key === r.key && p.epochs === 2)).toBe(true);
  });
});

describe('heartbeatLine', () => {
  it('says how far the grid and each running run are', () => {
    const p = { key: 'homoscedastic/seed=0', epoch: 3, epochs: 20, validationNll: 0.51234 };
    expect(heartbeatLine(2, 12, 95, [p])).toBe(
      '... 2/12 runs done, 1m35s elapsed; running: homoscedastic/seed=0 epoch 3/20 (validation NLL 0.5123)\n',
    );
    expect(heartbeatLine(0, 3, 30, [])).toBe('... 0/3 runs done, 30s elapsed\n');
  });
});
