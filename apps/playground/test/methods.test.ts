import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { makeClassifier, makeRegressor, type TrainHooks } from '../src/methods/index.js';
import { withSeededMathRandom } from '../src/seeded-math-random.js';
import { DEFAULT_SETTINGS, type MethodName, type Settings } from '../src/settings.js';
import { type ClassificationTask, makeTask, type RegressionTask } from '../src/tasks.js';

/** Small settings: every method trains in well under a second. */
const small = (method: MethodName, over: Partial<Settings> = {}): Settings => ({
  ...DEFAULT_SETTINGS,
  method,
  epochs: 2,
  hidden: 8,
  mcSamples: 6,
  ensembleSize: 3,
  ...over,
});

/** Hooks that record progress and ask to stop once `stopAfter` epochs are done. */
function recorder(stopAfter = Number.POSITIVE_INFINITY) {
  const calls: [number, number][] = [];
  const hooks: TrainHooks = {
    progress: (done, total) => calls.push([done, total]),
    stopRequested: () => (calls.at(-1)?.[0] ?? 0) >= stopAfter,
  };
  return { calls, hooks };
}

const moons = makeTask('moons', 0) as ClassificationTask;
/** 96 training points keep fits short. */
const xTrain = () => tf.tensor2d(moons.train.x.subarray(0, 192), [96, 2]);
const yTrain = () => tf.tensor1d(moons.train.y.subarray(0, 96), 'int32');
const xTest = () => tf.tensor2d(moons.heldOut.x.subarray(0, 40), [20, 2]);

/** Members each method predicts with (M of `[M, N, K]`). */
const MEMBERS: Record<MethodName, number> = {
  deterministic: 1,
  heteroscedastic: 1,
  sngp: 6,
  'mc-dropout': 6,
  ensemble: 3,
  'het-sngp': 6,
  bbb: 6,
  'learned-confidence': 1,
  mimo: 3,
  kfold: 3,
  rank1: 18,
};

/** The methods whose epochs are counted over their members, and that cannot be drawn stopped. */
const PER_MEMBER: readonly MethodName[] = ['ensemble', 'kfold'];

