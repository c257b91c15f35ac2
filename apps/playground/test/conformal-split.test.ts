import * as tf from '@tensorflow/tfjs-core';
import {
  calibrate,
  calibrateResidual,
  coverage,
  intervalCoverage,
  meanIntervalWidth,
  meanSetSize,
} from '@uqjs/conformal';
import { Rng } from '@uqjs/core';
import { crpsGaussian, crpsLaplace, miscalibrationArea, sharpness } from '@uqjs/metrics';
import { describe, expect, test } from 'vitest';
import {
  calibrationSplit,
  conformalInterval,
  conformalSets,
  pickRows,
} from '../src/conformal-split.js';
import { evaluateClassifier } from '../src/evaluate-classifier.js';
import { evaluateRegressor, regressionScores } from '../src/evaluate-regressor.js';
import type { Classifier, Regressor } from '../src/methods/index.js';
import { regressionScaling } from '../src/regression-scaling.js';
import { type ClassificationTask, makeTask, type RegressionTask } from '../src/tasks.js';

/** The conformal rank `k = ceil((n + 1)(1 - alpha))`, by hand (README of @uqjs/conformal). */
const rank = (n: number, alpha: number) => Math.ceil((n + 1) * (1 - alpha) - 1e-9);
const mean = (values: ArrayLike<number>) =>
  Array.from(values).reduce((a, b) => a + b, 0) / values.length;

/** `n` random 3-class probability rows `[n, 3]` and labels drawn from them (exchangeable). */
function drawClassification(n: number, seed: number) {
  const rng = new Rng(seed);
  const probs = new Float32Array(3 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const raw = [0, 1, 2].map(() => Math.exp(2 * rng.normal()));
    const total = raw[0]! + raw[1]! + raw[2]!;
    raw.forEach((r, k) => {
      probs[3 * i + k] = r / total;
    });
    const u = rng.uniform();
    labels[i] = u < probs[3 * i]! ? 0 : u < probs[3 * i]! + probs[3 * i + 1]! ? 1 : 2;
  }
  return { probs, labels };
}

