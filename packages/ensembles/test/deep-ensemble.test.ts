import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayersModel, layers, sequential } from '@tensorflow/tfjs-layers';
import { DataError, deriveSeed, disposePredictive, InvalidArgumentError } from '@uqjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepEnsemble, type MemberContext, mixtureMoments } from '../src/index.js';
import { ensembleDirectory, fileSystemHandler } from '../src/node.js';
import { expectValueCheck, read, readArray } from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'uqjs-ensemble-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small MLP 2 -> 8 -> 8 -> outputs, with default (unseeded) initializers. */
function mlp(
  outputs: number,
  activation: 'softmax' | 'linear' = 'softmax',
  dropout = 0,
): LayersModel {
  const m = sequential();
  m.add(layers.dense({ inputShape: [2], units: 8, activation: 'relu' }));
  if (dropout > 0) m.add(layers.dropout({ rate: dropout }));
  m.add(layers.dense({ units: 8, activation: 'relu' }));
  m.add(layers.dense({ units: outputs, activation }));
  return m;
}

function weightsOf(ensemble: DeepEnsemble): Promise<number[][][]> {
  return Promise.all(ensemble.members.map((m) => Promise.all(m.getWeights().map(read))));
}

/** 24 points in two classes split by the line x0 + x1 = 0. */
function data() {
  const x = tf.randomNormal([24, 2], 0, 1, 'float32', 7);
  const labels = tf.tidy(() => tf.cast(tf.greater(tf.sum(x, 1), 0), 'int32'));
  return { x, labels };
}

describe('DeepEnsemble.create', () => {
  it('initializes members differently, reproducibly for a seed, and tells buildModel its member', async () => {
    const seen: MemberContext[] = [];
    const a = DeepEnsemble.create(
      (member) => {
        seen.push(member);
        return mlp(3);
      },
      { size: 3, seed: 5 },
    );
    expect(seen).toEqual(
      [0, 1, 2].map((index) => ({ index, seed: deriveSeed(5, 'member', index) })),
    );
    const b = DeepEnsemble.create(() => mlp(3), { size: 3, seed: 5 });
    const c = DeepEnsemble.create(() => mlp(3), { size: 3, seed: 6 });
    const wa = await weightsOf(a);
    expect(await weightsOf(b)).toEqual(wa);
    expect(wa[0]![0]).not.toEqual(wa[1]![0]);
    expect(wa[1]![0]).not.toEqual(wa[2]![0]);
    expect((await weightsOf(c))[0]![0]).not.toEqual(wa[0]![0]);
    expect(a.size).toBe(3);
    [a, b, c].forEach((e) => {
      e.dispose();
    });
  });

  it('puts Math.random back afterwards', () => {
    const original = Math.random;
    DeepEnsemble.create(() => mlp(2), { size: 2, seed: 1 }).dispose();
    expect(Math.random).toBe(original);
  });

  it('rejects bad arguments and unusable members, naming them', () => {
    const fn = 'DeepEnsemble.create';
    expect(() => DeepEnsemble.create(() => mlp(2), { size: 0 })).toThrow(
      `${fn}: options.size must be an integer >= 1, got 0`,
    );
    expect(() => DeepEnsemble.create(() => mlp(2), { size: 2, seed: -1 })).toThrow(
      `${fn}: options.seed must be an integer seed in [0, 2^32), got -1`,
    );
    expect(() =>
      DeepEnsemble.create(() => mlp(2), { size: 2, output: 'scores' as 'logits' }),
    ).toThrow(
      `${fn}: options.output must be one of 'probabilities', 'logits', 'gaussian', 'laplace', got "scores"`,
    );
    // null and arrays are no options (an array passed the old typeof check).
    for (const bad of [null, [2]]) {
      expect(() => DeepEnsemble.create(() => mlp(2), bad as never)).toThrow(
        /^DeepEnsemble\.create: options must be an object \{ size, seed\? \}, got /,
      );
    }
    expect(() => DeepEnsemble.create('mlp' as never, { size: 2 })).toThrow(
      `${fn}: buildModel must be a function returning a LayersModel, got "mlp"`,
    );
    expect(() => DeepEnsemble.create((() => ({})) as never, { size: 2 })).toThrow(
      `${fn}: buildModel(member 0) must be a tfjs-layers model (LayersModel or Sequential)`,
    );
    const shared = mlp(2);
    expect(() => DeepEnsemble.create(() => shared, { size: 2 })).toThrow(
      `${fn}: buildModel must be a function returning a new model per call, got "the same model for members 0 and 1"`,
    );
    expect(() =>
      DeepEnsemble.create(() => mlp(3, 'linear'), { size: 2, output: 'gaussian' }),
    ).toThrow(
      `${fn}: buildModel(member 0) output must be of shape [B, 2] (mean, raw dispersion) for output 'gaussian', got [null, 3]`,
    );
    const fixedSeeds = () => {
      const m = sequential();
      m.add(
        layers.dense({
          inputShape: [2],
          units: 2,
          activation: 'softmax',
          kernelInitializer: initializers.glorotUniform({ seed: 1 }),
        }),
      );
      return m;
    };
    expectValueCheck(() => DeepEnsemble.create(fixedSeeds, { size: 2 }), InvalidArgumentError);
    expectValueCheck(
      () => DeepEnsemble.create(fixedSeeds, { size: 2 }),
      /differently initialized members .* got "members 0 and 1 with identical/,
    );
  });
});

