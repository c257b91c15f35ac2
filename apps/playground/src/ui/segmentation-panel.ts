import type { SegmentationResult, SegmentationView } from '../segmentation/protocol.js';
import { classColor, type Rgb, sequentialColor } from './colormap.js';
import { context2d } from './plot-frame.js';

/** The columns of the segmentation grid, left to right. */
export const SEGMENTATION_MAPS = [
  'image',
  'label',
  'prediction',
  'total',
  'aleatoric',
  'epistemic',
] as const;
export type SegmentationMap = (typeof SEGMENTATION_MAPS)[number];

/** The label that marks pixels without a class (ignored, or the OOD shape). */
const IGNORE = 255;
/** Background (class 0): dark grey; the shapes take the page's class colours. */
const BACKGROUND: Rgb = [72, 72, 72];
/** Ignored pixels in the label map. */
const IGNORED: Rgb = [255, 255, 255];
/** Pixels of the OOD shape in the label map. */
const OOD: Rgb = [232, 62, 232];

/** The maps drawn before training: the test images and their labels. */
const DATA_MAPS: readonly SegmentationMap[] = ['image', 'label'];

function isResult(view: SegmentationView | SegmentationResult): view is SegmentationResult {
  return 'kind' in view;
}

/** The colour of class `k` of the segmentation tab (0 background, then the shapes). */
export function segmentationClassColor(k: number): Rgb {
  return k === 0 ? BACKGROUND : classColor(k - 1);
}

/**
 * The top of the colour scale of each uncertainty map: `log K` for total and aleatoric (the
 * largest entropy of `K` classes, as the toy panels), and the largest epistemic value drawn
 * for the epistemic map (mutual information over a few dropout passes is small next to
 * `log K`; its caption gives the number).
 */
export function uncertaintyScales(result: SegmentationResult): {
  total: number;
  aleatoric: number;
  epistemic: number;
} {
  let epistemic = 0;
  for (const v of result.epistemic) epistemic = Math.max(epistemic, v);
  const logK = Math.log(result.numClasses);
  return { total: logK, aleatoric: logK, epistemic: epistemic > 0 ? epistemic : logK };
}

/**
 * The RGBA pixels `[H, W, 4]` of map `map` of shown image `index`: the image itself, the
 * labels and the prediction in class colours (the OOD shape magenta, ignored pixels white),
 * the uncertainties in the sequential map over `[0, scale]`. The image and label maps need
 * only the view; the others a result.
 */
export function segmentationMapPixels(
  result: SegmentationView | SegmentationResult,
  map: SegmentationMap,
  index: number,
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = result.size * result.size;
  const base = index * pixels;
  const out = new Uint8ClampedArray(pixels * 4);
  const trained = isResult(result) ? result : null;
  if (trained === null && !DATA_MAPS.includes(map)) {
    throw new Error(`segmentationMapPixels: the ${map} map needs the result of a trained model`);
  }
  const scales = trained === null ? null : uncertaintyScales(trained);
  for (let p = 0; p < pixels; p++) {
    const i = base + p;
    let rgb: Rgb;
    if (map === 'image') {
      const c = 3 * i;
      rgb = [255 * result.images[c]!, 255 * result.images[c + 1]!, 255 * result.images[c + 2]!];
    } else if (map === 'label') {
      const label = result.labels[i]!;
      rgb =
        label !== IGNORE ? segmentationClassColor(label) : result.oodMask[i] === 1 ? OOD : IGNORED;
    } else if (map === 'prediction') {
      rgb = segmentationClassColor(trained!.prediction[i]!);
    } else {
      rgb = sequentialColor(trained![map][i]! / scales![map]);
    }
    out.set([rgb[0], rgb[1], rgb[2], 255], 4 * p);
  }
  return out;
}

/** Column captions; the uncertainty ones give the top of their colour scale. */
function caption(map: SegmentationMap, result: SegmentationView | SegmentationResult): string {
  switch (map) {
    case 'image':
      return 'Test image';
    case 'label':
      return 'Label (magenta: OOD)';
    case 'prediction':
      return 'Prediction';
    default: {
      const top = uncertaintyScales(result as SegmentationResult)[map];
      return `${map[0]!.toUpperCase()}${map.slice(1)} (0 to ${top.toFixed(3)} nats)`;
    }
  }
}

/**
 * Draws the grid of `result` into `container`: one row per shown test image, one canvas per
 * map (`id` `seg-<map>-<row>`, `data-map`), each `H x W` pixels, scaled up by CSS. A view
 * without a result (before training) gets the image and label columns.
 */
export function renderSegmentationGrid(
  container: HTMLElement,
  result: SegmentationView | SegmentationResult,
): void {
  const maps = isResult(result) ? SEGMENTATION_MAPS : DATA_MAPS;
  const table = document.createElement('table');
  table.className = 'segmentation-grid';
  const head = table.createTHead().insertRow();
  for (const map of maps) {
    const th = document.createElement('th');
    th.textContent = caption(map, result);
    head.append(th);
  }
  const body = table.createTBody();
  for (let row = 0; row < result.shown; row++) {
    const tr = body.insertRow();
    for (const map of maps) {
      const canvas = document.createElement('canvas');
      canvas.width = result.size;
      canvas.height = result.size;
      canvas.id = `seg-${map}-${row}`;
      canvas.dataset.map = map;
      canvas.className = 'segmentation-map';
      context2d(canvas).putImageData(
        new ImageData(segmentationMapPixels(result, map, row), result.size, result.size),
        0,
        0,
      );
      tr.insertCell().append(canvas);
    }
  }
  const legend = document.createElement('p');
  legend.className = 'segmentation-legend';
  const swatches: [string, Rgb][] = [
    ...result.classNames.map((name, k): [string, Rgb] => [name, segmentationClassColor(k)]),
    ['OOD shape (never trained on)', OOD],
    ['ignored', IGNORED],
  ];
  for (const [name, [r, g, b]] of swatches) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'segmentation-swatch';
    swatch.style.background = `rgb(${r} ${g} ${b})`;
    item.append(swatch, name);
    legend.append(item);
  }
  container.replaceChildren(table, legend);
}

/** The summary table of a result: test-set scores and mean uncertainty per region. */
export function renderSegmentationSummary(
  table: HTMLTableElement,
  result: SegmentationResult,
): void {
  const { scores, uncertainty } = result;
  const rows: [string, string][] = [
    ['mean IoU', scores.meanIoU.toFixed(3)],
    ['pixel accuracy', scores.pixelAccuracy.toFixed(3)],
    ['ECE (15 bins)', scores.ece.toFixed(3)],
    ['NLL (nats / pixel)', scores.nll.toFixed(3)],
    ['OOD AUROC (total uncertainty)', scores.oodAuroc.toFixed(3)],
    ['OOD AUPR', scores.oodAupr.toFixed(3)],
    ['OOD FPR at 95% TPR', scores.oodFpr95.toFixed(3)],
  ];
  const regions = [
    ['background', uncertainty.background],
    ['shapes', uncertainty.objects],
    ['OOD shape', uncertainty.ood],
  ] as const;
  for (const [name, means] of regions) {
    rows.push([
      `mean total / aleatoric / epistemic on the ${name}`,
      `${means.total.toFixed(3)} / ${means.aleatoric.toFixed(3)} / ${means.epistemic.toFixed(4)}`,
    ]);
  }
  table.replaceChildren();
  const caption = table.createCaption();
  caption.textContent = `Test set: ${result.testImages} images of ${result.size}x${result.size}`;
  for (const [name, value] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = value;
  }
}
