import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeError } from '@uqjs/core';
import { makeMoons, makeOodCluster } from '@uqjs/datasets';
import { describe, expect, it } from 'vitest';
import { ConfidenceBranch, confidencePredict, trainWithConfidence } from '../src/index.js';

function buildModel(seed: number) {
  const model = sequential();
  model.add(
    layers.dense({
      inputShape: [2],
      units: 32,
      activation: 'relu',
      kernelInitializer: initializers.glorotUniform({ seed }),
    }),
  );
  model.add(new ConfidenceBranch({ units: 2, seed }));
  return model;
}

describe('trainWithConfidence', () => {
  it('learns the moons and gives lower confidence on an OOD cluster', async () => {
    const train = makeMoons({ n: 400, noise: 0.1, seed: 1 });
    const test = makeMoons({ n: 200, noise: 0.1, seed: 2 });
    // The cluster sits in the empty gap between the two arms (0.6 from both arcs' centres,
    // 0.4 = 4 noise sd from the data), where training examples needed hints most.
    const ood = makeOodCluster({ n: 200, mean: [0.5, 0.25], std: 0.1, seed: 3 });
    const model = buildModel(5);
    const x = tf.tensor2d(train.x, [400, 2]);
    const history = await trainWithConfidence(model, x, train.y, {
      seed: 11,
      epochs: 40,
      batchSize: 32,
      learningRate: 0.01,
    });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    const xt = tf.tensor2d(test.x, [200, 2]);
    const xo = tf.tensor2d(ood.x, [200, 2]);
    const inDist = confidencePredict(model, xt);
    const outDist = confidencePredict(model, xo);
    const probs = (await inDist.probs.array()) as number[][];
    const accuracy = probs.filter((p, i) => (p[1]! > p[0]! ? 1 : 0) === test.y[i]).length / 200;
    const meanOf = async (t: tf.Tensor) =>
      Array.from(await t.data()).reduce((a, b) => a + b, 0) / t.size;
    const cIn = await meanOf(inDist.confidence);
    const cOut = await meanOf(outDist.confidence);
    // Seen on wasm: mean c 0.84 on the test moons, 0.31 on the cluster (a margin of 0.5).
    expect(accuracy).toBeGreaterThan(0.9);
    expect(cOut).toBeLessThan(cIn - 0.15);
    // c as an OOD score: AUROC = P(c_in > c_ood) over all pairs (ties count 1/2); 0.95 on wasm.
    const [vIn, vOut] = [await inDist.confidence.data(), await outDist.confidence.data()];
    let wins = 0;
    for (const a of vIn) for (const b of vOut) wins += a > b ? 1 : a === b ? 0.5 : 0;
    expect(wins / (vIn.length * vOut.length)).toBeGreaterThan(0.8);
    tf.dispose([x, xt, xo, inDist, outDist]);
    model.dispose();
  });

  it('adapts lambda by 1.01 per step towards the budget', async () => {
    const moons = makeMoons({ n: 40, seed: 4 });
    const x = tf.tensor2d(moons.x, [40, 2]);
    // 3 epochs of ceil(40 / 16) = 3 steps: 9 steps. -log c >= 0 is always above a budget of
    // 1e-9 only while c < 1 - 1e-9, which float32 sigmoid of a small logit never reaches.
    const steps = 9;
    const up = buildModel(1);
    const upHistory = await trainWithConfidence(up, x, moons.y, {
      seed: 1,
      epochs: 3,
      batchSize: 16,
      lambda: 0.2,
      budget: 1e-9,
    });
    expect(upHistory.lambda.at(-1)!).toBeCloseTo(0.2 * 1.01 ** steps, 10);
    expect(upHistory.lambda[0]!).toBeCloseTo(0.2 * 1.01 ** 3, 10);
    // A budget of 100 is never exceeded (c = 0.5 gives 0.69): lambda shrinks every step.
    const down = buildModel(1);
    const downHistory = await trainWithConfidence(down, x, moons.y, {
      seed: 1,
      epochs: 3,
      batchSize: 16,
      lambda: 0.2,
      budget: 100,
    });
    expect(downHistory.lambda.at(-1)!).toBeCloseTo(0.2 / 1.01 ** steps, 10);
    tf.dispose(x);
    up.dispose();
    down.dispose();
  });

  it('repeats by seed, differs across seeds, and leaks no tensor', async () => {
    const moons = makeMoons({ n: 48, seed: 6 });
    const x = tf.tensor2d(moons.x, [48, 2]);
    const labels = tf.tensor1d(moons.y, 'int32');
    const run = async (seed: number) => {
      const model = buildModel(3);
      const before = tf.memory().numTensors;
      const history = await trainWithConfidence(model, x, labels, {
        seed,
        epochs: 2,
        batchSize: 16,
      });
      // Adam's slots are freed with the optimizer; the model's weights stay as they were.
      expect(tf.memory().numTensors).toBe(before);
      const weights = await Promise.all(
        model.getWeights().map(async (w) => Array.from(await w.data())),
      );
      model.dispose();
      return { history, weights };
    };
    const a = await run(21);
    const b = await run(21);
    const c = await run(22);
    expect(b.history).toEqual(a.history);
    expect(b.weights).toEqual(a.weights);
    expect(c.history.loss).not.toEqual(a.history.loss);
    tf.dispose([x, labels]);
  });

  it('rejects bad arguments, naming them', async () => {
    const model = buildModel(2);
    const x = tf.tensor2d([0, 0, 1, 1], [2, 2]);
    await expect(trainWithConfidence(model, x, [0, 2], { seed: 1 })).rejects.toThrow(/labels\[1\]/);
    await expect(trainWithConfidence(model, x, [0], { seed: 1 })).rejects.toThrow(ShapeError);
    const nan = tf.tensor2d([0, Number.NaN, 1, 1], [2, 2]);
    await expect(trainWithConfidence(model, nan, [0, 1], { seed: 1 })).rejects.toThrow(/x\[1\]/);
    nan.dispose();
    await expect(
      trainWithConfidence(model, x, [0, 1], {} as unknown as { seed: number }),
    ).rejects.toThrow(/options.seed/);
    // null, arrays and tensors are no options object (arrays and tensors passed the old check).
    for (const bad of [null, [{ seed: 1 }], x]) {
      await expect(trainWithConfidence(model, x, [0, 1], bad as never)).rejects.toThrow(
        /^trainWithConfidence: options must be an object \{ seed, epochs\?, batchSize\?, lambda\?, budget\?, \.\.\. \}, got /,
      );
    }
    // Left out, the options read as {} and the error names the missing seed.
    await expect(trainWithConfidence(model, x, [0, 1], undefined as never)).rejects.toThrow(
      /^trainWithConfidence: options\.seed must be/,
    );
    await expect(trainWithConfidence(model, x, [0, 1], { seed: 1, budget: 0 })).rejects.toThrow(
      /options.budget/,
    );
    await expect(trainWithConfidence(model, x, [0, 1], { seed: 1, lambda: 0 })).rejects.toThrow(
      InvalidArgumentError,
    );
    const plain = sequential();
    plain.add(layers.dense({ inputShape: [2], units: 2 }));
    await expect(trainWithConfidence(plain, x, [0, 1], { seed: 1 })).rejects.toThrow(
      /model output/,
    );
    expect(() => confidencePredict(plain, x)).toThrow(/model output/);
    expect(() => confidencePredict(model, x, { batchSize: 0 })).toThrow(/options.batchSize/);
    // null and arrays are no options object (an array passed the old typeof check).
    for (const bad of [null, [2]]) {
      expect(() => confidencePredict(model, x, bad as never)).toThrow(
        /^confidencePredict: options must be an options object \(or nothing\), got /,
      );
    }
    tf.dispose(x);
    model.dispose();
    plain.dispose();
  });
});