describe('DeepEnsemble.fit and predict', () => {
  it('trains reproducibly for a seed (dropout included) and differently for another seed', async () => {
    const { x, labels } = data();
    const run = async (seed: number) => {
      const e = DeepEnsemble.create(() => mlp(2, 'softmax', 0.3), { size: 2, seed });
      const { loss } = await e.fit(x, labels, { epochs: 3, batchSize: 8, learningRate: 0.01 });
      const p = e.predict(x);
      const out = { loss, members: await read(p.members!) };
      disposePredictive(p);
      e.dispose();
      return out;
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(b).toEqual(a);
    expect(c.members).not.toEqual(a.members);
    expect(a.loss).toHaveLength(2);
    expect(a.loss[0]).toHaveLength(3);
    tf.dispose([x, labels]);
  });

  it('derives each member data order from the seed', async () => {
    // One member with the same fixed initial weights in both ensembles and no randomness in
    // the model: after one epoch the weights differ only through the order of the batches.
    const initial = mlp(2)
      .getWeights()
      .map((w) => w.clone());
    const build = () => {
      const m = mlp(2);
      m.setWeights(initial);
      return m;
    };
    const { x, labels } = data();
    const trained = async (seed: number) => {
      const e = DeepEnsemble.create(build, { size: 1, seed });
      await e.fit(x, labels, { epochs: 1, batchSize: 4, learningRate: 0.01 });
      const w = await weightsOf(e);
      e.dispose();
      return w;
    };
    const a = await trained(1);
    expect(await trained(1)).toEqual(a);
    expect((await trained(2))[0]![0]).not.toEqual(a[0]![0]);
    tf.dispose([x, labels, ...initial]);
  });

  it('learns, and accepts labels [N] and one-hot targets [N, K] alike', async () => {
    const { x, labels } = data();
    const oneHot = tf.oneHot(labels, 2);
    const fitWith = async (y: tf.Tensor) => {
      const e = DeepEnsemble.create(() => mlp(2), { size: 2, seed: 3 });
      const epochs: number[] = [];
      const { loss } = await e.fit(x, y, {
        epochs: 30,
        batchSize: 8,
        learningRate: 0.02,
        onEpochEnd: (member, epoch) => {
          if (member === 0) epochs.push(epoch);
        },
      });
      const p = e.predict(x);
      const probs = await readArray<number[][]>(p.probs);
      disposePredictive(p);
      e.dispose();
      return { loss, probs, epochs };
    };
    const fromLabels = await fitWith(labels);
    const fromOneHot = await fitWith(oneHot);
    expect(fromOneHot.loss).toEqual(fromLabels.loss);
    expect(fromLabels.epochs).toHaveLength(30);
    for (const memberLoss of fromLabels.loss)
      expect(memberLoss[29]!).toBeLessThan(memberLoss[0]! / 2);
    const truth = await readArray<number[]>(labels);
    const correct = fromLabels.probs.filter(
      (row, i) => (row[1]! > 0.5 ? 1 : 0) === truth[i],
    ).length;
    expect(correct).toBeGreaterThanOrEqual(22); // 24 separable points, 30 epochs
    tf.dispose([x, labels, oneHot]);
  });

  it('averages member probabilities; logits members go through softmax first', async () => {
    const e = DeepEnsemble.create(() => mlp(3, 'linear'), { size: 3, seed: 2, output: 'logits' });
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 1);
    const p = e.predict(x, { batchSize: 2 });
    expect(p.members!.shape).toEqual([3, 5, 3]);
    const perMember = await Promise.all(
      e.members.map(async (m) => {
        const member = tf.tidy(() => tf.softmax(m.predict(x) as tf.Tensor));
        const rows = await readArray<number[][]>(member);
        member.dispose();
        return rows;
      }),
    );
    const probs = await readArray<number[][]>(p.probs);
    const variance = await readArray<number[][]>(p.variance!);
    for (let n = 0; n < 5; n++) {
      for (let k = 0; k < 3; k++) {
        const column = perMember.map((member) => member[n]![k]!);
        const mean = column.reduce((a, b) => a + b, 0) / 3;
        expect(probs[n]![k]).toBeCloseTo(mean, 5);
        expect(variance[n]![k]).toBeCloseTo(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 3, 5);
      }
    }
    disposePredictive(p);
    e.dispose();
    x.dispose();
  });

  it('trains heteroscedastic regression members and combines them with mixtureMoments', async () => {
    const x = tf.randomUniform([32, 2], -1, 1, 'float32', 4);
    const y = tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d([1.5, -0.5])), 1));
    for (const kind of ['gaussian', 'laplace'] as const) {
      const e = DeepEnsemble.create(() => mlp(2, 'linear'), { size: 3, seed: 1, output: kind });
      const { loss } = await e.fit(x, y, { epochs: 15, batchSize: 8, learningRate: 0.02 });
      expect(loss[0]![14]!).toBeLessThan(loss[0]![0]!);
      const r = e.predictRegression(x);
      expect(r.mean.shape).toEqual([32]);
      expect(r.memberMeans.shape).toEqual([3, 32]);
      // Independent recomputation from the raw member outputs.
      const raw = await Promise.all(
        e.members.map((m) => readArray<number[][]>(m.predict(x) as tf.Tensor)),
      );
      const means = raw.map((rows) => rows.map((row) => row[0]!));
      const second = raw.map((rows) => rows.map((row) => Math.log1p(Math.exp(row[1]!)) + 1e-6));
      // Member variances: sigma^2 = second (Gaussian), 2 b^2 with b = second (Laplace).
      const variances = second.map((row) => row.map((s) => (kind === 'laplace' ? 2 * s * s : s)));
      const expected = mixtureMoments(means, variances, kind);
      (await read(r.mean)).forEach((v, i) => {
        expect(v).toBeCloseTo(expected.mean[i]!, 4);
      });
      (await read(r.variance)).forEach((v, i) => {
        expect(v).toBeCloseTo(expected.variance[i]!, 4);
      });
      const memberVariances = await readArray<number[][]>(r.memberVariances);
      memberVariances.forEach((row, m) => {
        row.forEach((v, i) => {
          const s = second[m]![i]!;
          expect(v).toBeCloseTo(kind === 'laplace' ? 2 * s * s : s, 4);
        });
      });
      expect(() => e.predict(x)).toThrow('DeepEnsemble.predict: this.output must be');
      tf.dispose(r);
      e.dispose();
    }
    tf.dispose([x, y]);
  });

  it('adds the fast-gradient-sign term when adversarialEps > 0', async () => {
    const { x, labels } = data();
    const firstEpoch = async (adversarialEps: number) => {
      const e = DeepEnsemble.create(() => mlp(2), { size: 1, seed: 4 });
      const { loss } = await e.fit(x, labels, { epochs: 1, batchSize: 24, adversarialEps });
      e.dispose();
      return loss[0]![0]!;
    };
    const plain = await firstEpoch(0);
    const adversarial = await firstEpoch(0.1);
    // One full batch from the same weights: objective = l(x) + l(x') with l(x') >= l(x) to
    // first order, so it is at least twice the plain loss (up to curvature).
    expect(adversarial).toBeGreaterThan(2 * plain - 1e-3);
    expect(adversarial).toBeLessThan(2 * plain + 1);
    expect(await firstEpoch(0.1)).toBe(adversarial);
    tf.dispose([x, labels]);
  });

  it('rejects bad fit and predict arguments, naming them', async () => {
    const e = DeepEnsemble.create(() => mlp(3), { size: 2, seed: 1 });
    const x = tf.zeros([4, 2]);
    const badLabels = tf.tensor1d([0, 1, 3, 0], 'int32');
    const wrongRows = tf.zeros([5], 'int32');
    const wrongWidth = tf.zeros([4, 2]);
    const flat = tf.zeros([4]);
    await expect(e.fit(x, badLabels)).rejects.toThrow(
      'DeepEnsemble.fit: y[2] must be an integer class label in [0, 2], got 3',
    );
    await expect(e.fit(x, wrongRows)).rejects.toThrow(
      'DeepEnsemble.fit: y must be of shape [4] (labels) or [4, 3], got [5]',
    );
    await expect(e.fit(x, wrongWidth)).rejects.toThrow('got [4, 2]');
    await expect(e.fit(x, wrongRows, { epochs: 0 })).rejects.toThrow(
      'DeepEnsemble.fit: options.epochs must be an integer >= 1, got 0',
    );
    await expect(e.fit(x, badLabels, { adversarialEps: -1 })).rejects.toThrow(
      'DeepEnsemble.fit: options.adversarialEps must be >= 0, got -1',
    );
    expect(() => e.predict(flat)).toThrow('DeepEnsemble.predict: x must be of rank 2, got [4]');
    expect(() => e.predictRegression(x)).toThrow(
      "DeepEnsemble.predictRegression: this.output must be 'gaussian' or 'laplace'",
    );
    const logits = DeepEnsemble.create(() => mlp(3, 'linear'), { size: 2, seed: 1 });
    const xs = tf.randomNormal([4, 2], 0, 3, 'float32', 1);
    expectValueCheck(() => logits.predict(xs), /DeepEnsemble\.predict: member 0 output\[\d\]/);
    tf.dispose([x, badLabels, wrongRows, wrongWidth, flat, xs]);
    e.dispose();
    logits.dispose();
  });
});