describe.each(Object.keys(MEMBERS) as MethodName[])('%s classifier', (method) => {
  test('reports every epoch, predicts [M, N, K] members and [N, K] probabilities, leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const [x, y, xt] = [xTrain(), yTrain(), xTest()];
    await withSeededMathRandom(0, async () => {
      const classifier = makeClassifier(small(method), 2, 2);
      const { calls, hooks } = recorder();
      const outcome = await classifier.fit(x, y, hooks);
      const total = PER_MEMBER.includes(method) ? 6 : 2;
      expect(outcome).toEqual({ epochsDone: total, stopped: false });
      expect(calls).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
      const { probs, members, confidence } = classifier.predict(xt);
      expect(probs.shape).toEqual([20, 2]);
      expect(members.shape).toEqual([MEMBERS[method], 20, 2]);
      // Only learned confidence has a confidence score, c(x) in (0, 1) per point.
      expect(confidence === undefined).toBe(method !== 'learned-confidence');
      if (confidence !== undefined) {
        expect(confidence.shape).toEqual([20]);
        for (const c of await confidence.array()) expect(c > 0 && c < 1).toBe(true);
        confidence.dispose();
      }
      const p = await probs.array();
      const m = await members.array();
      for (let i = 0; i < 20; i++) {
        expect(p[i]![0]! + p[i]![1]!).toBeCloseTo(1, 5);
        for (const member of m) expect(member[i]![0]! + member[i]![1]!).toBeCloseTo(1, 5);
        // Averaging methods: probs is the mean of the members. SNGP's probs are the
        // mean-field approximation instead, close to (not equal to) the mean of its draws, and
        // HetSNGP's an MC estimate with other draws than its members'.
        if (method !== 'sngp' && method !== 'het-sngp') {
          const memberMean = m.reduce((s, member) => s + member[i]![0]!, 0) / m.length;
          expect(p[i]![0]).toBeCloseTo(memberMean, 5);
        }
      }
      tf.dispose([probs, members]);
      // Repeated predictions free what they allocate.
      const settled = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) tf.dispose(Object.values(classifier.predict(xt)));
      expect(tf.memory().numTensors).toBe(settled);
      classifier.dispose();
    });
    tf.dispose([x, y, xt]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('Stop after the first epoch ends the fit there', async () => {
    const [x, y] = [xTrain(), yTrain()];
    await withSeededMathRandom(0, async () => {
      const classifier = makeClassifier(small(method, { epochs: 5 }), 2, 2);
      const outcome = await classifier.fit(x, y, recorder(1).hooks);
      expect(outcome).toEqual({ epochsDone: 1, stopped: true });
      expect(classifier.usableWhenStopped).toBe(!PER_MEMBER.includes(method));
      classifier.dispose();
    });
    tf.dispose([x, y]);
  });
});

describe('SNGP posterior draws', () => {
  test('are seeded: two predictions give the same members', async () => {
    const [x, y, xt] = [xTrain(), yTrain(), xTest()];
    await withSeededMathRandom(0, async () => {
      const classifier = makeClassifier(small('sngp'), 2, 2);
      await classifier.fit(x, y, recorder().hooks);
      const a = classifier.predict(xt);
      const b = classifier.predict(xt);
      expect(await a.members.array()).toEqual(await b.members.array());
      tf.dispose([a.members, a.probs, b.members, b.probs]);
      classifier.dispose();
    });
    tf.dispose([x, y, xt]);
  });
});

describe.each(['het-sngp', 'bbb', 'rank1'] as const)('%s members', (method) => {
  test('are seeded: two predictions give the same members, and they differ from each other', async () => {
    const [x, y, xt] = [xTrain(), yTrain(), xTest()];
    await withSeededMathRandom(0, async () => {
      const classifier = makeClassifier(small(method), 2, 2);
      await classifier.fit(x, y, recorder().hooks);
      const a = classifier.predict(xt);
      const b = classifier.predict(xt);
      const members = await a.members.array();
      expect(await b.members.array()).toEqual(members);
      expect(await b.probs.array()).toEqual(await a.probs.array());
      // Posterior draws (GP logits, or network weights) give different members.
      expect(members[1]).not.toEqual(members[0]);
      tf.dispose([a.members, a.probs, b.members, b.probs]);
      classifier.dispose();
    });
    tf.dispose([x, y, xt]);
  });
});

test('HetSNGP: probs and the mean of the members estimate the same predictive', async () => {
  const [x, y, xt] = [xTrain(), yTrain(), xTest()];
  await withSeededMathRandom(0, async () => {
    const classifier = makeClassifier(small('het-sngp', { mcSamples: 400 }), 2, 2);
    await classifier.fit(x, y, recorder().hooks);
    const { probs, members } = classifier.predict(xt);
    const p = await probs.array();
    const m = await members.array();
    for (let i = 0; i < 20; i++) {
      // Both average p(class 0) in [0, 1] over 400 draws of (GP logits, noise): each has a
      // standard error <= 0.5 / sqrt(400) = 0.025, their difference <= 0.036; 0.15 is > 4 of it.
      const memberMean = m.reduce((sum, member) => sum + member[i]![0]!, 0) / m.length;
      expect(Math.abs(p[i]![0]! - memberMean)).toBeLessThan(0.15);
    }
    tf.dispose([probs, members]);
    classifier.dispose();
  });
  tf.dispose([x, y, xt]);
});

test('learned confidence: c(x) is lower where the labels are noisy, and seeded', async () => {
  // Label noise 0.4: no flips at the left moon's tip (x1 = -1), 40% at the right one's
  // (x1 = 2). The network cannot fit the flipped labels, asks for hints there, and its
  // confidence falls (seed 0, 20 epochs: 0.96 at the held-out points with x1 < -0.5, 0.63 at
  // those with x1 > 1.5; 0.57 after 40). Clean moons are fit everywhere, and c(x) stays near 1.
  const noisy = makeTask('moons', 0, 0.4) as ClassificationTask;
  const x = tf.tensor2d(noisy.train.x, [noisy.train.n, 2]);
  const y = tf.tensor1d(noisy.train.y, 'int32');
  const heldOut = tf.tensor2d(noisy.heldOut.x, [noisy.heldOut.n, 2]);
  const settings = small('learned-confidence', { epochs: 20, hidden: 32, learningRate: 0.01 });
  const run = () =>
    withSeededMathRandom(0, async () => {
      const classifier = makeClassifier(settings, 2, 2);
      await classifier.fit(x, y, recorder().hooks);
      const prediction = classifier.predict(heldOut);
      const c = Array.from(await prediction.confidence!.data());
      tf.dispose([prediction.probs, prediction.members, prediction.confidence!]);
      classifier.dispose();
      return c;
    });
  const c = await run();
  const meanWhere = (keep: (x1: number) => boolean) => {
    const values = c.filter((_, i) => keep(noisy.heldOut.x[2 * i]!));
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  expect(meanWhere((x1) => x1 > 1.5)).toBeLessThan(meanWhere((x1) => x1 < -0.5) - 0.2);
  // The same settings and seed give the same confidence.
  expect(await run()).toEqual(c);
  tf.dispose([x, y, heldOut]);
});

const cubic = makeTask('cubic', 0) as RegressionTask;

describe.each([
  'deterministic',
  'heteroscedastic',
  'mc-dropout',
  'ensemble',
  'mimo',
  'kfold',
] as const)('%s regressor', (method) => {
  test('predicts a mean and non-negative variances, zero where the method has none', async () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(
      Float32Array.from(cubic.x, (v) => v / 4),
      [20, 1],
    );
    const y = tf.tensor1d(Float32Array.from(cubic.y, (v) => v / 30));
    const xt = tf.tensor2d([-1.5, -1, 0, 1, 1.5], [5, 1]);
    await withSeededMathRandom(0, async () => {
      const regressor = makeRegressor(small(method, { dataset: 'cubic', epochs: 3 }));
      const outcome = await regressor.fit(x, y, recorder().hooks);
      expect(outcome.stopped).toBe(false);
      const { mean, aleatoric, epistemic } = regressor.predict(xt);
      for (const t of [mean, aleatoric, epistemic]) expect(t.shape).toEqual([5]);
      const [a, e, m] = [await aleatoric.array(), await epistemic.array(), await mean.array()];
      for (const v of [...a, ...e, ...m]) expect(Number.isFinite(v)).toBe(true);
      for (const v of [...a, ...e]) expect(v).toBeGreaterThanOrEqual(0);
      // One network: no epistemic part; the plain network has no noise model either.
      if (method === 'deterministic' || method === 'heteroscedastic')
        expect(e).toEqual([0, 0, 0, 0, 0]);
      if (method === 'deterministic') expect(a).toEqual([0, 0, 0, 0, 0]);
      else expect(Math.min(...a)).toBeGreaterThan(0);
      // Several members disagree somewhere.
      if (method !== 'deterministic' && method !== 'heteroscedastic')
        expect(Math.max(...e)).toBeGreaterThan(0);
      tf.dispose([mean, aleatoric, epistemic]);
      regressor.dispose();
    });
    tf.dispose([x, y, xt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('makeRegressor names the method it has no model for', () => {
  expect(() => makeRegressor(small('sngp'))).toThrow(
    'makeRegressor: settings.method must be a method with a regression model (not sngp, het-sngp, bbb, learned-confidence, rank1)',
  );
});
