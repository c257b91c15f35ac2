import type { RegressionResult } from '../protocol.js';
import { context2d, type PlotFrame, plotFrame } from './plot-frame.js';

/** Colours of the split-conformal interval: a light fill between orange edges. */
const CONFORMAL_EDGE = 'rgb(255 127 14)';
const CONFORMAL_FILL = 'rgba(255 127 14 / 0.1)';

/** Space for tick labels left of and below the plot, in pixels. */
const MARGIN = { left: 44, bottom: 22, top: 8, right: 8 };

/** A frame inside the canvas's margins. */
function innerFrame(
  canvas: HTMLCanvasElement,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
): PlotFrame {
  const width = canvas.width - MARGIN.left - MARGIN.right;
  const height = canvas.height - MARGIN.top - MARGIN.bottom;
  const inner = plotFrame(width, height, xRange, yRange);
  return {
    width,
    height,
    px: (x) => MARGIN.left + inner.px(x),
    py: (y) => MARGIN.top + inner.py(y),
  };
}

/** About five round tick values over `[lo, hi]`. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step)
    out.push(Number(t.toFixed(6)));
  return out;
}

/** Clears the canvas and draws grid lines and tick labels. */
function axes(
  ctx: CanvasRenderingContext2D,
  frame: PlotFrame,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#e4e4e4';
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  for (const t of ticks(...xRange)) {
    ctx.beginPath();
    ctx.moveTo(frame.px(t), frame.py(yRange[0]));
    ctx.lineTo(frame.px(t), frame.py(yRange[1]));
    ctx.stroke();
    ctx.fillText(String(t), frame.px(t), frame.py(yRange[0]) + 14);
  }
  ctx.textAlign = 'right';
  for (const t of ticks(...yRange)) {
    ctx.beginPath();
    ctx.moveTo(frame.px(xRange[0]), frame.py(t));
    ctx.lineTo(frame.px(xRange[1]), frame.py(t));
    ctx.stroke();
    ctx.fillText(String(t), frame.px(xRange[0]) - 4, frame.py(t) + 4);
  }
}

/** Fills the band `center[i] +- halfWidth(i)` along `xs`. */
function band(
  ctx: CanvasRenderingContext2D,
  frame: PlotFrame,
  xs: Float32Array,
  center: Float32Array,
  halfWidth: (i: number) => number,
  color: string,
): void {
  ctx.beginPath();
  xs.forEach((x, i) => {
    ctx.lineTo(frame.px(x), frame.py(center[i]! + halfWidth(i)));
  });
  for (let i = xs.length - 1; i >= 0; i--) {
    ctx.lineTo(frame.px(xs[i]!), frame.py(center[i]! - halfWidth(i)));
  }
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
}

/** Strokes the curve `(xs[i], ys(i))`. */
function curve(
  ctx: CanvasRenderingContext2D,
  frame: PlotFrame,
  xs: Float32Array,
  ys: (i: number) => number,
  color: string,
  dash: number[] = [],
): void {
  ctx.beginPath();
  xs.forEach((x, i) => {
    ctx.lineTo(frame.px(x), frame.py(ys(i)));
  });
  ctx.setLineDash(dash);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.setLineDash([]);
}

/** Dotted verticals at the ends of the data range. */
function dataRangeMarks(
  ctx: CanvasRenderingContext2D,
  frame: PlotFrame,
  result: RegressionResult,
  yRange: readonly [number, number],
): void {
  ctx.setLineDash([2, 3]);
  ctx.strokeStyle = '#999';
  for (const x of result.dataRange) {
    ctx.beginPath();
    ctx.moveTo(frame.px(x), frame.py(yRange[0]));
    ctx.lineTo(frame.px(x), frame.py(yRange[1]));
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/**
 * The y window of the predictive panel: the targets' extent with a quarter of it added above
 * and below, so the data and the bands around it fill the panel (the true curve and the bands
 * leave it where they extrapolate far). Throws when `ys` is empty or not finite.
 */
export function regressionYRange(ys: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ys.length; i++) {
    lo = Math.min(lo, ys[i] as number);
    hi = Math.max(hi, ys[i] as number);
  }
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) {
    throw new RangeError(`regressionYRange: ys must be finite numbers, got ${ys.length} values`);
  }
  const pad = 0.25 * Math.max(hi - lo, 1);
  return [lo - pad, hi + pad];
}

