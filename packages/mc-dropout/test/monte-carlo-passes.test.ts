import * as tf from '@tensorflow/tfjs-core';
import {
  model as functionalModel,
  type LayersModel,
  layers,
  type SymbolicTensor,
  sequential,
} from '@tensorflow/tfjs-layers';
import { disposePredictive, InvalidArgumentError, ShapeError } from '@uqjs/core';
import { describe, expect, it } from 'vitest';
import {
  checkModelAndInput,
  type MonteCarloPassesOptions,
  monteCarloPasses,
  readPassOptions,
} from '../src/index.js';
import { readArray } from './helpers.js';

// x [5, 2] and the kernel A [2, 3]; pass s runs with kernel (s + 1) * A, no bias.
const X = [
  [0.5, -1],
  [1, 0.25],
  [-0.75, 0.5],
  [0, 1],
  [2, -0.5],
];
const A = [
  [1, -0.5, 0.25],
  [0.5, 1, -1],
];

/** Dense 2 -> 3 without bias, linear or softmax. */
function linearModel(activation: 'linear' | 'softmax' = 'linear'): LayersModel {
  const m = sequential();
  m.add(layers.dense({ inputShape: [2], units: 3, useBias: false, activation }));
  return m;
}

/** Sets the model's kernel to `(s + 1) * A`, so pass `s` is a known deterministic network. */
function setPass(m: LayersModel, s: number): void {
  m.layers[0]!.setWeights([tf.tensor2d(A.map((row) => row.map((a) => (s + 1) * a)))]);
}

/** Plain-JS probabilities of pass `s` for row `n`: softmax(x_n (s + 1) A). */
function expectedRow(s: number, n: number): number[] {
  const logits = [0, 1, 2].map((k) =>
    X[n]!.reduce((acc, xd, d) => acc + xd * (s + 1) * A[d]![k]!, 0),
  );
  const top = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function options(
  m: LayersModel,
  extra: Partial<MonteCarloPassesOptions> = {},
): MonteCarloPassesOptions {
  return {
    fn: 'testPredict',
    numSamples: 3,
    batchSize: 2,
    output: 'logits',
    beforePass: (s) => setPass(m, s),
    restore: () => {},
    ...extra,
  };
}

describe('monteCarloPasses', () => {
  it('stacks one softmaxed pass per sample over row batches, with mean and population variance', async () => {
    const m = linearModel();
    const x = tf.tensor2d(X);
    const p = monteCarloPasses(m, x, options(m));
    expect(p.members!.shape).toEqual([3, 5, 3]);
    const members = await readArray<number[][][]>(p.members!);
    const probs = await readArray<number[][]>(p.probs);
    const variance = await readArray<number[][]>(p.variance!);
    for (let n = 0; n < 5; n++) {
      const rows = [0, 1, 2].map((s) => expectedRow(s, n));
      for (let k = 0; k < 3; k++) {
        const column = rows.map((row) => row[k]!);
        const mean = column.reduce((a, b) => a + b, 0) / 3;
        const v = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
        // float32 softmax of logits below 5 in size against float64: within 5e-6 absolute.
        for (let s = 0; s < 3; s++) expect(members[s]![n]![k]).toBeCloseTo(column[s]!, 5);
        expect(probs[n]![k]).toBeCloseTo(mean, 5);
        expect(variance[n]![k]).toBeCloseTo(v, 5);
      }
    }
    disposePredictive(p);
    x.dispose();
  });

  it("uses a 'probabilities' output as is", async () => {
    const m = linearModel('softmax');
    const x = tf.tensor2d(X);
    const p = monteCarloPasses(m, x, options(m, { output: 'probabilities', batchSize: 128 }));
    const members = await readArray<number[][][]>(p.members!);
    // One softmax, not two: a second one would flatten the rows towards 1/3.
    for (let s = 0; s < 3; s++) {
      for (let n = 0; n < 5; n++) {
        expectedRow(s, n).forEach((v, k) => {
          expect(members[s]![n]![k]).toBeCloseTo(v, 5);
        });
      }
    }
    disposePredictive(p);
    x.dispose();
  });

  it('calls beforePass, beforeBatch and checkFirstBatch in order, and restore once', async () => {
    const m = linearModel();
    const x = tf.tensor2d(X);
    const calls: string[] = [];
    let kept: tf.Tensor | undefined;
    const p = monteCarloPasses(
      m,
      x,
      options(m, {
        numSamples: 2,
        beforePass: (s) => {
          calls.push(`pass ${s}`);
          setPass(m, s);
        },
        beforeBatch: (s, b) => calls.push(`batch ${s}.${b}`),
        checkFirstBatch: (out) => {
          calls.push('check');
          // Kept past the passes' tidy scope and read after, asynchronously (webgpu).
          kept = tf.keep(out.clone());
        },
        restore: () => calls.push('restore'),
      }),
    );
    expect(calls).toEqual([
      'pass 0',
      'batch 0.0',
      'check',
      'batch 0.1',
      'batch 0.2',
      'pass 1',
      'batch 1.0',
      'batch 1.1',
      'batch 1.2',
      'restore',
    ]);
    // The raw output of rows 0 and 1 in pass 0 (logits x A, before softmax).
    const firstBatch = await readArray<number[][]>(kept!);
    kept!.dispose();
    expect(firstBatch).toHaveLength(2);
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 3; k++) {
        const logit = X[n]!.reduce((acc, xd, d) => acc + xd * A[d]![k]!, 0);
        // float32 products of a few terms below 2: within 5e-6.
        expect(firstBatch[n]![k]).toBeCloseTo(logit, 5);
      }
    }
    disposePredictive(p);
    x.dispose();
  });

  it('restores and frees every tensor when a pass throws', () => {
    const m = linearModel();
    const x = tf.tensor2d(X);
    setPass(m, 0);
    let restored = 0;
    const before = tf.memory().numTensors;
    const fail = () => {
      throw new Error('bad rows');
    };
    expect(() =>
      monteCarloPasses(m, x, options(m, { checkFirstBatch: fail, restore: () => restored++ })),
    ).toThrow('bad rows');
    expect(restored).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const p = monteCarloPasses(m, x, options(m));
    disposePredictive(p);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects a model with several outputs or fewer than two classes, naming fn', () => {
    const input = layers.input({ shape: [2] });
    const twoHeads = functionalModel({
      inputs: input,
      outputs: [
        layers.dense({ units: 3 }).apply(input) as SymbolicTensor,
        layers.dense({ units: 3 }).apply(input) as SymbolicTensor,
      ],
    });
    const x = tf.tensor2d(X);
    const o: MonteCarloPassesOptions = { ...options(twoHeads), beforePass: undefined };
    expect(() => monteCarloPasses(twoHeads, x, o)).toThrow(InvalidArgumentError);
    expect(() => monteCarloPasses(twoHeads, x, o)).toThrow(/testPredict.*single output/);
    const oneClass = sequential();
    oneClass.add(layers.dense({ inputShape: [2], units: 1 }));
    const o1 = { ...options(oneClass), beforePass: undefined };
    expect(() => monteCarloPasses(oneClass, x, o1)).toThrow(ShapeError);
    expect(() => monteCarloPasses(oneClass, x, o1)).toThrow(/testPredict.*K >= 2/);
    x.dispose();
  });
});

