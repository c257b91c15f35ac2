/**
 * A few self-contained SVG charts (no dependencies): line plots with error bars on a linear or
 * log x axis, dot plots, and heat maps with point overlays. Every chart is a pure function from
 * data to an SVG string.
 */

import { encodePng } from './png.js';

/**
 * Colors of successive series (colour-blind safe, Okabe-Ito).
 *
 * @since 0.1.0
 */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

/**
 * Escapes text for SVG.
 *
 * @since 0.1.0
 */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * Formats a tick value compactly: 0.01, 0.3, 10, 1e+4.
 *
 * @since 0.1.0
 */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e4 || abs < 1e-3) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}

/**
 * Up to about `count` round tick values covering `[lo, hi]` (1, 2, 5 x 10^k steps), ascending
 * and without repeats. The ticks are counted by an integer index, so a range narrower than
 * the floating-point spacing at `lo` (e.g. `[0.8, 0.8000000000000002]`) or as wide as the
 * doubles still returns at once; a range with no room for a round step returns its ends.
 *
 * @since 0.1.0
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  // hi / count - lo / count, not (hi - lo) / count, which overflows for the widest ranges.
  const raw = hi / count - lo / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  if (!(step > 0 && Number.isFinite(step))) return [lo, hi];
  const first = Math.ceil(lo / step);
  const last = Math.floor(hi / step + 1e-9);
  // At most count + 2 round values fit; more means the step is lost in rounding.
  if (!(last - first <= count + 2)) return [lo, hi];
  const ticks: number[] = [];
  // k counts from 0: first itself may be past 2^53, where first + 1 === first.
  for (let k = 0; k <= last - first; k++) {
    const tick = Number(((first + k) * step).toPrecision(12));
    if (Number.isFinite(tick) && tick !== ticks[ticks.length - 1]) ticks.push(tick);
  }
  return ticks.length > 0 ? ticks : [lo, hi];
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const FRAME: Frame = { width: 620, height: 340, left: 64, right: 210, top: 36, bottom: 48 };

function open(frame: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${frame.width}" height="${frame.height}" fill="white"/>`,
    `<text x="${frame.width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
}

/**
 * A point of a series, with an optional symmetric error bar (e.g. one standard deviation).
 *
 * @since 0.1.0
 */
export interface PlotPoint {
  readonly x: number;
  readonly y: number;
  readonly err?: number;
}

/**
 * A named line of points.
 *
 * @since 0.1.0
 */
export interface Series {
  readonly name: string;
  readonly points: readonly PlotPoint[];
}

/**
 * A horizontal reference line with an optional shaded band of `y +- err`.
 *
 * @since 0.1.0
 */
export interface ReferenceLine {
  readonly name: string;
  readonly y: number;
  readonly err?: number;
}

/**
 * Options of {@link linePlot}.
 *
 * @since 0.1.0
 */
export interface LinePlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly references?: readonly ReferenceLine[];
  /** Log-scale x axis; ticks at the data's x values. */
  readonly xLog?: boolean;
}

/**
 * Lines with error bars against x (log axis optional), plus horizontal reference lines, with a
 * legend on the right: the paper's Figure 1 (test metric vs temperature, homoscedastic line).
 *
 * @since 0.1.0
 */
