import { tensor2d } from '@tensorflow/tfjs-core';
import type { Regressor } from './methods/index.js';
import type { RegressionResult, StdMeans } from './protocol.js';
import type { RegressionScaling } from './regression-scaling.js';
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

/**
 * Everything the page draws for a trained regressor: the predictive mean and its aleatoric
 * and epistemic variances at `points` inputs evenly spaced over the plotted window, in the
 * units of `y` (the model saw scaled data: see {@link RegressionScaling}), the RMSE of the
 * mean against `x^3` inside the data range, and mean standard deviations inside and outside
 * that range.
 */
export function evaluateRegressor(
  regressor: Regressor,
  task: RegressionTask,
  scaling: RegressionScaling,
  points: number,
): RegressionResult {
  const [lo, hi] = task.xRange;
  const xs = Float32Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const input = tensor2d(Float32Array.from(xs, scaling.x), [points, 1]);
  const prediction = regressor.predict(input);
  // sync read: the playground runs on webgl or cpu (backend.ts), which read synchronously
  const mean = Float32Array.from(prediction.mean.dataSync(), scaling.yBack);
  const aleatoric = Float32Array.from(prediction.aleatoric.dataSync(), scaling.varianceBack);
  const epistemic = Float32Array.from(prediction.epistemic.dataSync(), scaling.varianceBack);
  input.dispose();
  prediction.mean.dispose();
  prediction.aleatoric.dispose();
  prediction.epistemic.dispose();
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
  };
}