describe('DeepEnsemble.save / load', () => {
  it('round-trips members, seed, output and fit count: identical predictions and further training', async () => {
    const { x, labels } = data();
    const e = DeepEnsemble.create(() => mlp(2), { size: 2, seed: 8 });
    await e.fit(x, labels, { epochs: 2, batchSize: 8 });
    const dir = join(root, 'ensemble');
    await e.save(ensembleDirectory(dir));
    const loaded = await DeepEnsemble.load(ensembleDirectory(dir));
    expect([loaded.size, loaded.seed, loaded.output, loaded.eps]).toEqual([
      2,
      8,
      'probabilities',
      1e-6,
    ]);
    const pa = e.predict(x);
    const pb = loaded.predict(x);
    expect(await read(pb.members!)).toEqual(await read(pa.members!));
    // The second fit of each continues identically (same weights, same fit index, same seeds).
    const la = await e.fit(x, labels, { epochs: 1, batchSize: 8 });
    const lb = await loaded.fit(x, labels, { epochs: 1, batchSize: 8 });
    expect(lb.loss).toEqual(la.loss);
    [pa, pb].forEach(disposePredictive);
    e.dispose();
    loaded.dispose();
    tf.dispose([x, labels]);
  });

  it('rejects a directory path or other non-store with a hint to ensembleDirectory', async () => {
    const e = DeepEnsemble.create(() => mlp(2), { size: 1, seed: 1 });
    await expect(e.save(join(root, 'plain') as never)).rejects.toThrow(
      /^DeepEnsemble\.save: store must be an EnsembleStore \(on Node: ensembleDirectory\(dir\) from '@uqjs\/ensembles\/node'\), got ".*plain"$/,
    );
    await expect(DeepEnsemble.load(null as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => ensembleDirectory('')).toThrow(
      'ensembleDirectory: dir must be a non-empty directory path, got ""',
    );
    e.dispose();
  });

  it('throws DataError for a missing or corrupt ensemble directory', async () => {
    await expect(
      DeepEnsemble.load(ensembleDirectory(join(root, 'nothing'))),
    ).rejects.toBeInstanceOf(DataError);
    const dir = join(root, 'corrupt');
    const e = DeepEnsemble.create(() => mlp(2), { size: 1, seed: 1 });
    await e.save(ensembleDirectory(dir));
    e.dispose();
    await writeFile(
      join(dir, 'ensemble.json'),
      JSON.stringify({
        format: 'uqjs-deep-ensemble',
        formatVersion: 1,
        seed: 1,
        output: 'probabilities',
        eps: 1e-6,
        fits: 0,
        members: ['../x'],
      }),
    );
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(
      /DeepEnsemble\.load: .*ensemble\.json: members must be a non-empty list of member directory names, got \["\.\.\/x"\]/,
    );
    await writeFile(join(dir, 'ensemble.json'), '{"format": "other"}');
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(
      'format must be "uqjs-deep-ensemble", got "other"',
    );
  });
});

describe('DeepEnsemble bad data and files (issue 19)', () => {
  it('rejects NaN data up front, and a step with a non-finite objective before any weight changes', async () => {
    const x = tf.randomUniform([16, 2], -1, 1, 'float32', 3);
    const e = DeepEnsemble.create(() => mlp(2, 'linear'), { size: 2, seed: 1, output: 'gaussian' });
    const start = await weightsOf(e);
    const nanX = tf.tensor2d(
      Array.from({ length: 32 }, (_, i) => (i === 5 ? Number.NaN : 0)),
      [16, 2],
    );
    await expect(e.fit(nanX, tf.zeros([16]))).rejects.toThrow(
      'DeepEnsemble.fit: x[5] must be finite, got NaN',
    );
    // Finite data whose squared error overflows float32: the objective is infinite.
    const huge = tf.fill([16], 1e30);
    const before = tf.memory().numTensors;
    await expect(e.fit(x, huge, { epochs: 1, batchSize: 16 })).rejects.toThrow(DataError);
    await expect(e.fit(x, huge, { epochs: 1, batchSize: 16 })).rejects.toThrow(
      /DeepEnsemble\.fit: member 0, epoch 0, batch 0: the objective \(.*\) or its gradients are not finite; no weight was updated/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(await weightsOf(e)).toEqual(start);
    expect((await weightsOf(e)).flat(2).every(Number.isFinite)).toBe(true);
    await expect(e.fit(x, tf.zeros([16]), null as never)).rejects.toThrow(
      'DeepEnsemble.fit: options must be an options object (or nothing), got null',
    );
    expect(() => e.predictRegression(x, null as never)).toThrow(
      'DeepEnsemble.predictRegression: options must be an options object',
    );
    // An array passed the old typeof check; it is no options object either.
    expect(() => e.predictRegression(x, [] as never)).toThrow(
      'DeepEnsemble.predictRegression: options must be an options object (or nothing), got ',
    );
    tf.dispose([x, nanX, huge]);
    e.dispose();
  });

  it('caps the member count of create and of a loaded manifest, stating the limit', async () => {
    expect(() => DeepEnsemble.create(() => mlp(2), { size: 1001 })).toThrow(
      'DeepEnsemble.create: options.size must be a number in [1, 1000], got 1001',
    );
    const dir = join(root, 'many');
    const e = DeepEnsemble.create(() => mlp(2), { size: 1, seed: 1 });
    await e.save(ensembleDirectory(dir));
    e.dispose();
    const manifest = JSON.parse(await readFile(join(dir, 'ensemble.json'), 'utf8'));
    manifest.members = Array.from({ length: 100000 }, (_, i) => `member-${i}`);
    await writeFile(join(dir, 'ensemble.json'), JSON.stringify(manifest));
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(
      'members must list at most 1000 members, got 100000',
    );
  });

  it('rejects members of different output widths, and weights that do not fit the topology', async () => {
    const dir = join(root, 'widths');
    const a = DeepEnsemble.create(() => mlp(2), { size: 2, seed: 1 });
    await a.save(ensembleDirectory(dir));
    a.dispose();
    // Replace member 1 by a 3-class model.
    const wide = DeepEnsemble.create(() => mlp(3), { size: 1, seed: 2 });
    await wide.members[0]!.save(fileSystemHandler(join(dir, 'member-1')));
    wide.dispose();
    const before = tf.memory().numTensors;
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(DataError);
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(
      /DeepEnsemble\.load: member "member-1" of .*ensemble\.json has input and output shapes \[\[2\],\[3\]\], member 0 has \[\[2\],\[2\]\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    // A topology edited to 9 units where the weights hold 8: tfjs's shape error, with the member named.
    const modelJson = join(dir, 'member-1', 'model.json');
    const json = JSON.parse(await readFile(modelJson, 'utf8'));
    json.modelTopology.config.layers[0].config.units = 9;
    await writeFile(modelJson, JSON.stringify(json));
    await expect(DeepEnsemble.load(ensembleDirectory(dir))).rejects.toThrow(
      /DeepEnsemble\.load: member "member-1" of .*ensemble\.json does not load: /,
    );
    // (tfjs's loadLayersModel itself keeps the weights of a model it fails to fill.)
  });
});

describe('DeepEnsemble tensor hygiene', () => {
  it('does not leak in fit, predict or predictRegression, and frees its weights on dispose', async () => {
    const { x, labels } = data();
    const before = tf.memory().numTensors;
    const e = DeepEnsemble.create(() => mlp(2), { size: 2, seed: 1 });
    const withMembers = tf.memory().numTensors;
    await e.fit(x, labels, { epochs: 1, batchSize: 8, adversarialEps: 0.05 });
    expect(tf.memory().numTensors).toBe(withMembers);
    disposePredictive(e.predict(x));
    expect(tf.memory().numTensors).toBe(withMembers);
    e.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => e.predict(x)).toThrow('DeepEnsemble.predict: the ensemble was disposed');

    const r = DeepEnsemble.create(() => mlp(2, 'linear'), { size: 2, seed: 1, output: 'laplace' });
    const y = tf.tidy(() => tf.cast(labels, 'float32'));
    const withRegression = tf.memory().numTensors;
    await r.fit(x, y, { epochs: 1, batchSize: 8 });
    tf.dispose(r.predictRegression(x));
    expect(tf.memory().numTensors).toBe(withRegression);
    r.dispose();
    tf.dispose([x, labels, y]);
  });
});
