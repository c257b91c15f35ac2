import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  initializers,
  type LayersModel,
  layers,
  type SymbolicTensor,
  sequential,
} from '@tensorflow/tfjs-layers';
import { disposePredictive, type Predictive } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import { MCDropout, mcDropoutPredict } from '../src/index.js';
import { expectValueCheck, read, readArray, readScalar } from './helpers.js';

/** Dense 4 -> 16 (relu) -> MCDropout(0.5) -> 3 (softmax), seeded weights. */
function mcModel(): LayersModel {
  const m = sequential();
  m.add(
    layers.dense({
      inputShape: [4],
      units: 16,
      activation: 'relu',
      kernelInitializer: initializers.glorotNormal({ seed: 1 }),
      biasInitializer: 'ones',
    }),
  );
  m.add(new MCDropout({ rate: 0.5 }));
  m.add(
    layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: initializers.glorotNormal({ seed: 2 }),
    }),
  );
  return m;
}

const x = () => tf.randomNormal([20, 4], 0, 1, 'float32', 5);

describe('mcDropoutPredict', () => {
  it('returns members [S, N, K] whose mean and population variance are probs and variance', async () => {
    const m = mcModel();
    const input = x();
    const p = mcDropoutPredict(m, input, { numSamples: 6, seed: 1 });
    expect(p.members!.shape).toEqual([6, 20, 3]);
    expect(p.probs.shape).toEqual([20, 3]);
    expect(p.variance!.shape).toEqual([20, 3]);
    // Recompute mean and variance in plain JS from the members.
    const members = await readArray<number[][][]>(p.members!);
    const probs = await readArray<number[][]>(p.probs);
    const variance = await readArray<number[][]>(p.variance!);
    for (let n = 0; n < 20; n++) {
      for (let k = 0; k < 3; k++) {
        const column = members.map((member) => member[n]![k]!);
        const mean = column.reduce((a, b) => a + b, 0) / column.length;
        const v = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
        expect(probs[n]![k]).toBeCloseTo(mean, 5);
        expect(variance[n]![k]).toBeCloseTo(v, 5);
      }
    }
    // Members differ from one another: dropout is active at prediction time.
    expect(members[0]).not.toEqual(members[1]);
    disposePredictive(p);
    input.dispose();
  });

  it('gives the same members for the same seed and different ones for another seed', async () => {
    const m = mcModel();
    const input = x();
    const a = mcDropoutPredict(m, input, { numSamples: 5, seed: 42 });
    const b = mcDropoutPredict(m, input, { numSamples: 5, seed: 42 });
    const c = mcDropoutPredict(m, input, { numSamples: 5, seed: 43 });
    expect(await read(b.members!)).toEqual(await read(a.members!));
    expect(await read(c.members!)).not.toEqual(await read(a.members!));
    [a, b, c].forEach(disposePredictive);
    input.dispose();
  });

  it('has a mean that stabilizes with more samples, at the 1 / sqrt(S) Monte Carlo rate', async () => {
    const m = mcModel();
    const input = x();
    // Two independent estimates (different seeds) of the predictive mean differ by
    // sqrt(2 var / S) in RMS, where var is the per-entry variance across samples.
    const rmsGap = async (numSamples: number) => {
      const a = mcDropoutPredict(m, input, { numSamples, seed: 100 });
      const b = mcDropoutPredict(m, input, { numSamples, seed: 200 });
      const gap = await readScalar(() => tf.sqrt(tf.mean(tf.square(tf.sub(a.probs, b.probs)))));
      const meanVariance = (await readScalar(() => tf.mean(tf.add(a.variance!, b.variance!)))) / 2;
      [a, b].forEach(disposePredictive);
      return { gap, expected: Math.sqrt((2 * meanVariance) / numSamples) };
    };
    const few = await rmsGap(8);
    const many = await rmsGap(200);
    // The RMS over 60 entries of a difference with known variance is within a factor of 2 of
    // its expectation with overwhelming probability (chi-square with ~60 dof, and the entries
    // are correlated, so we allow [0.4, 2.5]).
    for (const { gap, expected } of [few, many]) {
      expect(gap / expected).toBeGreaterThan(0.4);
      expect(gap / expected).toBeLessThan(2.5);
    }
    // 25x the samples: the gap shrinks by ~5x; require at least 2.5x.
    expect(many.gap).toBeLessThan(few.gap / 2.5);
    input.dispose();
  });

  it('switches only standard Dropout to training mode: BatchNorm keeps its moving statistics', async () => {
    // x -> BatchNorm (moving mean 3, variance 4, gamma 1, beta 0) -> Dropout(0.5) -> softmax.
    const m = sequential();
    m.add(layers.batchNormalization({ inputShape: [2], epsilon: 0 }));
    m.add(layers.dropout({ rate: 0.5, seed: 1 }));
    m.add(layers.activation({ activation: 'softmax' }));
    const bn = m.layers[0]!;
    bn.setWeights([tf.ones([2]), tf.zeros([2]), tf.fill([2], 3), tf.fill([2], 4)]);
    const input = tf.tensor2d([
      [1, 7],
      [5, 2],
      [3, 11],
      [-1, 4],
    ]);
    const p = mcDropoutPredict(m, input, { numSamples: 20, seed: 3 });
    // Inference BatchNorm: z = (x - 3) / 2. Dropout keeps z / 0.5 = 2z or drops to 0, so
    // log(p1 / p0) = z1' - z0' takes one of four values. Training-mode BatchNorm would
    // normalize by batch statistics instead and give none of them.
    const rows = await readArray<number[][]>(input);
    const members = await readArray<number[][][]>(p.members!);
    let dropped = 0;
    for (const member of members) {
      member.forEach((row, n) => {
        const z = rows[n]!.map((v) => (2 * (v - 3)) / 2);
        const allowed = [0, z[1]!, -z[0]!, z[1]! - z[0]!];
        const logRatio = Math.log(row[1]! / row[0]!);
        expect(Math.min(...allowed.map((a) => Math.abs(a - logRatio)))).toBeLessThan(1e-4);
        if (Math.abs(logRatio - (z[1]! - z[0]!)) > 1e-4) dropped++;
      });
    }
    expect(dropped).toBeGreaterThan(0); // dropout was active
    expect(await read(bn.getWeights()[2]!)).toEqual([3, 3]); // moving mean not updated
    expect(await read(bn.getWeights()[3]!)).toEqual([4, 4]); // moving variance not updated
    // The Dropout layer is restored: plain predict is deterministic again.
    const dropoutLayer = m.layers[1]!;
    expect(Object.hasOwn(dropoutLayer, 'call')).toBe(false);
    const y1 = m.predict(input) as tf.Tensor;
    const y2 = m.predict(input) as tf.Tensor;
    expect(await read(y1)).toEqual(await read(y2));
    tf.dispose([y1, y2, input]);
    disposePredictive(p);
  });

  it('finds dropout inside nested models and reads logits when told so', async () => {
    const inner = sequential();
    inner.add(layers.dense({ inputShape: [4], units: 8, activation: 'tanh' }));
    inner.add(layers.dropout({ rate: 0.3 }));
    inner.add(layers.dense({ units: 3 }));
    const input = layers.input({ shape: [4] });
    const logits = inner.apply(input) as SymbolicTensor;
    const logitsModel = functionalModel({ inputs: input, outputs: logits });
    const probsModel = functionalModel({
      inputs: input,
      outputs: layers.activation({ activation: 'softmax' }).apply(logits) as SymbolicTensor,
    });
    const xs = x();
    const fromLogits = mcDropoutPredict(logitsModel, xs, {
      numSamples: 4,
      seed: 8,
      output: 'logits',
    });
    const fromProbs = mcDropoutPredict(probsModel, xs, { numSamples: 4, seed: 8 });
    // Same layers, same dropout sites, same seeds: softmax(logits) equals the softmax model.
    const a = await read(fromLogits.members!);
    const b = await read(fromProbs.members!);
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i]!, 5);
    });
    const m = await readArray<number[][][]>(fromLogits.members!);
    expect(m[0]).not.toEqual(m[1]);
    [fromLogits, fromProbs].forEach(disposePredictive);
    xs.dispose();
  });

  it('processes rows in batches of batchSize', async () => {
    const m = mcModel();
    const input = x();
    const p = mcDropoutPredict(m, input, { numSamples: 3, batchSize: 7, seed: 1 });
    expect(p.members!.shape).toEqual([3, 20, 3]);
    // Rows 0..6 form batch 0 of pass 0, exactly as a batchSize-7 call on those rows alone.
    const head = tf.slice(input, [0], [7]);
    const q = mcDropoutPredict(m, head, { numSamples: 3, batchSize: 7, seed: 1 });
    const sliced = tf.slice(p.members!, [0, 0, 0], [3, 7, 3]);
    expect(await read(sliced)).toEqual(await read(q.members!));
    tf.dispose([input, head, sliced]);
    [p, q].forEach(disposePredictive);
  });

  it('rejects bad arguments, naming them', () => {
    const m = mcModel();
    const input = x();
    const noDropout = sequential();
    noDropout.add(layers.dense({ inputShape: [4], units: 2, activation: 'softmax' }));
    expect(() => mcDropoutPredict(noDropout, input)).toThrow(
      'mcDropoutPredict: model must be a model with at least one MCDropout or Dropout layer with rate > 0',
    );
    expect(() => mcDropoutPredict({} as LayersModel, input)).toThrow(
      'mcDropoutPredict: model must be a tfjs-layers model',
    );
    expect(() => mcDropoutPredict(m, input, { numSamples: 0 })).toThrow(
      'mcDropoutPredict: options.numSamples must be an integer >= 1, got 0',
    );
    expect(() => mcDropoutPredict(m, input, { batchSize: 1.5 })).toThrow('options.batchSize');
    expect(() => mcDropoutPredict(m, input, null as never)).toThrow(
      'mcDropoutPredict: options must be an object { numSamples?, batchSize?, seed?, output? }, got null',
    );
    // Arrays and tensors are no options object either (both passed the old typeof check).
    for (const bad of [[{ numSamples: 2 }], input]) {
      expect(() => mcDropoutPredict(m, input, bad as never)).toThrow(
        /^mcDropoutPredict: options must be an object \{ numSamples\?, batchSize\?, seed\?, output\? \}, got /,
      );
    }
    expect(() => mcDropoutPredict(m, null as never)).toThrow(
      'mcDropoutPredict: x must be a tensor, got null',
    );
    expect(() => mcDropoutPredict(m, input, { seed: -1 })).toThrow('options.seed');
    expect(() => mcDropoutPredict(m, input, { output: 'scores' as 'logits' })).toThrow(
      "options.output must be one of 'probabilities', 'logits', got \"scores\"",
    );
    const flat = tf.ones([4]);
    expect(() => mcDropoutPredict(m, flat)).toThrow(
      'mcDropoutPredict: x must be of rank 2, got [4]',
    );

    const logitsModel = sequential();
    logitsModel.add(layers.dense({ inputShape: [4], units: 3 }));
    logitsModel.add(layers.dropout({ rate: 0.5 }));
    expectValueCheck(
      () => mcDropoutPredict(logitsModel, input),
      /mcDropoutPredict: model output\[\d+\]\S* must be/,
    );
    // The call (failed, off webgpu) restored the Dropout layer and freed its tensors.
    expect(Object.hasOwn(logitsModel.layers[1]!, 'call')).toBe(false);

    const oneColumn = sequential();
    oneColumn.add(layers.dense({ inputShape: [4], units: 1, activation: 'sigmoid' }));
    oneColumn.add(layers.dropout({ rate: 0.5 }));
    expect(() => mcDropoutPredict(oneColumn, input)).toThrow(
      'mcDropoutPredict: model output must be of shape [B, K] with K >= 2 classes, got [20, 1]',
    );
    tf.dispose([input, flat]);
  });

  it('does not leak tensors, also when it throws', () => {
    const m = mcModel();
    const input = x();
    const run = (): Predictive => mcDropoutPredict(m, input, { numSamples: 3, batchSize: 8 });
    disposePredictive(run());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) disposePredictive(run());
    expect(tf.memory().numTensors).toBe(before);

    const logitsModel = sequential();
    logitsModel.add(layers.dense({ inputShape: [4], units: 3 }));
    logitsModel.add(layers.dropout({ rate: 0.5 }));
    const beforeThrow = tf.memory().numTensors;
    // On webgpu the probability check is skipped: the call returns, and its result is freed.
    expectValueCheck(() => mcDropoutPredict(logitsModel, input), 'mcDropoutPredict: model output');
    expect(tf.memory().numTensors).toBe(beforeThrow);
    input.dispose();
  });
});