describe('calibrationSplit', () => {
  test('splits the points in two disjoint halves covering all, seeded', () => {
    const split = calibrationSplit(11, 3);
    expect(split.calibration.length).toBe(5);
    expect(split.test.length).toBe(6);
    const all = [...split.calibration, ...split.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(calibrationSplit(11, 3)).toEqual(split);
    expect(calibrationSplit(11, 4)).not.toEqual(split);
  });

  test('pickRows takes whole rows in the order given', () => {
    const rows = Int32Array.from([2, 0]);
    expect(Array.from(pickRows([1, 2, 3, 4, 5, 6], rows, 2))).toEqual([5, 6, 1, 2]);
    expect(Array.from(pickRows([7, 8, 9], rows))).toEqual([9, 7]);
  });
});

describe('conformalSets', () => {
  const { probs, labels } = drawClassification(400, 1);
  const grid = drawClassification(50, 2).probs;

  test.each([
    'lac',
    'aps',
    'raps',
  ] as const)('%s: the numbers of @uqjs/conformal called on the same split', async (method) => {
    const result = await conformalSets({ probs, labels }, grid, 3, { method, alpha: 0.1, seed: 5 });
    const split = calibrationSplit(400, 5);
    const rows = (r: Int32Array) => ({ data: pickRows(probs, r, 3), numClasses: 3 });
    const independent = await calibrate(
      rows(split.calibration),
      pickRows(labels, split.calibration),
      {
        alpha: 0.1,
        method,
        ...(method === 'lac' ? {} : { randomized: false }),
      },
    );
    const sets = await independent.predictSets(rows(split.test));
    expect(result.threshold).toBe(independent.threshold);
    expect(result.numCalibration).toBe(200);
    expect(result.numTest).toBe(200);
    expect(result.coverage).toBe(await coverage(sets, pickRows(labels, split.test)));
    expect(result.meanSetSize).toBe(meanSetSize(sets));
    const gridSets = await independent.predictSets({ data: grid, numClasses: 3 });
    expect(Array.from(result.gridSetSize)).toEqual(gridSets.map((s) => s.length));
  });

  test('lac: the threshold is the k-th smallest 1 - p_y of the calibration half, by hand', async () => {
    const result = await conformalSets({ probs, labels }, grid, 3, {
      method: 'lac',
      alpha: 0.2,
      seed: 5,
    });
    const { calibration } = calibrationSplit(400, 5);
    const scores = Array.from(calibration, (i) => 1 - probs[3 * i + labels[i]!]!).sort(
      (a, b) => a - b,
    );
    // float32 probabilities read in float64 on both sides: equal to rounding of 1 - p.
    expect(result.threshold).toBeCloseTo(scores[rank(200, 0.2) - 1]!, 12);
    // A grid point's LAC set is every class with 1 - p <= qhat.
    for (let i = 0; i < 50; i++) {
      let size = 0;
      for (let k = 0; k < 3; k++) if (1 - grid[3 * i + k]! <= result.threshold) size++;
      expect(result.gridSetSize[i]).toBe(size);
    }
  });

  test('covers exchangeable test points at 1 - alpha within the sampling error', async () => {
    const big = drawClassification(4000, 9);
    for (const method of ['lac', 'aps'] as const) {
      const result = await conformalSets(big, grid, 3, { method, alpha: 0.1, seed: 0 });
      // The coverage given the calibration half is Beta(k, n + 1 - k) (mean k / (n + 1),
      // variance about 0.09 / n); the 2000 test points add binomial noise 0.09 / 2000:
      // SE = sqrt(0.09 / 2000 + 0.09 / 2000) = 0.0095. Non-randomized APS may over-cover
      // through ties (none here: continuous probabilities), so the bound is four SEs both ways.
      const se = Math.sqrt(0.09 / 2000 + 0.09 / 2000);
      expect(Math.abs(result.coverage - rank(2000, 0.1) / 2001), method).toBeLessThan(4 * se);
    }
  });
});

describe('conformalInterval', () => {
  test('the half width is the k-th smallest calibration residual; coverage and width as @uqjs/conformal', async () => {
    const rng = new Rng(4);
    const mu = Float64Array.from({ length: 101 }, () => 10 * rng.normal());
    const y = mu.map((m) => m + 2 * rng.normal());
    const result = await conformalInterval(mu, y, { alpha: 0.1, seed: 8 });
    const split = calibrationSplit(101, 8);
    const residuals = Array.from(split.calibration, (i) => Math.abs(y[i]! - mu[i]!)).sort(
      (a, b) => a - b,
    );
    expect(result.numCalibration).toBe(50);
    expect(result.numTest).toBe(51);
    expect(result.halfWidth).toBe(residuals[rank(50, 0.1) - 1]);
    const independent = await calibrateResidual(
      pickRows(mu, split.calibration),
      pickRows(y, split.calibration),
      { alpha: 0.1 },
    );
    const intervals = await independent.predictIntervals(pickRows(mu, split.test));
    expect(result.coverage).toBe(await intervalCoverage(intervals, pickRows(y, split.test)));
    expect(result.meanWidth).toBeCloseTo(2 * result.halfWidth, 12);
    expect(result.meanWidth).toBe(await meanIntervalWidth(intervals));
    const inside = Array.from(split.test, (i) =>
      Math.abs(y[i]! - mu[i]!) <= result.halfWidth ? 1 : 0,
    );
    expect(result.coverage).toBe(mean(inside));
  });
});

describe('regressionScores', () => {
  const mu = [0, 1, -2, 3];
  const variance = [1, 4, 0.25, 9];
  const y = [0.5, -1, -2, 7];
  const sd = variance.map(Math.sqrt);

  test('gaussian: CRPS, miscalibration area and sharpness of N(mean, variance)', () => {
    const scores = regressionScores(mu, variance, y, 'gaussian');
    expect(scores.count).toBe(4);
    expect(scores.crps).toBeCloseTo(crpsGaussian(mu, sd, y), 12);
    expect(scores.miscalibrationArea).toBeCloseTo(miscalibrationArea(mu, sd, y), 12);
    expect(scores.sharpness).toBeCloseTo(sharpness(sd), 12);
    // Root mean variance by hand: sqrt((1 + 4 + 0.25 + 9) / 4).
    expect(scores.sharpness).toBeCloseTo(Math.sqrt(14.25 / 4), 12);
  });

  test('laplace: scale b = sd / sqrt 2, the Laplace with that variance', () => {
    const scores = regressionScores(mu, variance, y, 'laplace');
    const b = sd.map((s) => s / Math.SQRT2);
    expect(scores.crps).toBeCloseTo(crpsLaplace(mu, b, y), 12);
    expect(scores.miscalibrationArea).toBeCloseTo(
      miscalibrationArea(mu, b, y, { distribution: 'laplace' }),
      12,
    );
    expect(scores.sharpness).toBeCloseTo(sharpness(sd), 12);
  });

  test('a zero variance scores as a point mass: CRPS the mean absolute error, area 1/2', () => {
    const scores = regressionScores([0, 1], [0, 0], [2, 0.5], 'gaussian');
    // CRPS(point mass at m, y) = |y - m|: (2 + 0.5) / 2, up to the 1e-9 floor of the sd.
    expect(scores.crps).toBeCloseTo(1.25, 8);
    expect(scores.miscalibrationArea).toBeCloseTo(0.5, 8);
    expect(scores.sharpness).toBe(0);
  });
});

describe('the evaluations', () => {
  test('evaluateRegressor: a regressor that knows x^3 + N(0, 9) scores as the closed forms', async () => {
    const task = makeTask('cubic', 0) as RegressionTask;
    expect(task.heldOut.x.length).toBe(200);
    const scaling = regressionScaling(task);
    // The scaled input u = x / 4 (data range [-4, 4]); scaled target (y - mu) / sd.
    const sdY = Math.sqrt(scaling.varianceBack(1));
    const truth: Regressor = {
      usableWhenStopped: true,
      fit: async () => ({ epochsDone: 0, stopped: false }),
      predict(x) {
        const u = x.dataSync();
        const m = Float32Array.from(u, (v) => scaling.y((4 * v) ** 3));
        return {
          mean: tf.tensor1d(m),
          aleatoric: tf.fill([u.length], 9 / sdY ** 2) as tf.Tensor1D,
          epistemic: tf.zeros([u.length]) as tf.Tensor1D,
        };
      },
      dispose() {},
    };
    const opts = { distribution: 'gaussian', alpha: 0.1, seed: 0 } as const;
    const before = tf.memory().numTensors;
    const result = await evaluateRegressor(truth, task, scaling, 41, opts);
    expect(tf.memory().numTensors).toBe(before);
    const m = Float64Array.from(task.heldOut.x, (x) => x ** 3);
    const targets = task.heldOut.y;
    // The predictive went through float32 and the scaling: equal to 1e-4 relative.
    expect(result.scores.crps).toBeCloseTo(
      crpsGaussian(
        m,
        m.map(() => 3),
        targets,
      ),
      3,
    );
    expect(result.scores.sharpness).toBeCloseTo(3, 4);
    // The right predictive: for targets drawn from N(mu, sigma^2), E CRPS = E|X - y| -
    // E|X - X'| / 2 = sigma (2 - 1) / sqrt(pi) = 1.693; within four standard errors of the
    // mean of the 200 per-point scores.
    const perPoint = Array.from(m, (mi, i) => crpsGaussian([mi], [3], [targets[i]!]));
    const se = Math.sqrt(mean(perPoint.map((c) => (c - mean(perPoint)) ** 2)) / perPoint.length);
    expect(Math.abs(result.scores.crps - 3 / Math.sqrt(Math.PI))).toBeLessThan(4 * se);
    // Miscalibration area of a calibrated predictive: the integral of |ECDF(p) - p| over 200
    // uniform levels, whose mean is sqrt(2 / pi) (pi / 8) / sqrt(200) = 0.022 (Brownian
    // bridge: E|B(p)| = sqrt(2 p (1 - p) / pi)); 0.1 is over four times that.
    expect(result.scores.miscalibrationArea).toBeLessThan(0.1);
    // Split conformal on the held-out residuals: |eps| of N(0, 9) has its 0.9-quantile at
    // 1.645 * 3 = 4.93; the interval's coverage on the 100 test points within 4 SEs of
    // 91/101 (SE sqrt(0.09 / 100 + 0.09 / 100) = 0.042).
    expect(result.conformal.numCalibration).toBe(100);
    expect(Math.abs(result.conformal.coverage - 91 / 101)).toBeLessThan(4 * 0.042);
    const direct = await conformalInterval(Float32Array.from(m), targets, { alpha: 0.1, seed: 0 });
    expect(result.conformal.halfWidth).toBeCloseTo(direct.halfWidth, 3);
    expect(result.conformal.coverage).toBe(direct.coverage);
    // Seeded: the same evaluation again gives the same numbers.
    expect(await evaluateRegressor(truth, task, scaling, 41, opts)).toEqual(result);
  });

  test('evaluateRegressor: one prediction for grid and held-out points, split after', async () => {
    const task = makeTask('cubic', 0) as RegressionTask;
    const scaling = regressionScaling(task);
    const opts = { distribution: 'gaussian', alpha: 0.1, seed: 0 } as const;
    const batches: number[] = [];
    // Mean = the scaled input itself: each returned mean tells which input it belongs to.
    const echo: Regressor = {
      usableWhenStopped: true,
      fit: async () => ({ epochsDone: 0, stopped: false }),
      predict(x) {
        batches.push(x.shape[0]);
        return {
          mean: tf.reshape(x, [-1]) as tf.Tensor1D,
          aleatoric: tf.ones([x.shape[0]]) as tf.Tensor1D,
          epistemic: tf.zeros([x.shape[0]]) as tf.Tensor1D,
        };
      },
      dispose() {},
    };
    const result = await evaluateRegressor(echo, task, scaling, 41, opts);
    expect(batches).toEqual([41 + task.heldOut.x.length]);
    // The grid's means are the grid's own (scaled) inputs, mapped back: in order, 41 of them.
    expect(result.mean.length).toBe(41);
    result.mean.forEach((m, i) => {
      expect(m).toBeCloseTo(scaling.yBack(scaling.x(result.xs[i]!)), 3);
    });
    // The held-out scores are those of the held-out inputs' own means (float32 on the way, as
    // in the tensors), with variance 1 scaled back: the split hands them the right rows.
    const heldOutMean = Float32Array.from(
      Float32Array.from(task.heldOut.x, scaling.x),
      scaling.yBack,
    );
    const heldOutVariance = new Float32Array(task.heldOut.x.length).fill(scaling.varianceBack(1));
    expect(result.scores).toEqual(
      regressionScores(heldOutMean, heldOutVariance, task.heldOut.y, 'gaussian'),
    );
  });

  test('evaluateRegressor: a throwing predict leaks no tensor', async () => {
    const task = makeTask('cubic', 0) as RegressionTask;
    const scaling = regressionScaling(task);
    const opts = { distribution: 'gaussian', alpha: 0.1, seed: 0 } as const;
    const failing: Regressor = {
      usableWhenStopped: true,
      fit: async () => ({ epochsDone: 0, stopped: false }),
      dispose() {},
      predict() {
        throw new Error('predict failed');
      },
    };
    const before = tf.memory().numTensors;
    await expect(evaluateRegressor(failing, task, scaling, 41, opts)).rejects.toThrow(
      'predict failed',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  test('evaluateClassifier: the sets of the held-out probabilities, sized on the grid', async () => {
    const task = makeTask('spirals', 0) as ClassificationTask;
    // Probabilities known in closed form: softmax of (x, y, 0) at the point (x, y).
    const softmaxOf = (x: Float32Array) => {
      const out = new Float32Array((x.length / 2) * 3);
      for (let i = 0; i < x.length / 2; i++) {
        const e = [Math.exp(x[2 * i]!), Math.exp(x[2 * i + 1]!), 1];
        const total = e[0]! + e[1]! + e[2]!;
        e.forEach((v, k) => {
          out[3 * i + k] = v / total;
        });
      }
      return out;
    };
    const closedForm: Classifier = {
      usableWhenStopped: true,
      fit: async () => ({ epochsDone: 0, stopped: false }),
      predict(x) {
        const probs = tf.tensor2d(softmaxOf(x.dataSync() as Float32Array), [x.shape[0], 3]);
        return { probs, members: tf.expandDims(probs, 0) as tf.Tensor3D };
      },
      dispose() {},
    };
    const conformal = { method: 'raps', alpha: 0.2, seed: 3 } as const;
    const result = await evaluateClassifier(closedForm, task, 10, conformal);
    expect(result.conformal.gridSetSize.length).toBe(100);
    const heldOut = { probs: softmaxOf(task.heldOut.x), labels: task.heldOut.y };
    const direct = await conformalSets(heldOut, result.probs, 3, conformal);
    expect(result.conformal.coverage).toBe(direct.coverage);
    expect(result.conformal.meanSetSize).toBe(direct.meanSetSize);
    expect(result.conformal.numCalibration + result.conformal.numTest).toBe(task.heldOut.n);
    expect(Array.from(result.conformal.gridSetSize)).toEqual(Array.from(direct.gridSetSize));
    expect(Math.max(...result.conformal.gridSetSize)).toBeLessThanOrEqual(3);
  });
});