/**
 * The predictive panel of the regression view: the data, the true `x^3` (dashed), the
 * predictive mean, `+- 2` standard deviation bands of the total (light) and aleatoric
 * (darker) variance (the gap between the two is the epistemic part), and the split-conformal
 * interval `mean +- halfWidth` (orange edges).
 */
export function drawRegression(canvas: HTMLCanvasElement, result: RegressionResult): void {
  const ctx = context2d(canvas);
  const yRange = regressionYRange(result.trainY);
  const frame = innerFrame(canvas, result.xRange, yRange);
  axes(ctx, frame, result.xRange, yRange);
  ctx.save();
  // Curves and bands outside the window would run over the tick labels.
  ctx.beginPath();
  ctx.rect(frame.px(result.xRange[0]), frame.py(yRange[1]), frame.width, frame.height);
  ctx.clip();
  dataRangeMarks(ctx, frame, result, yRange);
  const { xs, mean, aleatoric, epistemic } = result;
  const sd2 = (variance: (i: number) => number) => (i: number) => 2 * Math.sqrt(variance(i));
  band(
    ctx,
    frame,
    xs,
    mean,
    sd2((i) => aleatoric[i]! + epistemic[i]!),
    'rgba(31 119 180 / 0.18)',
  );
  band(
    ctx,
    frame,
    xs,
    mean,
    sd2((i) => aleatoric[i]!),
    'rgba(31 119 180 / 0.35)',
  );
  const { halfWidth } = result.conformal;
  band(ctx, frame, xs, mean, () => halfWidth, CONFORMAL_FILL);
  for (const side of [1, -1]) {
    curve(ctx, frame, xs, (i) => mean[i]! + side * halfWidth, CONFORMAL_EDGE);
  }
  curve(ctx, frame, xs, (i) => xs[i]! ** 3, '#444', [5, 4]);
  curve(ctx, frame, xs, (i) => mean[i]!, 'rgb(31 119 180)');
  ctx.fillStyle = 'rgb(214 39 40)';
  result.trainX.forEach((x, i) => {
    ctx.beginPath();
    ctx.arc(frame.px(x), frame.py(result.trainY[i]!), 3, 0, 2 * Math.PI);
    ctx.fill();
  });
  ctx.restore();
}

/**
 * The predictive panel before any training: the axes of the window the result will use and
 * the data points (`x [n]`, `y [n]`).
 */
export function drawRegressionData(
  canvas: HTMLCanvasElement,
  data: { x: Float32Array; y: Float32Array; xRange: readonly [number, number] },
): void {
  const ctx = context2d(canvas);
  const yRange = regressionYRange(data.y);
  const frame = innerFrame(canvas, data.xRange, yRange);
  axes(ctx, frame, data.xRange, yRange);
  ctx.fillStyle = 'rgb(214 39 40)';
  data.x.forEach((x, i) => {
    ctx.beginPath();
    ctx.arc(frame.px(x), frame.py(data.y[i]!), 3, 0, 2 * Math.PI);
    ctx.fill();
  });
}

/**
 * The uncertainty panel of the regression view: the total, aleatoric and epistemic
 * predictive standard deviations along `x`, with the noise level of the data (dotted).
 */
export function drawRegressionStd(canvas: HTMLCanvasElement, result: RegressionResult): void {
  const ctx = context2d(canvas);
  const { xs, aleatoric, epistemic } = result;
  const totalStd = (i: number) => Math.sqrt(aleatoric[i]! + epistemic[i]!);
  let top = result.noiseStd * 2;
  xs.forEach((_, i) => {
    top = Math.max(top, totalStd(i));
  });
  const yRange = [0, top * 1.1] as const;
  const frame = innerFrame(canvas, result.xRange, yRange);
  axes(ctx, frame, result.xRange, yRange);
  dataRangeMarks(ctx, frame, result, yRange);
  curve(ctx, frame, xs, () => result.noiseStd, '#999', [2, 3]);
  curve(ctx, frame, xs, totalStd, '#222');
  curve(ctx, frame, xs, (i) => Math.sqrt(aleatoric[i]!), 'rgb(33 145 140)');
  curve(ctx, frame, xs, (i) => Math.sqrt(epistemic[i]!), 'rgb(214 39 40)');
}