export function linePlot(opts: LinePlotOptions): string {
  const f = FRAME;
  const refs = opts.references ?? [];
  const xs = opts.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = [
    ...opts.series.flatMap((s) =>
      s.points.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)]),
    ),
    ...refs.flatMap((r) => [r.y - (r.err ?? 0), r.y + (r.err ?? 0)]),
  ].filter(Number.isFinite);
  const tx = opts.xLog ? Math.log10 : (v: number) => v;
  const xLo = Math.min(...xs.map(tx));
  const xHi = Math.max(...xs.map(tx));
  const xPad = xHi > xLo ? 0.05 * (xHi - xLo) : 0.5;
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const yMin = Math.min(Math.min(...ys), yTicks[0] ?? 0);
  const yMax = Math.max(Math.max(...ys), yTicks[yTicks.length - 1] ?? 1);
  // 4% margins above and below so error bars end inside the frame.
  const yPad = 0.04 * (yMax > yMin ? yMax - yMin : 1);
  const yLo = yMin - yPad;
  const ySpan = yMax + yPad - yLo;
  const px = (x: number) =>
    f.left + ((tx(x) - (xLo - xPad)) / (xHi - xLo + 2 * xPad)) * (f.width - f.left - f.right);
  const py = (y: number) =>
    f.height - f.bottom - ((y - yLo) / ySpan) * (f.height - f.top - f.bottom);
  const out = open(f, opts.title);
  out.push(...axes(f, opts.xLabel, opts.yLabel));
  const xTicks = opts.xLog ? [...new Set(xs)].sort((a, b) => a - b) : niceTicks(xLo, xHi);
  for (const t of xTicks) {
    out.push(
      `<line x1="${px(t)}" y1="${f.height - f.bottom}" x2="${px(t)}" y2="${f.height - f.bottom + 4}" stroke="black"/>`,
      `<text x="${px(t)}" y="${f.height - f.bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of yTicks) out.push(...yTick(f, py(t), formatTick(t)));
  refs.forEach((r, i) => {
    const color = PALETTE[(opts.series.length + i) % PALETTE.length];
    if (r.err !== undefined && r.err > 0) {
      out.push(
        `<rect x="${f.left}" y="${py(r.y + r.err)}" width="${f.width - f.left - f.right}" height="${py(r.y - r.err) - py(r.y + r.err)}" fill="${color}" opacity="0.12"/>`,
      );
    }
    out.push(
      `<line x1="${f.left}" y1="${py(r.y)}" x2="${f.width - f.right}" y2="${py(r.y)}" stroke="${color}" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    );
  });
  opts.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const path = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x)},${py(p.y)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of pts) {
      if (p.err !== undefined && p.err > 0) {
        out.push(
          `<line x1="${px(p.x)}" y1="${py(p.y - p.err)}" x2="${px(p.x)}" y2="${py(p.y + p.err)}" stroke="${color}"/>`,
        );
      }
      out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${color}"/>`);
    }
  });
  // The legend: series (solid), reference lines (dashed), then what the bars and bands mean.
  type LegendItem = { name: string; color: string; glyph: 'line' | 'dashed' | 'bar' | 'band' };
  const legend: LegendItem[] = [
    ...opts.series.map((s, i) => ({
      name: s.name,
      color: PALETTE[i % PALETTE.length] as string,
      glyph: 'line' as const,
    })),
    ...refs.map((r, i) => ({
      name: r.name,
      color: PALETTE[(opts.series.length + i) % PALETTE.length] as string,
      glyph: 'dashed' as const,
    })),
  ];
  if (opts.series.some((s) => s.points.some((p) => p.err !== undefined && p.err > 0))) {
    legend.push({ name: 'bars: mean ± sd over seeds', color: '#555555', glyph: 'bar' });
  }
  refs.forEach((r, i) => {
    if (r.err !== undefined && r.err > 0) {
      legend.push({
        name: `${r.name} band: mean ± sd over seeds`,
        color: PALETTE[(opts.series.length + i) % PALETTE.length] as string,
        glyph: 'band',
      });
    }
  });
  const x = f.width - f.right + 12;
  let y = f.top + 10;
  for (const item of legend) {
    const glyph = {
      line: `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${item.color}" stroke-width="2"/>`,
      dashed: `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${item.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      bar: `<path d="M${x + 10} ${y - 6}v12M${x + 7} ${y - 6}h6M${x + 7} ${y + 6}h6" stroke="${item.color}" fill="none"/>`,
      band: `<rect x="${x}" y="${y - 6}" width="20" height="12" fill="${item.color}" opacity="0.12"/>`,
    }[item.glyph];
    // Long names wrap onto a second line (about 29 characters fit the legend's width).
    const lines = legendLines(item.name, 29);
    out.push(
      glyph,
      ...lines.map(
        (line, k) => `<text x="${x + 26}" y="${y + 4 + 13 * k}">${escapeXml(line)}</text>`,
      ),
    );
    y += 18 + 13 * (lines.length - 1);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** `text` split at spaces into lines of at most `width` characters. */
function legendLines(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else {
      lines.push(word);
    }
  }
  return lines;
}

function axes(f: Frame, xLabel: string, yLabel: string): string[] {
  const bottom = f.height - f.bottom;
  return [
    `<line x1="${f.left}" y1="${bottom}" x2="${f.width - f.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${bottom}" stroke="black"/>`,
    `<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14 ${(f.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
}

function yTick(f: Frame, y: number, label: string): string[] {
  return [
    `<line x1="${f.left - 4}" y1="${y}" x2="${f.left}" y2="${y}" stroke="black"/>`,
    `<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="#eeeeee"/>`,
    `<text x="${f.left - 6}" y="${y + 4}" text-anchor="end">${label}</text>`,
  ];
}

/**
 * One row of a {@link dotPlot}: a label and its values (one dot each).
 *
 * @since 0.1.0
 */
export interface DotRow {
  readonly label: string;
  readonly values: readonly number[];
}

/**
 * Horizontal dot plot: one row per label, one dot per value, a tick at the row's mean and a
 * dashed line at zero. Used for per-seed paired differences.
 *
 * @since 0.1.0
 */
export function dotPlot(opts: { title: string; xLabel: string; rows: readonly DotRow[] }): string {
  const rowHeight = 30;
  // About 6.2 px per character at font-size 11, plus a gap before the axis.
  const labelWidth = 24 + Math.ceil(6.2 * Math.max(10, ...opts.rows.map((r) => r.label.length)));
  const f: Frame = {
    width: labelWidth + 380,
    height: 70 + rowHeight * opts.rows.length + 20,
    left: labelWidth,
    right: 20,
    top: 36,
    bottom: 48,
  };
  const values = [0, ...opts.rows.flatMap((r) => r.values)].filter(Number.isFinite);
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const rawLo = Math.min(...values, ticks[0] ?? 0);
  const rawHi = Math.max(...values, ticks[ticks.length - 1] ?? 0);
  // 5% margins so dots at the extremes are not cut by the frame.
  const pad = 0.05 * (rawHi > rawLo ? rawHi - rawLo : 1);
  const lo = rawLo - pad;
  const span = rawHi + pad - lo;
  const px = (v: number) => f.left + ((v - lo) / span) * (f.width - f.left - f.right);
  const bottom = f.height - f.bottom;
  const out = open(f, opts.title);
  out.push(
    `<line x1="${f.left}" y1="${bottom}" x2="${f.width - f.right}" y2="${bottom}" stroke="black"/>`,
    `<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 10}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`,
    `<line x1="${px(0)}" y1="${f.top}" x2="${px(0)}" y2="${bottom}" stroke="#888888" stroke-dasharray="4 3"/>`,
  );
  for (const t of ticks) {
    out.push(
      `<line x1="${px(t)}" y1="${bottom}" x2="${px(t)}" y2="${bottom + 4}" stroke="black"/>`,
      `<text x="${px(t)}" y="${bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  opts.rows.forEach((row, i) => {
    const y = f.top + 16 + i * rowHeight;
    const color = PALETTE[i % PALETTE.length];
    out.push(
      `<text x="${f.left - 8}" y="${y + 4}" text-anchor="end">${escapeXml(row.label)}</text>`,
    );
    for (const v of row.values) {
      out.push(`<circle cx="${px(v)}" cy="${y}" r="4" fill="${color}" fill-opacity="0.7"/>`);
    }
    if (row.values.length > 0) {
      const mean = row.values.reduce((a, b) => a + b, 0) / row.values.length;
      out.push(
        `<line x1="${px(mean)}" y1="${y - 9}" x2="${px(mean)}" y2="${y + 9}" stroke="black" stroke-width="2"/>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * A set of points drawn over a {@link heatmap}.
 *
 * @since 0.1.0
 */
export interface Overlay {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  /** `dot` (default) or `cross`. */
  readonly marker?: 'dot' | 'cross';
  /** Draw a dashed circle around the points, labelled with `name` (e.g. the OOD cluster). */
  readonly outline?: boolean;
}

/**
 * Options of {@link heatmap}.
 *
 * @since 0.1.0
 */
export interface HeatmapOptions {
  readonly title: string;
  /** Row-major values, `[n * n]`, y outer (row 0 at `yRange[0]`). */
  readonly values: readonly number[];
  readonly n: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  /** The value mapped to the darkest color (values are clipped to `[0, max]`). */
  readonly max: number;
  readonly valueLabel: string;
  readonly overlays?: readonly Overlay[];
  /** Axis labels (`x1`, `x2`). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Light yellow (0) to dark blue (1): a perceptually ordered ramp, as `[r, g, b]`. */
export function rampRgb(t: number): [number, number, number] {
  const stops = [
    [255, 255, 217],
    [127, 205, 187],
    [29, 145, 192],
    [37, 52, 148],
    [8, 29, 88],
  ];
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const a = stops[i] as number[];
  const b = stops[i + 1] as number[];
  const mix = (k: number) =>
    Math.round((a[k] as number) + ((b[k] as number) - (a[k] as number)) * (u - i));
  return [mix(0), mix(1), mix(2)];
}

function ramp(t: number): string {
  const [r, g, b] = rampRgb(t);
  return `rgb(${r},${g},${b})`;
}

/**
 * A heat map of a scalar over a square grid (e.g. predictive entropy over the plane), with
 * axes, point overlays (training data; the OOD cluster as crosses in a labelled dashed circle)
 * and a color bar. The grid is embedded as a PNG of one pixel per cell, so the SVG stays a few
 * KB whatever `n` (a rect per cell took about 400 KB at the moons grid).
 *
 * @since 0.1.0
 */
export function heatmap(opts: HeatmapOptions): string {
  const f: Frame = { width: 430, height: 400, left: 48, right: 90, top: 36, bottom: 62 };
  const w = f.width - f.left - f.right;
  const h = f.height - f.top - f.bottom;
  const px = (x: number) => f.left + ((x - opts.xRange[0]) / (opts.xRange[1] - opts.xRange[0])) * w;
  const py = (y: number) =>
    f.height - f.bottom - ((y - opts.yRange[0]) / (opts.yRange[1] - opts.yRange[0])) * h;
  const out = open(f, opts.title);
  // The surface as one PNG pixel per cell (rows from the top), scaled up without smoothing: a
  // few KB, where a rect per cell took hundreds.
  const rgb = new Uint8Array(opts.n * opts.n * 3);
  for (let row = 0; row < opts.n; row++) {
    for (let col = 0; col < opts.n; col++) {
      const v = opts.values[row * opts.n + col] ?? 0;
      rgb.set(rampRgb(v / opts.max), ((opts.n - 1 - row) * opts.n + col) * 3);
    }
  }
  const png = encodePng(opts.n, opts.n, rgb).toString('base64');
  out.push(
    `<image x="${f.left}" y="${f.top}" width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`,
    `<rect x="${f.left}" y="${f.top}" width="${w}" height="${h}" fill="none" stroke="black"/>`,
  );
  // Axes: ticks at round values of each coordinate.
  for (const t of niceTicks(opts.xRange[0], opts.xRange[1], 4)) {
    out.push(
      `<line x1="${px(t).toFixed(1)}" y1="${f.top + h}" x2="${px(t).toFixed(1)}" y2="${f.top + h + 4}" stroke="black"/>`,
      `<text x="${px(t).toFixed(1)}" y="${f.top + h + 15}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of niceTicks(opts.yRange[0], opts.yRange[1], 4)) {
    out.push(
      `<line x1="${f.left - 4}" y1="${py(t).toFixed(1)}" x2="${f.left}" y2="${py(t).toFixed(1)}" stroke="black"/>`,
      `<text x="${f.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<text x="${f.left + w / 2}" y="${f.top + h + 28}" text-anchor="middle">${escapeXml(opts.xLabel ?? 'x1')}</text>`,
    `<text transform="translate(12 ${f.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel ?? 'x2')}</text>`,
  );
  for (const overlay of opts.overlays ?? []) {
    for (const [x, y] of overlay.points) {
      const cx = px(x).toFixed(1);
      const cy = py(y).toFixed(1);
      out.push(
        overlay.marker === 'cross'
          ? `<path d="M${cx} ${cy}m-2.5 -2.5l5 5m0 -5l-5 5" stroke="${overlay.color}" stroke-width="1.4"/>`
          : `<circle cx="${cx}" cy="${cy}" r="2" fill="${overlay.color}" stroke="white" stroke-width="0.4"/>`,
      );
    }
    if (overlay.outline && overlay.points.length > 0) {
      // A dashed circle around the cluster: its centroid, out to its farthest point.
      const mx = overlay.points.reduce((a, p) => a + p[0], 0) / overlay.points.length;
      const my = overlay.points.reduce((a, p) => a + p[1], 0) / overlay.points.length;
      const r = Math.max(
        ...overlay.points.map((p) => Math.hypot(px(p[0]) - px(mx), py(p[1]) - py(my))),
      );
      out.push(
        `<circle cx="${px(mx).toFixed(1)}" cy="${py(my).toFixed(1)}" r="${(r + 6).toFixed(1)}" fill="none" stroke="${overlay.color}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
        `<text x="${px(mx).toFixed(1)}" y="${(py(my) - r - 10).toFixed(1)}" text-anchor="middle" fill="${overlay.color}">${escapeXml(overlay.name)}</text>`,
      );
    }
  }
  const barX = f.width - f.right + 16;
  for (let i = 0; i < 50; i++) {
    out.push(
      `<rect x="${barX}" y="${(f.top + h - ((i + 1) * h) / 50).toFixed(2)}" width="14" height="${(h / 50 + 0.3).toFixed(2)}" fill="${ramp(i / 49)}"/>`,
    );
  }
  out.push(
    `<text x="${barX + 18}" y="${f.top + h}" >0</text>`,
    `<text x="${barX + 18}" y="${f.top + 8}">${formatTick(opts.max)}</text>`,
    `<text transform="translate(${barX + 40} ${f.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.valueLabel)}</text>`,
  );
  (opts.overlays ?? []).forEach((overlay, i) => {
    const x = f.left + i * 110;
    const y = f.height - 10;
    out.push(
      overlay.marker === 'cross'
        ? `<path d="M${x + 4} ${y - 4}m-3 -3l6 6m0 -6l-6 6" stroke="${overlay.color}" stroke-width="1.6"/>`
        : `<circle cx="${x + 4}" cy="${y - 4}" r="4" fill="${overlay.color}"/>`,
      `<text x="${x + 12}" y="${y}">${escapeXml(overlay.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
