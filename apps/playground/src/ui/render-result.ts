import type { ConformalSetsResult } from '../conformal-split.js';
import type {
  ClassificationResult,
  ConfidenceResult,
  RegressionResult,
  RunResult,
  UncertaintyMeans,
} from '../protocol.js';
import type { Task } from '../tasks.js';
import { probabilityColor, sequentialColor } from './colormap.js';
import { context2d } from './plot-frame.js';
import { drawRegression, drawRegressionData, drawRegressionStd } from './regression-panel.js';
import { drawSurface } from './surface-panel.js';

/** Width of each 2-D panel in pixels; the height follows the window's aspect ratio. */
const PANEL_WIDTH = 226;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page: no element #${id}`);
  return element as T;
}

function fixed(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

function uncertaintyRow(name: string, m: UncertaintyMeans | null): string {
  if (m === null) return '';
  return `<tr><td>${name}</td><td>${fixed(m.total)}</td><td>${fixed(m.aleatoric)}</td><td>${fixed(m.epistemic)}</td></tr>`;
}

/** The summary table's row of a learned confidence's means (empty without one). */
function confidenceRow(confidence: ConfidenceResult | null): string {
  if (confidence === null) return '';
  const ood = confidence.ood === null ? '' : `, OOD cluster ${fixed(confidence.ood)}`;
  return `<tr><td colspan="4">mean learned confidence c(x): training points ${fixed(confidence.train)},
    held-out points ${fixed(confidence.heldOut)}${ood}</td></tr>`;
}

/** `(APS, α = 0.1; 0 to K classes)`: what the set-size panel shows. */
function conformalCaption(c: ConformalSetsResult): string {
  return `(${c.method.toUpperCase()}, α = ${c.alpha}; colour 0 to ${c.numClasses} classes)`;
}

/** The summary table's row of the conformal sets' scores. */
function conformalSetsRow(c: ConformalSetsResult): string {
  return `<tr id="conformal-scores"><td colspan="4">conformal sets (${c.method.toUpperCase()}, α = ${c.alpha},
    calibrated on ${c.numCalibration} held-out points): coverage ${fixed(c.coverage)}
    (target ≥ ${fixed(1 - c.alpha, 2)}), mean set size ${fixed(c.meanSetSize, 2)} on the other ${c.numTest}</td></tr>`;
}

function renderClassification(result: ClassificationResult): void {
  const [x0, x1] = result.xRange;
  const [y0, y1] = result.yRange;
  const height = Math.round((PANEL_WIDTH * (y1 - y0)) / (x1 - x0));
  const k = result.numClasses;
  const logK = Math.log(k);
  const base = {
    gridSize: result.gridSize,
    xRange: result.xRange,
    yRange: result.yRange,
    trainX: result.trainX,
    trainY: result.trainY,
    oodX: result.oodX,
  };
  const sizes = result.conformal.gridSetSize;
  const panels = {
    probability: (i: number) => probabilityColor(result.probs, i * k, k),
    total: (i: number) => sequentialColor(result.total[i]! / logK),
    aleatoric: (i: number) => sequentialColor(result.aleatoric[i]! / logK),
    epistemic: (i: number) => sequentialColor(result.epistemic[i]! / logK),
    conformal: (i: number) => sequentialColor(sizes[i]! / k),
  };
  const { confidence } = result;
  byId('panel-confidence').hidden = confidence === null;
  const drawn =
    confidence === null
      ? panels
      : { ...panels, confidence: (i: number) => sequentialColor(confidence.grid[i]!) };
  for (const [name, color] of Object.entries(drawn)) {
    const canvas = byId<HTMLCanvasElement>(`canvas-${name}`);
    canvas.width = PANEL_WIDTH;
    canvas.height = height;
    drawSurface(canvas, { ...base, color });
  }
  for (const name of ['total', 'aleatoric', 'epistemic'] as const) {
    const values = result[name];
    byId(`max-${name}`).textContent = `(max ${fixed(Math.max(...values), 2)})`;
  }
  byId('colorbar-max').textContent = `log ${k} = ${fixed(logK, 2)} nats`;
  byId('conformal-caption').textContent = conformalCaption(result.conformal);
  byId('reliability').innerHTML = result.reliabilitySvg;
  const { heldOut, summary } = result;
  byId('summary').innerHTML = `
    <thead><tr><th>mean uncertainty (nats)</th><th>total</th><th>aleatoric</th><th>epistemic</th></tr></thead>
    <tbody>
      ${uncertaintyRow('training points', summary.train)}
      ${uncertaintyRow('held-out points', summary.heldOut)}
      ${uncertaintyRow('OOD cluster', summary.ood)}
      ${confidenceRow(result.confidence)}
      <tr><td colspan="4">held out: accuracy ${fixed(heldOut.accuracy)}, ECE ${fixed(heldOut.ece)},
        NLL ${fixed(heldOut.nll)}, Brier ${fixed(heldOut.brier)}</td></tr>
      ${conformalSetsRow(result.conformal)}
    </tbody>`;
}

function renderRegression(result: RegressionResult): void {
  drawRegression(byId<HTMLCanvasElement>('canvas-regression'), result);
  drawRegressionStd(byId<HTMLCanvasElement>('canvas-regression-std'), result);
  const { inside, outside } = result.summary;
  const { scores, conformal } = result;
  const row = (name: string, m: typeof inside) =>
    `<tr><td>${name}</td><td>${fixed(m.total, 2)}</td><td>${fixed(m.aleatoric, 2)}</td><td>${fixed(m.epistemic, 2)}</td></tr>`;
  byId('summary').innerHTML = `
    <thead><tr><th>mean predictive sd</th><th>total</th><th>aleatoric</th><th>epistemic</th></tr></thead>
    <tbody>
      ${row(`inside the data [${result.dataRange.join(', ')}]`, inside)}
      ${row('outside (extrapolation)', outside)}
      <tr><td colspan="4">RMSE of the mean against x³ inside the data: ${fixed(result.rmseInside, 2)}
        (noise sd ${result.noiseStd})</td></tr>
      <tr id="regression-scores"><td colspan="4">held out (${scores.count} points, ${scores.distribution}
        predictive): CRPS ${fixed(scores.crps, 2)}, miscalibration area ${fixed(scores.miscalibrationArea)},
        sharpness ${fixed(scores.sharpness, 2)}</td></tr>
      <tr id="conformal-scores"><td colspan="4">split-conformal interval (α = ${conformal.alpha}, calibrated on
        ${conformal.numCalibration} held-out points): mean ± ${fixed(conformal.halfWidth, 2)}, coverage
        ${fixed(conformal.coverage)} (target ≥ ${fixed(1 - conformal.alpha, 2)}) on the other ${conformal.numTest}</td></tr>
    </tbody>`;
}

/**
 * Before training: the panels of the task's kind with the data alone (training points and the
 * OOD cluster on white surfaces; the regression data on the window the result will use).
 */
export function renderData(task: Task): void {
  byId('classification-panels').hidden = task.kind !== 'classification';
  byId('regression-panels').hidden = task.kind !== 'regression';
  byId('panel-reliability').hidden = task.kind !== 'classification';
  // A learned confidence is drawn with its result.
  byId('panel-confidence').hidden = true;
  byId('reliability').innerHTML = '';
  byId('summary').innerHTML = '';
  if (task.kind === 'regression') {
    drawRegressionData(byId<HTMLCanvasElement>('canvas-regression'), task);
    const std = byId<HTMLCanvasElement>('canvas-regression-std');
    context2d(std).clearRect(0, 0, std.width, std.height);
    return;
  }
  const [x0, x1] = task.xRange;
  const [y0, y1] = task.yRange;
  for (const name of ['probability', 'total', 'aleatoric', 'epistemic', 'conformal']) {
    const canvas = byId<HTMLCanvasElement>(`canvas-${name}`);
    canvas.width = PANEL_WIDTH;
    canvas.height = Math.round((PANEL_WIDTH * (y1 - y0)) / (x1 - x0));
    drawSurface(canvas, {
      gridSize: 2,
      xRange: task.xRange,
      yRange: task.yRange,
      color: () => [255, 255, 255],
      trainX: task.train.x,
      trainY: task.train.y,
      oodX: task.ood?.x ?? null,
    });
  }
  for (const name of ['total', 'aleatoric', 'epistemic']) byId(`max-${name}`).textContent = '';
  byId('conformal-caption').textContent = '';
}

/** Shows the panels of the result's kind and draws them. */
export function renderResult(result: RunResult): void {
  byId('classification-panels').hidden = result.kind !== 'classification';
  byId('regression-panels').hidden = result.kind !== 'regression';
  byId('panel-reliability').hidden = result.kind !== 'classification';
  if (result.kind === 'classification') renderClassification(result);
  else renderRegression(result);
}
