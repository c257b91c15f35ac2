import { mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { DataError } from '@uqjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEnsembleDense } from '../src/index.js';
import { fileSystemHandler } from '../src/node.js';
import { read } from './helpers.js';

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
    expect(await read(b)).toEqual(await read(a));
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

  it('refuses a weights.bin (or model.json) that is a symbolic link to a file outside the directory', async () => {
    const model = smallModel();
    const source = join(root, 'elsewhere');
    await model.save(fileSystemHandler(source));
    const linked = join(root, 'linked');
    await model.save(fileSystemHandler(linked));
    await rm(join(linked, 'weights.bin'));
    await symlink(join(source, 'weights.bin'), join(linked, 'weights.bin'));
    await expect(loadLayersModel(fileSystemHandler(linked))).rejects.toThrow(DataError);
    await expect(loadLayersModel(fileSystemHandler(linked))).rejects.toThrow(
      /fileSystemHandler\.load: the weights file .*linked[/\\]weights\.bin resolves to .*elsewhere[/\\]weights\.bin, outside the model directory/,
    );
    const linkedJson = join(root, 'linked-json');
    await model.save(fileSystemHandler(linkedJson));
    await rm(join(linkedJson, 'model.json'));
    await symlink(join(source, 'model.json'), join(linkedJson, 'model.json'));
    await expect(loadLayersModel(fileSystemHandler(linkedJson))).rejects.toThrow(
      /the model file .* outside the model directory/,
    );
    // A link inside the directory is fine.
    const inner = join(root, 'inner-link');
    await model.save(fileSystemHandler(inner));
    await rename(join(inner, 'weights.bin'), join(inner, 'real.bin'));
    await symlink(join(inner, 'real.bin'), join(inner, 'weights.bin'));
    const loaded = await loadLayersModel(fileSystemHandler(inner));
    loaded.dispose();
    model.dispose();
  });

  it('names byte-count, dtype and unregistered-class mismatches', async () => {
    const model = smallModel();
    const dir = join(root, 'mismatch');
    await model.save(fileSystemHandler(dir));
    const weights = await readFile(join(dir, 'weights.bin'));
    const good = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'weights.bin'), weights.subarray(0, weights.byteLength - 4));
    await expect(loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      `the weights manifest describes ${weights.byteLength} bytes, the weight files hold ${weights.byteLength - 4}`,
    );
    await writeFile(join(dir, 'weights.bin'), weights);
    const json = JSON.parse(good);
    json.weightsManifest[0].weights[0].dtype = 'float64';
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      /weight ".*" must have a shape of non-negative integers and dtype float32, int32 or bool, got shape \[3,5\] and dtype "float64"/,
    );
    const renamed = JSON.parse(good);
    renamed.modelTopology.config.layers[2].class_name = 'NoSuchLayer';
    await writeFile(join(dir, 'model.json'), JSON.stringify(renamed));
    await expect(loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(
      'layer class "NoSuchLayer" is not registered (import the package that defines it before loading)',
    );
    model.dispose();
  });

  it('rejects an empty path', () => {
    expect(() => fileSystemHandler('')).toThrow(
      'fileSystemHandler: dir must be a non-empty directory path, got ""',
    );
  });
});
