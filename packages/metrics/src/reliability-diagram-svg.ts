import { checkInRange, checkInteger, checkPositive, InvalidArgumentError } from '@uqjs/core';
import type { BinningOptions } from './binning-options.js';
import type { LabelsInput, ProbsInput } from './inputs.js';
import { readOptions } from './options.js';
import { type ReliabilityBin, reliabilityDiagram } from './reliability-diagram.js';

/**
 * Options of {@link reliabilityDiagramSvg}; binning options apply when it bins probs itself.
 *
 * @since 0.1.0
 */
export interface ReliabilityDiagramSvgOptions extends BinningOptions {
  /** Width in pixels (default 400); the height follows (about 1.2 x width). */
  readonly width?: number;
  /** Title above the plot (default `'Reliability diagram'`); the ECE is appended. */
  readonly title?: string;
}

function isDiagram(value: unknown): value is readonly ReliabilityBin[] {
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return first !== null && typeof first === 'object' && !Array.isArray(first) && 'lower' in first;
}

function checkDiagram(diagram: readonly ReliabilityBin[], fn: string): number {
  let total = 0;
  diagram.forEach((bin, m) => {
    const at = `diagram[${m}]`;
    checkInRange(bin.lower, `${at}.lower`, fn, 0, 1);
    checkInRange(bin.upper, `${at}.upper`, fn, bin.lower, 1);
    checkInteger(bin.count, `${at}.count`, fn);
    if (bin.count > 0) {
      checkInRange(bin.confidence, `${at}.confidence`, fn, 0, 1);
      checkInRange(bin.accuracy, `${at}.accuracy`, fn, 0, 1);
    }
    total += bin.count;
  });
  if (total === 0) {
    throw new InvalidArgumentError({
      fn,
      argument: 'diagram',
      expected: 'bins with at least one example',
      given: diagram.length,
    });
  }
  return total;
}

/** Escapes text for XML content and attribute values. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Short fixed-point numbers for coordinates. */
function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/**
 * Renders a reliability diagram as a standalone SVG document (no scripts, no external
 * resources): accuracy bars per confidence bin, the gap to the mean confidence of each bin,
 * the diagonal of perfect calibration, and a histogram of bin counts below. The title shows
 * the ECE of the bins, `sum_m count_m / N |accuracy_m - confidence_m|`.
 *
 * Call it with a diagram from {@link reliabilityDiagram} (or `Calibration.result().diagram`),
 * or with `probs` and `labels` to bin them here.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('reliability.svg', reliabilityDiagramSvg(probs, labels, { bins: 10 }));
 * ```
 * @since 0.1.0
 */
