import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { DataError } from '@uqjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEnsembleDense } from '../src/index.js';
import { fileSystemHandler } from '../src/node.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'uqjs-fs-handler-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function smallModel() {
  const m = sequential();
  m.add(layers.dense({ inputShape: [3], units: 5, activation: 'relu' }));
  m.add(layers.batchNormalization());
  m.add(new BatchEnsembleDense({ units: 2, ensembleSize: 2, seed: 4 }));
  return m;
}

describe('fileSystemHandler', () => {
  it('writes model.json and weights.bin and loads a model with identical predictions', async () => {
    const dir = join(root, 'a', 'nested');
    const model = smallModel();
    const result = await model.save(fileSystemHandler(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const bytes = (await readFile(join(dir, 'weights.bin'))).byteLength;
    expect(bytes).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await loadLayersModel(fileSystemHandler(dir));
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(loaded.getWeights().map((w) => w.shape)).toEqual(model.getWeights().map((w) => w.shape));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('throws DataError for a missing directory, corrupt JSON or a path outside the directory', async () => {
    await expect(loadLayersModel(fileSystemHandler(join(root, 'missing')))).rejects.toThrow(
      /fileSystemHandler\.load: cannot read .*missing[/\\]model\.json/,
    );
    const corrupt = join(root, 'corrupt');
    const model = smallModel();
    await model.save(fileSystemHandler(corrupt));
    await writeFile(join(corrupt, 'model.json'), '{ not json');
    await expect(loadLayersModel(fileSystemHandler(corrupt))).rejects.toBeInstanceOf(DataError);

    const outside = join(root, 'outside');
    await model.save(fileSystemHandler(outside));
    const json = JSON.parse(await readFile(join(outside, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../corrupt/weights.bin'];
    await writeFile(join(outside, 'model.json'), JSON.stringify(json));
    await expect(loadLayersModel(fileSystemHandler(outside))).rejects.toThrow(/points outside/);
    model.dispose();
  });

  it('rejects an empty path', () => {
    expect(() => fileSystemHandler('')).toThrow(
      'fileSystemHandler: dir must be a non-empty directory path, got ""',
    );
  });
});
