import { tensor2d } from '@tensorflow/tfjs-core';
import { crpsGaussian, crpsLaplace, miscalibrationArea, sharpness } from '@uqjs/metrics';
import { conformalInterval } from './conformal-split.js';
import type { Regressor } from './methods/index.js';
import type { RegressionResult, RegressionScores, StdMeans } from './protocol.js';
import type { RegressionScaling } from './regression-scaling.js';
import type { Settings } from './settings.js';
import type { RegressionTask } from './tasks.js';
import { meanOf } from './uncertainty-means.js';

/** Mean standard deviations over the inputs `xs[i]` that `keep` selects. */
function stdMeans(
  xs: Float32Array,
  aleatoric: Float32Array,
  epistemic: Float32Array,
  keep: (x: number) => boolean,
): StdMeans {
  const a: number[] = [];
  const e: number[] = [];
  const t: number[] = [];
  xs.forEach((x, i) => {
    if (!keep(x)) return;
    a.push(Math.sqrt(aleatoric[i]!));
    e.push(Math.sqrt(epistemic[i]!));
    t.push(Math.sqrt(aleatoric[i]! + epistemic[i]!));
  });
  return { aleatoric: meanOf(a), epistemic: meanOf(e), total: meanOf(t) };
}

/** The predictive family of a run: the likelihood of its head (Gaussian for the plain network). */
export function predictiveFamily(settings: Settings): RegressionScores['distribution'] {
  return settings.method === 'deterministic' ? 'gaussian' : settings.likelihood;
}

/**
 * Floor of a predictive standard deviation in the scores, in the units of `y`: the plain
 * network predicts none (zero variance), and the floored scores take their point-mass limits
 * (CRPS the mean absolute error, miscalibration area 1/2).
 */
export const MIN_PREDICTIVE_STD = 1e-9;

/**
 * Scores of predictives with means `[m]` and total variances `[m]` at targets `[m]`: mean
 * CRPS and miscalibration area of the `distribution` family with that mean and variance
 * (Laplace scale `b = sd / sqrt 2`), and the sharpness (root mean variance).
 */
export function regressionScores(
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  targets: ArrayLike<number>,
  distribution: RegressionScores['distribution'],
): RegressionScores {
  const std = Float64Array.from(variance, (v) => Math.max(Math.sqrt(v), MIN_PREDICTIVE_STD));
  const scale = distribution === 'gaussian' ? std : std.map((sd) => sd / Math.SQRT2);
  const crps = distribution === 'gaussian' ? crpsGaussian : crpsLaplace;
  return {
    distribution,
    count: targets.length,
    crps: crps(mean, scale, targets),
    miscalibrationArea: miscalibrationArea(mean, scale, targets, { distribution }),
    sharpness: sharpness(Float64Array.from(variance, Math.sqrt)),
  };
}

/** Predictive mean and variances, in the units of `y`. */
interface PredictedAt {
  readonly mean: Float32Array;
  readonly aleatoric: Float32Array;
  readonly epistemic: Float32Array;
}

/**
 * Predictive mean and variances at inputs `xs` `[n]`, in the units of `y`, read asynchronously;
 * every tensor is disposed, also when `predict` or a read throws.
 */
async function predictAt(
  regressor: Regressor,
  xs: Float32Array,
  scaling: RegressionScaling,
): Promise<PredictedAt> {
  const input = tensor2d(Float32Array.from(xs, scaling.x), [xs.length, 1]);
  let prediction: ReturnType<Regressor['predict']> | undefined;
  try {
    prediction = regressor.predict(input);
    const [mean, aleatoric, epistemic] = await Promise.all([
      prediction.mean.data(),
      prediction.aleatoric.data(),
      prediction.epistemic.data(),
    ]);
    return {
      mean: Float32Array.from(mean, scaling.yBack),
      aleatoric: Float32Array.from(aleatoric, scaling.varianceBack),
      epistemic: Float32Array.from(epistemic, scaling.varianceBack),
    };
  } finally {
    input.dispose();
    prediction?.mean.dispose();
    prediction?.aleatoric.dispose();
    prediction?.epistemic.dispose();
  }
}

/** Values `[start, end)` of each of a prediction's arrays. */
function slicePrediction(p: PredictedAt, start: number, end: number): PredictedAt {
  return {
    mean: p.mean.slice(start, end),
    aleatoric: p.aleatoric.slice(start, end),
    epistemic: p.epistemic.slice(start, end),
  };
}

/**
 * Everything the page draws for a trained regressor: the predictive mean and its aleatoric
 * and epistemic variances at `points` inputs evenly spaced over the plotted window, in the
 * units of `y` (the model saw scaled data: see {@link RegressionScaling}), the RMSE of the
 * mean against `x^3` inside the data range, mean standard deviations inside and outside
 * that range, the held-out scores of {@link regressionScores}, and a split-conformal interval
 * (absolute residuals of the mean, `conformalInterval`) of miscoverage `opts.alpha`.
 */
export async function evaluateRegressor(
  regressor: Regressor,
  task: RegressionTask,
  scaling: RegressionScaling,
  points: number,
  opts: {
    readonly distribution: RegressionScores['distribution'];
    readonly alpha: number;
    readonly seed: number;
  },
): Promise<RegressionResult> {
  const [lo, hi] = task.xRange;
  const xs = Float32Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  // The grid and the held-out inputs in one prediction, split after.
  const inputs = new Float32Array(points + task.heldOut.x.length);
  inputs.set(xs);
  inputs.set(task.heldOut.x, points);
  const predicted = await predictAt(regressor, inputs, scaling);
  const { mean, aleatoric, epistemic } = slicePrediction(predicted, 0, points);
  const heldOut = slicePrediction(predicted, points, inputs.length);
  const heldOutVariance = heldOut.aleatoric.map((a, i) => a + heldOut.epistemic[i]!);
  const [dLo, dHi] = task.dataRange;
  const inside = (x: number) => x >= dLo && x <= dHi;
  const squaredErrors: number[] = [];
  xs.forEach((x, i) => {
    if (inside(x)) squaredErrors.push((mean[i]! - x ** 3) ** 2);
  });
  return {
    kind: 'regression',
    xs,
    xRange: task.xRange,
    dataRange: task.dataRange,
    mean,
    aleatoric,
    epistemic,
    trainX: task.x,
    trainY: task.y,
    noiseStd: task.noiseStd,
    rmseInside: Math.sqrt(meanOf(squaredErrors)),
    summary: {
      inside: stdMeans(xs, aleatoric, epistemic, inside),
      outside: stdMeans(xs, aleatoric, epistemic, (x) => !inside(x)),
    },
    scores: regressionScores(heldOut.mean, heldOutVariance, task.heldOut.y, opts.distribution),
    conformal: await conformalInterval(heldOut.mean, task.heldOut.y, {
      alpha: opts.alpha,
      seed: opts.seed,
    }),
  };
}