describe('checkModelAndInput', () => {
  it('accepts a single-input model with a matching x, and names fn otherwise', () => {
    const m = linearModel();
    const x = tf.tensor2d(X);
    expect(() => checkModelAndInput(m, x, 'testPredict')).not.toThrow();
    expect(() => checkModelAndInput({}, x, 'testPredict')).toThrow(
      /testPredict.*model.*tfjs-layers model/,
    );
    expect(() => checkModelAndInput(null, x, 'testPredict')).toThrow(InvalidArgumentError);
    const a = layers.input({ shape: [2] });
    const b = layers.input({ shape: [2] });
    const twoInputs = functionalModel({
      inputs: [a, b],
      outputs: layers.add().apply([a, b]) as SymbolicTensor,
    });
    expect(() => checkModelAndInput(twoInputs, x, 'testPredict')).toThrow(/single input/);
    const flat = tf.zeros([5]);
    expect(() => checkModelAndInput(m, flat, 'testPredict')).toThrow(ShapeError);
    const empty = tf.zeros([0, 2]);
    expect(() => checkModelAndInput(m, empty, 'testPredict')).toThrow(/at least one row/);
    tf.dispose([x, flat, empty]);
  });
});

describe('readPassOptions', () => {
  it('reads the defaults and given values, and names options.<key> and fn in errors', () => {
    expect(readPassOptions({}, 'testPredict', 'an object')).toEqual({
      batchSize: 128,
      seed: 0,
      output: 'probabilities',
    });
    expect(
      readPassOptions({ batchSize: 7, seed: 3, output: 'logits' }, 'testPredict', 'an object'),
    ).toEqual({ batchSize: 7, seed: 3, output: 'logits' });
    expect(() => readPassOptions(null, 'testPredict', 'an object { seed? }')).toThrow(
      /testPredict.*options.*an object \{ seed\? \}/,
    );
    expect(() => readPassOptions(3, 'testPredict', 'an object')).toThrow(InvalidArgumentError);
    expect(() => readPassOptions({ batchSize: 0 }, 'testPredict', '')).toThrow(
      /testPredict.*options\.batchSize/,
    );
    expect(() => readPassOptions({ seed: 1.5 }, 'testPredict', '')).toThrow(/options\.seed/);
    expect(() => readPassOptions({ output: 'scores' }, 'testPredict', '')).toThrow(
      /options\.output/,
    );
  });
});
