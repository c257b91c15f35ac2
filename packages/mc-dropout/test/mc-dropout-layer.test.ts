import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  layers,
  loadLayersModel,
  type SymbolicTensor,
  sequential,
} from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { MCDropout, mcDropoutPredict } from '../src/index.js';
import { read, readArray } from './helpers.js';

/** A model that applies only `layer` to `[B, width]` inputs. */
function dropoutOnly(layer: MCDropout, width: number) {
  const input = layers.input({ shape: [width] });
  return functionalModel({ inputs: input, outputs: layer.apply(input) as SymbolicTensor });
}

/** Saves `model` to memory and loads it back (the in-memory IOHandler round trip). */
async function roundTrip(model: ReturnType<typeof sequential>) {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return loadLayersModel(tf.io.fromMemory(saved!));
}

describe('MCDropout', () => {
  it('drops each unit with probability rate and scales the rest by 1 / (1 - rate), also in predict', async () => {
    const rate = 0.3;
    const m = dropoutOnly(new MCDropout({ rate, seed: 11 }), 100);
    const x = tf.ones([100, 100]);
    const first = await read(m.predict(x) as tf.Tensor);
    const second = await read(m.predict(x) as tf.Tensor);
    let zeros = 0;
    for (const v of first) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / (1 - rate), 5);
    }
    // 10,000 Bernoulli(0.3) draws: SE = sqrt(0.3 * 0.7 / 1e4) = 0.0046; allow 5 SE.
    expect(Math.abs(zeros / first.length - rate)).toBeLessThan(0.023);
    expect(first).not.toEqual(second);
    x.dispose();
  });

  it('replays the same mask sequence for the same seed and a different one for another seed', async () => {
    const x = tf.ones([4, 50]);
    const masks = async (seed: number) => {
      const m = dropoutOnly(new MCDropout({ rate: 0.5, seed }), 50);
      const out: number[][] = [];
      // One predict after another: each call advances the layer's mask stream.
      for (let i = 0; i < 3; i++) out.push(await read(m.predict(x) as tf.Tensor));
      return out;
    };
    const a = await masks(5);
    expect(await masks(5)).toEqual(a);
    expect((await masks(6))[0]).not.toEqual(a[0]);
    expect(a[1]).not.toEqual(a[0]);
    x.dispose();
  });

  it('is the identity at rate 0', async () => {
    const m = dropoutOnly(new MCDropout({ rate: 0 }), 3);
    const x = tf.tensor2d([
      [1, -2, 3],
      [4, 5, -6],
    ]);
    expect(await read(m.predict(x) as tf.Tensor)).toEqual([1, -2, 3, 4, 5, -6]);
    x.dispose();
  });

  it('broadcasts the mask along axes where noiseShape is 1', async () => {
    const m = dropoutOnly(new MCDropout({ rate: 0.5, seed: 2, noiseShape: [null, 1] }), 8);
    const x = tf.ones([64, 8]);
    const y = await readArray<number[][]>(m.predict(x) as tf.Tensor);
    const rowValues = y.map((row) => new Set(row));
    expect(rowValues.every((values) => values.size === 1)).toBe(true); // whole rows kept or dropped
    expect(new Set(y.map((row) => row[0])).size).toBe(2); // both 0 and 2 occur
    x.dispose();
  });

  it('passes gradients through the mask: d sum(y) / dx = mask / (1 - rate)', async () => {
    const layer = new MCDropout({ rate: 0.25, seed: 9 });
    const x = tf.ones([10, 10]);
    const replay = new MCDropout({ rate: 0.25, seed: 9 }); // same seed: same first mask
    const y = layer.apply(x) as tf.Tensor;
    const grad = tf.grad((input: tf.Tensor) => tf.sum(replay.apply(input) as tf.Tensor))(x);
    expect(await read(grad)).toEqual(await read(y));
    tf.dispose([x, y, grad]);
  });

  it('serializes: config round trip and save/load give the same layer and predictions', async () => {
    const layer = new MCDropout({ rate: 0.2, seed: 17, noiseShape: [null, 6] });
    const config = layer.getConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toMatchObject({ rate: 0.2, seed: 17, noiseShape: [null, 6] });

    const build = () => {
      const m = sequential();
      m.add(layers.dense({ inputShape: [3], units: 6, activation: 'relu' }));
      m.add(new MCDropout({ rate: 0.2, seed: 17 }));
      m.add(layers.dense({ units: 2, activation: 'softmax' }));
      return m;
    };
    const original = build();
    const loaded = await roundTrip(original);
    const copy = loaded.layers.find((l) => l instanceof MCDropout) as MCDropout;
    expect(copy.getConfig()).toMatchObject({ rate: 0.2, seed: 17 });
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    // Fresh layers with the same seed replay the same masks: the first calls agree exactly.
    const a = original.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(await read(b)).toEqual(await read(a));
    const pa = mcDropoutPredict(original, x, { numSamples: 4, seed: 3 });
    const pb = mcDropoutPredict(loaded, x, { numSamples: 4, seed: 3 });
    expect(await read(pb.members!)).toEqual(await read(pa.members!));
    tf.dispose([x, a, b, pa.probs, pa.members!, pa.variance!, pb.probs, pb.members!, pb.variance!]);
    original.dispose();
    loaded.dispose();
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => new MCDropout({ rate: 1 })).toThrow(
      'MCDropout: rate must be a number in [0, 1), got 1',
    );
    expect(() => new MCDropout({ rate: -0.1 })).toThrow('rate must be a number in [0, 1)');
    expect(() => new MCDropout({ rate: Number.NaN })).toThrow('got NaN');
    expect(() => new MCDropout({ rate: 0.5, seed: -1 })).toThrow(
      'MCDropout: seed must be an integer seed in [0, 2^32), got -1',
    );
    expect(() => new MCDropout({ rate: 0.5, noiseShape: [0] })).toThrow(
      'MCDropout: noiseShape must be an array of positive integers or null, got [0]',
    );
    expect(() => new MCDropout(null as never)).toThrow(
      'MCDropout: args must be an object { rate, seed?, noiseShape? }, got null',
    );
  });

  it('does not leak tensors', () => {
    const layer = new MCDropout({ rate: 0.5, seed: 1 });
    const x = tf.ones([8, 8]);
    (layer.apply(x) as tf.Tensor).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) (layer.apply(x) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