export function reliabilityDiagramSvg(
  diagram: readonly ReliabilityBin[],
  opts?: ReliabilityDiagramSvgOptions,
): string;
export function reliabilityDiagramSvg(
  probs: ProbsInput,
  labels: LabelsInput,
  opts?: ReliabilityDiagramSvgOptions,
): string;
export function reliabilityDiagramSvg(
  first: readonly ReliabilityBin[] | ProbsInput,
  second?: LabelsInput | ReliabilityDiagramSvgOptions,
  third?: ReliabilityDiagramSvgOptions,
): string {
  const fn = 'reliabilityDiagramSvg';
  const fromDiagram = isDiagram(first);
  const opts = readOptions((fromDiagram ? second : third) as ReliabilityDiagramSvgOptions, fn);
  const bins = fromDiagram
    ? first
    : reliabilityDiagram(first as ProbsInput, second as LabelsInput, opts);
  const total = checkDiagram(bins, fn);
  const width = opts.width === undefined ? 400 : checkPositive(opts.width, 'opts.width', fn);
  const title = opts.title ?? 'Reliability diagram';
  if (typeof title !== 'string') {
    throw new InvalidArgumentError({
      fn,
      argument: 'opts.title',
      expected: 'a string',
      given: title,
    });
  }

  // Layout: a square plot (accuracy vs confidence), a count histogram under it, axes around.
  const left = 52;
  const top = 36;
  const plot = Math.max(40, width - left - 16);
  const histTop = top + plot + 10;
  const histHeight = Math.round(plot * 0.22);
  const axisY = histTop + histHeight;
  const height = axisY + 44;
  const sx = (v: number) => left + v * plot;
  const sy = (v: number) => top + (1 - v) * plot;
  const maxCount = Math.max(...bins.map((b) => b.count));
  let ece = 0;
  for (const b of bins)
    if (b.count > 0) ece += (b.count / total) * Math.abs(b.accuracy - b.confidence);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    `<text x="${num(left + plot / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)} (ECE ${(100 * ece).toFixed(2)}%)</text>`,
  );
  out.push('<g stroke="#e3e3e3">');
  for (const v of [0.25, 0.5, 0.75]) {
    out.push(`<line x1="${num(sx(0))}" y1="${num(sy(v))}" x2="${num(sx(1))}" y2="${num(sy(v))}"/>`);
    out.push(`<line x1="${num(sx(v))}" y1="${num(sy(0))}" x2="${num(sx(v))}" y2="${num(sy(1))}"/>`);
  }
  out.push('</g>');
  const nonEmpty = bins.filter((b) => b.count > 0);
  out.push('<g class="accuracy" fill="#4a78c2" stroke="#ffffff">');
  for (const b of nonEmpty) {
    out.push(
      `<rect x="${num(sx(b.lower))}" y="${num(sy(b.accuracy))}" width="${num(sx(b.upper) - sx(b.lower))}" height="${num(sy(0) - sy(b.accuracy))}"/>`,
    );
  }
  out.push('</g>');
  out.push('<g class="gap" fill="#d9534f" fill-opacity="0.35" stroke="#d9534f">');
  for (const b of nonEmpty) {
    const high = Math.max(b.accuracy, b.confidence);
    const low = Math.min(b.accuracy, b.confidence);
    out.push(
      `<rect x="${num(sx(b.lower))}" y="${num(sy(high))}" width="${num(sx(b.upper) - sx(b.lower))}" height="${num(sy(low) - sy(high))}"/>`,
    );
  }
  out.push('</g>');
  out.push(
    `<line class="diagonal" x1="${num(sx(0))}" y1="${num(sy(0))}" x2="${num(sx(1))}" y2="${num(sy(1))}" stroke="#555555" stroke-dasharray="4 3"/>`,
    `<rect x="${num(left)}" y="${num(top)}" width="${num(plot)}" height="${num(plot)}" fill="none" stroke="#222222"/>`,
  );
  // Legend in the top-left corner of the plot.
  out.push(
    `<rect x="${num(left + 8)}" y="${num(top + 8)}" width="10" height="10" fill="#4a78c2"/>`,
    `<text x="${num(left + 22)}" y="${num(top + 17)}">Accuracy</text>`,
    `<rect x="${num(left + 8)}" y="${num(top + 24)}" width="10" height="10" fill="#d9534f" fill-opacity="0.35" stroke="#d9534f"/>`,
    `<text x="${num(left + 22)}" y="${num(top + 33)}">Gap to confidence</text>`,
  );
  out.push('<g text-anchor="end">');
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${num(left - 6)}" y="${num(sy(v) + 4)}">${v}</text>`);
  }
  out.push('</g>');
  out.push(
    `<text transform="translate(14 ${num(top + plot / 2)}) rotate(-90)" text-anchor="middle">Accuracy</text>`,
  );
  out.push('<g class="counts" fill="#9a9a9a">');
  for (const b of nonEmpty) {
    const h = (histHeight * b.count) / maxCount;
    out.push(
      `<rect x="${num(sx(b.lower))}" y="${num(axisY - h)}" width="${num(sx(b.upper) - sx(b.lower))}" height="${num(h)}"/>`,
    );
  }
  out.push('</g>');
  out.push(
    `<rect x="${num(left)}" y="${num(histTop)}" width="${num(plot)}" height="${num(histHeight)}" fill="none" stroke="#222222"/>`,
    `<text x="${num(left - 6)}" y="${num(histTop + 10)}" text-anchor="end">${maxCount}</text>`,
    `<text transform="translate(14 ${num(histTop + histHeight / 2)}) rotate(-90)" text-anchor="middle">Count</text>`,
  );
  out.push('<g text-anchor="middle">');
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${num(sx(v))}" y="${num(axisY + 15)}">${v}</text>`);
  }
  out.push('</g>');
  out.push(
    `<text x="${num(left + plot / 2)}" y="${num(axisY + 34)}" text-anchor="middle">Confidence</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
